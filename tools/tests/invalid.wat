;; CLI tests: well-formed but invalid (built with wat2wasm --no-check): an i64 is returned
;; where an i32 is declared.
(module (func (export "f") (result i32) (i64.const 1)))
