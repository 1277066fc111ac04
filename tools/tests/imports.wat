;; CLI tests: nothing provides "env" "log", so this must be reported as a link error.
(module
  (import "env" "log" (func (param i32)))
  (func (export "run") (call 0 (i32.const 1))))
