;; CLI tests: a trap inside an invoked function, with a backtrace through $outer.
(module
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $outer (export "div") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1))))
