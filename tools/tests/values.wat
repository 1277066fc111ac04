;; CLI tests: how arguments are parsed and results printed, for every value type.
(module
  (func (export "ints") (param i32 i32 i64) (result i32 i32 i64)
    (local.get 0) (local.get 1) (local.get 2))
  (func (export "floats") (result f32 f64 f32 f64 f64)
    (f32.const 0.1) (f64.const -inf) (f32.const nan) (f64.const 1e300) (f64.const -0))
  (func (export "float-args") (param f32 f64) (result f32 f64) (local.get 0) (local.get 1))
  (func (export "v128") (param v128) (result v128) (local.get 0))
  (func $id (export "funcref") (param funcref) (result funcref) (local.get 0))
  (func (export "externref") (param externref) (result externref) (local.get 0))
  (func (export "refs") (result funcref funcref externref)
    (ref.func $id) (ref.null func) (ref.null extern)))
