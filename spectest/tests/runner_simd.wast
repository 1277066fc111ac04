;; v128 arguments and per-lane results, NaN patterns included.
;; expect-exit: 1
;; expect-output: runner_simd.wast: 5 passed, 3 failed, 0 skipped

(module
  (func (export "id") (param v128) (result v128) (local.get 0))
  (func (export "nans") (result v128) (v128.const i32x4 0x7fc00000 0xffc00000 0x7fe00000 0x7fc00001))
)
(assert_return (invoke "id" (v128.const i32x4 1 2 3 4)) (v128.const i32x4 1 2 3 4))
(assert_return (invoke "id" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16))
                            (v128.const i16x8 0x0201 0x0403 0x0605 0x0807 0x0a09 0x0c0b 0x0e0d 0x100f))
(assert_return (invoke "nans") (v128.const f32x4 nan:canonical nan:canonical nan:arithmetic nan:arithmetic))
(assert_return (invoke "id" (v128.const f64x2 -0.0 1.5)) (v128.const f64x2 -0.0 1.5))
;; Wrong on purpose: the third and fourth lanes are arithmetic but not canonical NaNs.
(assert_return (invoke "nans") (v128.const f32x4 nan:canonical nan:canonical nan:canonical nan:arithmetic))
(assert_return (invoke "nans") (v128.const f32x4 nan:canonical nan:canonical nan:arithmetic nan:canonical))
(assert_return (invoke "id" (v128.const f64x2 0.0 1.5)) (v128.const f64x2 -0.0 1.5))
