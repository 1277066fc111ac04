;; CLI tests: imports from the module preloaded as "lib" (see preload_lib.wat).
(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "lib" "say" (func $say))
  (memory (export "memory") 1)
  (data (i32.const 100) "this is the main module's memory, not the library's\n")
  (func (export "run") (param i32) (result i32)
    (call $say)
    (call $double (local.get 0))))
