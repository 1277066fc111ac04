;; CLI tests: --max-memory, --fuel and --timeout, and a deep recursion.
(module
  (memory (export "memory") 1)
  ;; memory.grow's result: the old size in pages, or -1 when refused.
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; Never returns on its own.
  (func $spin (export "spin") (loop $forever (br $forever)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (i32.const 1) (call $recurse (local.get 0)))))
