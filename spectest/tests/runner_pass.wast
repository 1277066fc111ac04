;; Every command kind with assertions that hold: the runner must pass them all and skip
;; only the text-format module.
;; expect-exit: 0
;; expect-output: runner_pass.wast: 34 passed, 0 failed, 1 skipped
;; expect-output: spectest: 34 passed, 0 failed, 1 skipped

(module $M
  (global $g (export "glob") (mut i32) (i32.const 5))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "inc") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "pair") (result i64 f64) (i64.const -1) (f64.const -0.0))
  (func (export "canonical") (result f32) (f32.div (f32.const 0) (f32.const 0)))
  (func (export "arithmetic") (result f64) (f64.reinterpret_i64 (i64.const 0x7ffc000000000001)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $loop (export "recurse") (call $loop))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "null") (result funcref) (ref.null func))
  (func $f (export "some-func") (result funcref) (ref.func $f))
)
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const -1) (i32.const 0)) (i32.const 0xffffffff))
(assert_return (get "glob") (i32.const 5))
(invoke "inc")
(assert_return (get $M "glob") (i32.const 6))
(assert_return (invoke "pair") (i64.const -1) (f64.const -0.0))
(assert_return (invoke "canonical") (f32.const nan:canonical))
(assert_return (invoke "arithmetic") (f64.const nan:arithmetic))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_exhaustion (invoke "recurse") "call stack exhausted")
(assert_return (invoke "ext" (ref.extern 0)) (ref.extern 0))
(assert_return (invoke "ext" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "null") (ref.null func))
(assert_return (invoke "some-func") (ref.func))

;; The spectest host module, with the values the reference interpreter gives it.
(module
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "global_i32" (global $gi32 i32))
  (import "spectest" "global_i64" (global $gi64 i64))
  (import "spectest" "global_f32" (global $gf32 f32))
  (import "spectest" "global_f64" (global $gf64 f64))
  (import "spectest" "table" (table $t 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (func (export "print") (call $print_i32 (i32.const 42)))
  (func (export "globals") (result i32 i64 f32 f64)
    (global.get $gi32) (global.get $gi64) (global.get $gf32) (global.get $gf64))
  (func (export "sizes") (result i32 i32) (table.size $t) (memory.size))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))
  (func (export "grow-too-far") (result i32) (memory.grow (i32.const 1)))
)
(invoke "print")
(assert_return (invoke "globals") (i32.const 666) (i64.const 666) (f32.const 666.6) (f64.const 666.6))
(assert_return (invoke "sizes") (i32.const 10) (i32.const 1))
(assert_return (invoke "grow") (i32.const 1))
(assert_return (invoke "grow-too-far") (i32.const -1))

;; Named modules and register.
(module $A (func (export "f") (result i32) (i32.const 11)))
(register "A" $A)
(module $B
  (import "A" "f" (func $f (result i32)))
  (func (export "g") (result i32) (i32.add (call $f) (i32.const 1))))
(assert_return (invoke $B "g") (i32.const 12))
(assert_return (invoke $A "f") (i32.const 11))

;; Modules that must be rejected, and one the runner cannot judge (text format).
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module quote "(func") "unexpected end")
(assert_unlinkable (module (import "A" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "A" "f" (func (param i32)))) "incompatible import type")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
