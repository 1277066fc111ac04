;; The quick-start example: build/bin/wrun --invoke fib examples/fib.wasm 40
;; Rebuild fib.wasm after editing: wat2wasm --debug-names examples/fib.wat -o examples/fib.wasm
(module
  ;; fib(0) = 0, fib(1) = 1, fib(n) = fib(n-1) + fib(n-2); iterative, so fib 90 is instant.
  (func $fib (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $next i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $next (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $next))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (local.get $a))

  ;; n! (wraps modulo 2^64 past fac 20); recursive, to show calls.
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))
)
