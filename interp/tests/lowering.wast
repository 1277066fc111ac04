;; Edge cases of the interpreter's lowering (interp/lower.cc): operand forwarding, result
;; retargeting, compare-and-branch fusion and folded address adds. Each function returns a
;; value that is wrong if a peephole fires where it must not.

(module
  (memory 1)
  ;; A forwarded local.get must keep the old value when the local is written before use.
  (func (export "get-then-set") (param i32) (result i32)
    (local.get 0) (local.set 0 (i32.const 5)) (local.get 0) (i32.sub))
  ;; ...also when the write happens in a nested block on one path only.
  (func (export "get-then-set-in-if") (param i32 i32) (result i32)
    (local.get 0)
    (if (local.get 1) (then (local.set 0 (i32.const 100))))
    (local.get 0) (i32.sub))
  ;; tee keeps the value on the stack while the local is overwritten later.
  (func (export "tee-then-set") (param i32) (result i32)
    (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
    (local.set 0 (i32.const 1000))
    (local.get 0) (i32.add))
  ;; local.set retargets the add, which reads the same local.
  (func (export "self-update") (param i32) (result i32)
    (local.set 0 (i32.add (local.get 0) (local.get 0))) (local.get 0))
  ;; Constants flowing into a block result and out through a branch.
  (func (export "const-through-br") (param i32) (result i32)
    (block (result i32) (i32.const 7) (br_if 0 (local.get 0)) (drop) (i32.const 9)))
  ;; br_if on a fused compare that carries a value to the label.
  (func (export "fused-br-if-value") (param i32 i32) (result i32)
    (block (result i32)
      (i32.const 11) (br_if 0 (i32.lt_s (local.get 0) (local.get 1)))
      (drop) (i32.const 22)))
  ;; if on a compare with the constant on the left (swapped compare).
  (func (export "swapped-compare") (param i32) (result i32)
    (if (result i32) (i32.gt_u (i32.const 10) (local.get 0)) (then (i32.const 1)) (else (i32.const 0))))
  ;; if on i32.eqz and on an i64 compare with a wide constant.
  (func (export "eqz-if") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (i32.const 2))))
  (func (export "wide-compare") (param i64) (result i32)
    (if (result i32) (i64.lt_u (local.get 0) (i64.const 0x100000000)) (then (i32.const 1)) (else (i32.const 0))))
  (func (export "wide-imm") (param i64) (result i64)
    (i64.mul (local.get 0) (i64.const 0x100000001)))
  (func (export "rsub") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  ;; Folded address adds wrap to 32 bits before the offset is added.
  ;; The offset is added in 64 bits, after the wrapped sum: no wrap back into memory.
  (func (export "load-wrap") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 0xFFFFFFFC))))
  (func (export "load-offset-no-wrap") (param i32) (result i32)
    (i32.load offset=8 (i32.add (local.get 0) (i32.const 0xFFFFFFFC))))
  (func (export "load-wrap-reg") (param i32 i32) (result i32)
    (i32.load (i32.add (local.get 0) (local.get 1))))
  ;; A constant stored through a register add: the constant must not clobber the index.
  (func (export "store-const-reg") (param i32 i32) (result i32)
    (i32.store (i32.add (local.get 0) (i32.mul (local.get 1) (i32.const 4))) (i32.const 77))
    (i32.load (i32.const 40)))
  (func (export "store-reg-offset") (param i32 i32) (result i32)
    (i32.store offset=4 (i32.add (local.get 0) (local.get 1)) (i32.const 99))
    (i32.load (i32.const 24)))
  (data (i32.const 4) "\2a\00\00\00")
)

(assert_return (invoke "get-then-set" (i32.const 12)) (i32.const 7))
(assert_return (invoke "get-then-set-in-if" (i32.const 30) (i32.const 1)) (i32.const -70))
(assert_return (invoke "get-then-set-in-if" (i32.const 30) (i32.const 0)) (i32.const 0))
(assert_return (invoke "tee-then-set" (i32.const 4)) (i32.const 1005))
(assert_return (invoke "self-update" (i32.const 21)) (i32.const 42))
(assert_return (invoke "const-through-br" (i32.const 1)) (i32.const 7))
(assert_return (invoke "const-through-br" (i32.const 0)) (i32.const 9))
(assert_return (invoke "fused-br-if-value" (i32.const 1) (i32.const 2)) (i32.const 11))
(assert_return (invoke "fused-br-if-value" (i32.const 3) (i32.const 2)) (i32.const 22))
(assert_return (invoke "swapped-compare" (i32.const 3)) (i32.const 1))
(assert_return (invoke "swapped-compare" (i32.const 10)) (i32.const 0))
(assert_return (invoke "eqz-if" (i32.const 0)) (i32.const 1))
(assert_return (invoke "eqz-if" (i32.const 5)) (i32.const 2))
(assert_return (invoke "wide-compare" (i64.const 0xFFFFFFFF)) (i32.const 1))
(assert_return (invoke "wide-compare" (i64.const 0x100000000)) (i32.const 0))
(assert_return (invoke "wide-imm" (i64.const 3)) (i64.const 0x300000003))
(assert_return (invoke "rsub" (i32.const 5)) (i32.const -5))
(assert_return (invoke "load-wrap" (i32.const 8)) (i32.const 42))
(assert_trap (invoke "load-offset-no-wrap" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "load-wrap-reg" (i32.const 0xFFFFFFFC) (i32.const 8)) (i32.const 42))
(assert_trap (invoke "load-wrap-reg" (i32.const 0x10000) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "store-const-reg" (i32.const 0) (i32.const 10)) (i32.const 77))
(assert_return (invoke "store-reg-offset" (i32.const 8) (i32.const 12)) (i32.const 99))

;; Test-and-branch, shift-and-mask and biased br_table fusions.
(module
  ;; br_if / if on `x & mask`, and on its eqz.
  (func (export "test-br-if") (param i32) (result i32)
    (block (result i32) (i32.const 1) (br_if 0 (i32.and (local.get 0) (i32.const 6))) (drop) (i32.const 0)))
  (func (export "test-eqz-br-if") (param i32) (result i32)
    (block (result i32) (i32.const 1) (br_if 0 (i32.eqz (i32.and (local.get 0) (i32.const 3)))) (drop) (i32.const 0)))
  (func (export "test-if") (param i32) (result i32)
    (if (result i32) (i32.and (local.get 0) (i32.const 0x80000000)) (then (i32.const 1)) (else (i32.const 0))))
  (func (export "test-eqz-if") (param i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (i32.const 16) (local.get 0))) (then (i32.const 1)) (else (i32.const 0))))
  ;; The and's result is kept in a local (tee): the branch must still see it, and so must
  ;; the code after it.
  (func (export "test-tee") (param i32) (result i32) (local i32)
    (block (br_if 0 (i32.eqz (local.tee 1 (i32.and (local.get 0) (i32.const 12))))))
    (local.get 1))
  ;; eqz of a local that was just written by an and: no fusion across the local.
  (func (export "test-local") (param i32) (result i32) (local i32)
    (local.set 1 (i32.and (local.get 0) (i32.const 1)))
    (if (result i32) (i32.eqz (local.get 1)) (then (i32.const 10)) (else (local.get 1))))
  ;; A loop whose exit is a test (a strlen-like word scan).
  (func (export "test-loop") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (local.set 0 (i32.shr_u (local.get 0) (i32.const 1)))
      (br_if $l (i32.eqz (i32.and (local.get 0) (i32.const 1)))))
    (local.get 1))
  (func (export "shift-mask32") (param i32) (result i32)
    (i32.and (i32.shr_u (local.get 0) (i32.const 40)) (i32.const 0xFF)))  ;; shift count mod 32
  (func (export "shift-mask64") (param i64) (result i64)
    (i64.and (i64.shr_u (local.get 0) (i64.const 60)) (i64.const 0xF0000000F)))
  (func (export "shift-mask64-wide") (param i64) (result i64)
    (i64.and (i64.shr_u (local.get 0) (i64.const 4)) (i64.const 0xFFFFFFFF00000000)))
  ;; Mask first (const on the left), signed shift: no fusion, same result.
  (func (export "shift-mask-signed") (param i32) (result i32)
    (i32.and (i32.const 0xFF) (i32.shr_s (local.get 0) (i32.const 8))))
  ;; The shift result is used twice (tee): the fused form must still write the local.
  (func (export "shift-mask-tee") (param i32) (result i32) (local i32)
    (i32.and (local.tee 1 (i32.shr_u (local.get 0) (i32.const 4))) (i32.const 15))
    (local.get 1) (i32.add))
  (func (export "biased-switch") (param i32) (result i32)
    (block (block (block (block
      (br_table 0 1 2 3 (i32.add (local.get 0) (i32.const -10))))
      (return (i32.const 100)))
      (return (i32.const 101)))
      (return (i32.const 102)))
    (i32.const 103))
  ;; A biased br_table carrying a value to its labels.
  (func (export "biased-switch-value") (param i32) (result i32)
    (block (result i32) (block (result i32)
      (i32.const 7) (br_table 0 1 (i32.add (local.get 0) (i32.const 1))))
      (i32.const 1000) (i32.add))))

(assert_return (invoke "test-br-if" (i32.const 4)) (i32.const 1))
(assert_return (invoke "test-br-if" (i32.const 9)) (i32.const 0))
(assert_return (invoke "test-eqz-br-if" (i32.const 8)) (i32.const 1))
(assert_return (invoke "test-eqz-br-if" (i32.const 9)) (i32.const 0))
(assert_return (invoke "test-if" (i32.const -1)) (i32.const 1))
(assert_return (invoke "test-if" (i32.const 0x7FFFFFFF)) (i32.const 0))
(assert_return (invoke "test-eqz-if" (i32.const 15)) (i32.const 1))
(assert_return (invoke "test-eqz-if" (i32.const 16)) (i32.const 0))
(assert_return (invoke "test-tee" (i32.const 7)) (i32.const 4))
(assert_return (invoke "test-tee" (i32.const 3)) (i32.const 0))
(assert_return (invoke "test-local" (i32.const 2)) (i32.const 10))
(assert_return (invoke "test-local" (i32.const 3)) (i32.const 1))
(assert_return (invoke "test-loop" (i32.const 0x10)) (i32.const 4))
(assert_return (invoke "test-loop" (i32.const 0x13)) (i32.const 1))
(assert_return (invoke "shift-mask32" (i32.const 0x12345678)) (i32.const 0x56))
(assert_return (invoke "shift-mask64" (i64.const -1)) (i64.const 0xF))
(assert_return (invoke "shift-mask64-wide" (i64.const -1)) (i64.const 0x0FFFFFFF00000000))
(assert_return (invoke "shift-mask-signed" (i32.const -256)) (i32.const 0xFF))
(assert_return (invoke "shift-mask-tee" (i32.const 0x1234)) (i32.const 0x126))
(assert_return (invoke "biased-switch" (i32.const 10)) (i32.const 100))
(assert_return (invoke "biased-switch" (i32.const 12)) (i32.const 102))
(assert_return (invoke "biased-switch" (i32.const 13)) (i32.const 103))
(assert_return (invoke "biased-switch" (i32.const 9)) (i32.const 103))
(assert_return (invoke "biased-switch" (i32.const -2147483648)) (i32.const 103))
(assert_return (invoke "biased-switch-value" (i32.const -1)) (i32.const 1007))
(assert_return (invoke "biased-switch-value" (i32.const 0)) (i32.const 7))
(assert_return (invoke "biased-switch-value" (i32.const 0xFFFFFFFF)) (i32.const 1007))

;; Load-and-branch: br_if/if on a just-loaded i32 (`while (*p)`).
(module
  (memory 1)
  (data (i32.const 0) "abc\00\ff\80\00\00")
  ;; strlen with the load tee'd into a local and tested by br_if.
  (func (export "strlen") (param i32) (result i32) (local i32 i32)
    (local.set 1 (local.get 0))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.tee 2 (i32.load8_u (local.get 1)))))
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get 1) (local.get 0)))
  ;; The same scan with the loaded value tested directly (br_if loops back while nonzero).
  (func (export "scan") (param i32) (result i32) (local i32)
    (local.set 1 (i32.sub (local.get 0) (i32.const 1)))
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.load8_u (local.get 1))))
    (local.get 1))
  ;; The tee'd value is used after the branch.
  (func (export "tee-after") (param i32) (result i32) (local i32)
    (block (br_if 0 (local.tee 1 (i32.load16_s (local.get 0)))) (local.set 1 (i32.const 77)))
    (local.get 1))
  (func (export "if-load") (param i32) (result i32)
    (if (result i32) (i32.load8_s (local.get 0)) (then (i32.const 1)) (else (i32.const 0))))
  ;; br_if with a value to carry, on a loaded condition.
  (func (export "br-if-value") (param i32) (result i32)
    (block (result i32) (i32.const 5) (br_if 0 (i32.load (local.get 0))) (drop) (i32.const 6))))

(assert_return (invoke "strlen" (i32.const 0)) (i32.const 3))
(assert_return (invoke "strlen" (i32.const 3)) (i32.const 0))
(assert_return (invoke "scan" (i32.const 1)) (i32.const 3))
(assert_return (invoke "scan" (i32.const 4)) (i32.const 6))
(assert_return (invoke "tee-after" (i32.const 4)) (i32.const 0xFFFF80FF))
(assert_return (invoke "tee-after" (i32.const 6)) (i32.const 77))
(assert_return (invoke "if-load" (i32.const 5)) (i32.const 1))
(assert_return (invoke "if-load" (i32.const 3)) (i32.const 0))
(assert_return (invoke "br-if-value" (i32.const 0)) (i32.const 5))
(assert_return (invoke "br-if-value" (i32.const 6)) (i32.const 6))
(assert_return (invoke "scan" (i32.const 65535)) (i32.const 65535))
(assert_trap (invoke "scan" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "if-load" (i32.const 65536)) "out of bounds memory access")

;; Multiply-add: x * y + c with the product on either side of the add.
(module
  (func (export "mul-add-right") (param i32 i32 i32) (result i32)
    (i32.add (local.get 2) (i32.mul (local.get 0) (local.get 1))))
  (func (export "mul-add-left") (param i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "mul-add-64") (param i64 i64 i64) (result i64)
    (i64.add (local.get 2) (i64.mul (local.get 0) (local.get 1))))
  ;; Both add operands are products; the product kept in a local (tee) is not fused away.
  (func (export "dot2") (param i32 i32 i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (local.get 1)) (i32.mul (local.get 2) (local.get 3))))
  (func (export "mul-tee-add") (param i32 i32) (result i32) (local i32)
    (i32.add (local.tee 2 (i32.mul (local.get 0) (local.get 1))) (local.get 0))
    (local.get 2) (i32.sub))
  ;; An accumulating loop: acc += i * i.
  (func (export "sum-squares") (param i32) (result i64) (local i64 i64)
    (block $done
      (loop $l
        (br_if $done (i64.ge_u (local.get 2) (i64.extend_i32_u (local.get 0))))
        (local.set 1 (i64.add (local.get 1) (i64.mul (local.get 2) (local.get 2))))
        (local.set 2 (i64.add (local.get 2) (i64.const 1)))
        (br $l)))
    (local.get 1)))

(assert_return (invoke "mul-add-right" (i32.const 6) (i32.const 7) (i32.const 100)) (i32.const 142))
(assert_return (invoke "mul-add-left" (i32.const 0x10000) (i32.const 0x10000) (i32.const 5)) (i32.const 5))
(assert_return (invoke "mul-add-64" (i64.const 0x100000000) (i64.const 0x100000001) (i64.const -1)) (i64.const 0xFFFFFFFF))
(assert_return (invoke "dot2" (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)) (i32.const 26))
(assert_return (invoke "mul-tee-add" (i32.const 3) (i32.const 4)) (i32.const 3))
(assert_return (invoke "sum-squares" (i32.const 4)) (i64.const 14))

;; Step-and-branch: a count-down (or up) step whose result a br_if/if tests right away.
(module
  (memory 1)
  (data (i32.const 0) "hello")
  ;; memcpy's byte loop: copy n bytes from 0 to 16, n-- until zero, then read back.
  (func (export "copy-bytes") (param $n i32) (result i64) (local $s i32) (local $d i32)
    (local.set $d (i32.const 16))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $l
        (i32.store8 (local.get $d) (i32.load8_u (local.get $s)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
    (i64.load (i32.const 16)))
  ;; Counting up to zero with add -1 written to a stack slot only.
  (func (export "count") (param i32) (result i32) (local i32)
    (block $done
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $done (i32.add (local.get 0) (i32.const -1)))
        (local.set 0 (i32.add (local.get 0) (i32.const -1)))
        (br $l)))
    (local.get 1))
  ;; if on a step (branch to else on zero), and the stepped local used after it.
  (func (export "if-step") (param i32) (result i32)
    (if (result i32) (local.tee 0 (i32.sub (local.get 0) (i32.const 5)))
      (then (local.get 0)) (else (i32.const -1))))
  ;; A step with a value carried by the br_if.
  (func (export "step-value") (param i32) (result i32)
    (block (result i32) (i32.const 9) (br_if 0 (i32.add (local.get 0) (i32.const 3))) (drop) (i32.const 4))))

(assert_return (invoke "copy-bytes" (i32.const 0)) (i64.const 0))
(assert_return (invoke "copy-bytes" (i32.const 3)) (i64.const 0x6c6568))
(assert_return (invoke "copy-bytes" (i32.const 5)) (i64.const 0x6f6c6c6568))
(assert_return (invoke "count" (i32.const 1)) (i32.const 2))
(assert_return (invoke "count" (i32.const 4)) (i32.const 1))
(assert_return (invoke "count" (i32.const 0)) (i32.const 1))
(assert_return (invoke "if-step" (i32.const 5)) (i32.const -1))
(assert_return (invoke "if-step" (i32.const 7)) (i32.const 2))
(assert_return (invoke "step-value" (i32.const -3)) (i32.const 4))
(assert_return (invoke "step-value" (i32.const 0)) (i32.const 9))

;; Not-fold: ~(x + c), ~(x - c), ~(c - x), ~(x ^ c) become one instruction with a new constant;
;; a not of a value that is also kept in a local keeps both instructions.
(module
  (func (export "not-add") (param i32) (result i32)
    (i32.xor (i32.add (local.get 0) (i32.const 5)) (i32.const -1)))
  (func (export "not-sub") (param i32) (result i32)
    (i32.xor (i32.sub (local.get 0) (i32.const 5)) (i32.const -1)))
  (func (export "not-rsub") (param i32) (result i32)
    (i32.xor (i32.sub (i32.const 90) (local.get 0)) (i32.const -1)))
  (func (export "not-xor") (param i32) (result i32)
    (i32.xor (i32.const -1) (i32.xor (local.get 0) (i32.const 0xF0))))
  (func (export "not-add-64") (param i64) (result i64)
    (i64.xor (i64.add (local.get 0) (i64.const 0x100000000)) (i64.const -1)))
  (func (export "not-rsub-64") (param i64) (result i64)
    (i64.xor (i64.sub (i64.const -0x100000000) (local.get 0)) (i64.const -1)))
  ;; xor with a 32-bit all-ones constant is not a 64-bit not.
  (func (export "xor-low-64") (param i64) (result i64)
    (i64.xor (i64.add (local.get 0) (i64.const 1)) (i64.const 0xFFFFFFFF)))
  (func (export "not-teed") (param i32) (result i32) (local i32)
    (i32.xor (local.tee 1 (i32.add (local.get 0) (i32.const 1))) (i32.const -1))
    (local.get 1) (i32.add)))

(assert_return (invoke "not-add" (i32.const 10)) (i32.const -16))
(assert_return (invoke "not-add" (i32.const -5)) (i32.const -1))
(assert_return (invoke "not-sub" (i32.const 10)) (i32.const -6))
(assert_return (invoke "not-sub" (i32.const 0)) (i32.const 4))
(assert_return (invoke "not-rsub" (i32.const 10)) (i32.const -81))
(assert_return (invoke "not-rsub" (i32.const 0x80000000)) (i32.const 0x7FFFFFA5))
(assert_return (invoke "not-xor" (i32.const 0x0F)) (i32.const 0xFFFFFF00))
(assert_return (invoke "not-add-64" (i64.const 7)) (i64.const -0x100000008))
(assert_return (invoke "not-rsub-64" (i64.const 7)) (i64.const 0x100000006))
(assert_return (invoke "xor-low-64" (i64.const 0x1FFFFFFFF)) (i64.const 0x2FFFFFFFF))
(assert_return (invoke "not-teed" (i32.const 5)) (i32.const -1))

;; Loop idioms: byte copy/fill loops run as one memmove/memset when that is exact, and as
;; written otherwise (overlap in the direction where a byte copy replicates, out-of-bounds
;; partial writes, n = 0 meaning 2^32 iterations). The locals end as the loop leaves them.
(module
  (memory 1)
  (data (i32.const 0) "abcdefgh")
  (func $copy (export "copy") (param $d i32) (param $s i32) (param $n i32) (result i32 i32 i32 i32)
    (local $t i32)
    (loop $l
      (i32.store8 (local.get $d) (local.tee $t (i32.load8_u (local.get $s))))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $d) (local.get $s) (local.get $n) (local.get $t))
  ;; The same with offsets on the accesses and the pointer steps in the other order.
  (func (export "copy-offsets") (param $d i32) (param $s i32) (param $n i32) (result i32)
    (loop $l
      (i32.store8 offset=2 (local.get $d) (i32.load8_u offset=1 (local.get $s)))
      (local.set $s (i32.add (local.get $s) (i32.const 1)))
      (local.set $d (i32.sub (local.get $d) (i32.const -1)))
      (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1)))))
    (local.get $d))
  ;; memmove's backward loop: both pointers start one past the end.
  (func $copy-back (export "copy-back") (param $d i32) (param $s i32) (param $n i32) (result i32 i32 i32 i32)
    (local $t i32)
    (loop $l
      (local.set $d (i32.sub (local.get $d) (i32.const 1)))
      (local.set $s (i32.sub (local.get $s) (i32.const 1)))
      (i32.store8 (local.get $d) (local.tee $t (i32.load8_u (local.get $s))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $d) (local.get $s) (local.get $n) (local.get $t))
  (func $fill (export "fill") (param $d i32) (param $v i32) (param $n i32) (result i32 i32)
    (loop $l
      (i32.store8 (local.get $d) (local.get $v))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $d) (local.get $n))
  ;; Not idioms: the stored value is the counter, or the step is 2.
  (func (export "fill-counter") (param $d i32) (param $n i32)
    (loop $l
      (i32.store8 (local.get $d) (local.get $n))
      (local.set $d (i32.add (local.get $d) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "fill-stride") (param $d i32) (param $v i32) (param $n i32)
    (loop $l
      (i32.store8 (local.get $d) (local.get $v))
      (local.set $d (i32.add (local.get $d) (i32.const 2)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; (wast2json writes no commas between the results of a trapping multi-value call.)
  (func (export "copy-trap") (param i32 i32 i32)
    (call $copy (local.get 0) (local.get 1) (local.get 2)) (drop) (drop) (drop) (drop))
  (func (export "copy-back-trap") (param i32 i32 i32)
    (call $copy-back (local.get 0) (local.get 1) (local.get 2)) (drop) (drop) (drop) (drop))
  (func (export "fill-trap") (param i32 i32 i32)
    (call $fill (local.get 0) (local.get 1) (local.get 2)) (drop) (drop))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))

(assert_return (invoke "copy" (i32.const 16) (i32.const 0) (i32.const 5))
  (i32.const 21) (i32.const 5) (i32.const 0) (i32.const 0x65))
(assert_return (invoke "load64" (i32.const 16)) (i64.const 0x6564636261))
;; Destination one byte into the source: a byte copy replicates the first byte.
(assert_return (invoke "copy" (i32.const 1) (i32.const 0) (i32.const 5))
  (i32.const 6) (i32.const 5) (i32.const 0) (i32.const 0x61))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x6867616161616161))
(assert_return (invoke "copy" (i32.const 0) (i32.const 16) (i32.const 8))
  (i32.const 8) (i32.const 24) (i32.const 0) (i32.const 0))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x6564636261))
;; Source one byte into the destination: the same as memmove.
(assert_return (invoke "copy" (i32.const 0) (i32.const 1) (i32.const 4))
  (i32.const 4) (i32.const 5) (i32.const 0) (i32.const 0x65))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x6565646362))
(assert_return (invoke "copy-offsets" (i32.const 30) (i32.const 0) (i32.const 3)) (i32.const 33))
(assert_return (invoke "load64" (i32.const 32)) (i64.const 0x656463))
;; Out of bounds: the bytes before the failing access are written.
(assert_trap (invoke "copy-trap" (i32.const 65533) (i32.const 0) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65533)) (i32.const 0x62))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x64))
(assert_trap (invoke "copy-trap" (i32.const 100) (i32.const 65534) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 101)) (i32.const 0x64))
;; n = 0 runs 2^32 times: it copies up to the end of memory, then traps.
(assert_trap (invoke "copy-trap" (i32.const 65528) (i32.const 0) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0x6565646362))

(assert_return (invoke "copy-back" (i32.const 3) (i32.const 2) (i32.const 2))
  (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0x62))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x6565636262))
;; Destination below an overlapping source: a backward byte copy replicates the top byte.
(assert_return (invoke "copy-back" (i32.const 4) (i32.const 5) (i32.const 4))
  (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 0x65))
(assert_return (invoke "load64" (i32.const 0)) (i64.const 0x6565656565))
;; Pointers below zero wrap to the top of the address space, out of bounds.
(assert_trap (invoke "copy-back-trap" (i32.const 40) (i32.const 2) (i32.const 4)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 32)) (i64.const 0x6565000000656463))

(assert_return (invoke "fill" (i32.const 200) (i32.const 0x17A) (i32.const 3)) (i32.const 203) (i32.const 0))
(assert_return (invoke "load64" (i32.const 200)) (i64.const 0x7A7A7A))
(assert_trap (invoke "fill-trap" (i32.const 65534) (i32.const 0x55) (i32.const 3)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x55))
(assert_trap (invoke "fill-trap" (i32.const 65000) (i32.const 0x33) (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0x33))
(assert_return (invoke "load8" (i32.const 64999)) (i32.const 0))
(assert_return (invoke "fill-counter" (i32.const 300) (i32.const 3)))
(assert_return (invoke "load64" (i32.const 300)) (i64.const 0x010203))
(assert_return (invoke "fill-stride" (i32.const 400) (i32.const 9) (i32.const 3)))
(assert_return (invoke "load64" (i32.const 400)) (i64.const 0x0900090009))

;; Accumulator pairs: a temporary computed by one instruction and read only by the next goes
;; through acc, as the left or right operand of non-commutative ops, in chains, in both widths.
(module
  (func (export "acc-left") (param i32 i32) (result i32)
    (i32.sub (i32.mul (local.get 0) (local.get 1)) (local.get 0)))
  (func (export "acc-right") (param i32 i32) (result i32)
    (i32.sub (local.get 0) (i32.mul (local.get 0) (local.get 1))))
  (func (export "acc-shift-right") (param i32 i32) (result i32)
    (i32.shl (local.get 0) (i32.add (local.get 1) (i32.const 1))))
  (func (export "acc-chain") (param i32) (result i32)
    (i32.lt_u (i32.xor (i32.shr_u (i32.add (local.get 0) (i32.const 7)) (i32.const 1)) (i32.const 5))
              (local.get 0)))
  (func (export "acc-chain-right") (param i32 i32) (result i32)
    (i32.sub (local.get 1) (i32.sub (local.get 0) (i32.sub (local.get 1) (i32.rotl (local.get 0) (local.get 1))))))
  (func (export "acc-64") (param i64 i64) (result i64)
    (i64.rotr (i64.sub (i64.const 0) (i64.mul (local.get 0) (local.get 1))) (i64.shr_s (local.get 1) (i64.const 60))))
  (func (export "acc-cmp-64") (param i64 i64) (result i32)
    (i64.ge_s (local.get 0) (i64.and (local.get 1) (i64.const 0xFF00))))
  ;; The same temporary as both operands (x * x): not an accumulator pair.
  (func (export "acc-square") (param i32) (result i32)
    (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    (i32.mul (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (local.get 0)))
  ;; A temporary read across a block boundary stays in its slot.
  (func (export "acc-block") (param i32) (result i32)
    (i32.add (block (result i32) (i32.mul (local.get 0) (i32.const 3))) (i32.const 1)))
  ;; A loop head between producer and consumer.
  (func (export "acc-loop") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 2))
    (loop (param i32) (result i32)
      (i32.mul (i32.const 2))
      (local.tee 0)
      (br_if 0 (i32.lt_u (local.get 0) (i32.const 100))))))

(assert_return (invoke "acc-left" (i32.const 6) (i32.const 7)) (i32.const 36))
(assert_return (invoke "acc-right" (i32.const 6) (i32.const 7)) (i32.const -36))
(assert_return (invoke "acc-shift-right" (i32.const 3) (i32.const 4)) (i32.const 96))
(assert_return (invoke "acc-chain" (i32.const 10)) (i32.const 0))
(assert_return (invoke "acc-chain" (i32.const 100)) (i32.const 1))
(assert_return (invoke "acc-chain-right" (i32.const 3) (i32.const 2)) (i32.const -11))
(assert_return (invoke "acc-64" (i64.const 3) (i64.const 5)) (i64.const -15))
(assert_return (invoke "acc-64" (i64.const 1) (i64.const -1)) (i64.const 2))
(assert_return (invoke "acc-cmp-64" (i64.const 0x2000) (i64.const 0x1234)) (i32.const 1))
(assert_return (invoke "acc-cmp-64" (i64.const 0x1000) (i64.const 0x12345)) (i32.const 0))
(assert_return (invoke "acc-square" (i32.const 1)) (i32.const 9))
(assert_return (invoke "acc-block" (i32.const 5)) (i32.const 16))
(assert_return (invoke "acc-loop" (i32.const 1)) (i32.const 192))

;; Loads that write acc and stores that take their value from acc, in all addressing forms;
;; a computed address is not the stored value.
(module
  (memory 1)
  (func (export "load-acc") (param i32 i32) (result i32)
    (i32.sub (local.get 1) (i32.load (local.get 0))))
  (func (export "load-addr-acc") (param i32 i32) (result i64)
    (i64.mul (i64.load16_s offset=2 (i32.add (local.get 0) (i32.const 4))) (i64.extend_i32_u (local.get 1))))
  (func (export "load-addr2-acc") (param i32 i32) (result i32)
    (i32.xor (i32.load8_u (i32.add (local.get 0) (local.get 1))) (i32.const 0xFF)))
  (func (export "store-acc") (param i32 i32 i32)
    (i32.store (local.get 0) (i32.add (local.get 1) (local.get 2))))
  (func (export "store-addr-acc") (param i32 i32 i32)
    (i64.store8 offset=1 (i32.add (local.get 0) (i32.const 8)) (i64.extend_i32_u (i32.shl (local.get 1) (local.get 2)))))
  (func (export "store-addr2-acc") (param i32 i32 i32)
    (i32.store16 (i32.add (local.get 0) (local.get 2)) (i32.sub (local.get 1) (i32.const 1))))
  (func (export "store-computed-addr") (param i32 i32)
    (i32.store (i32.mul (local.get 0) (i32.const 4)) (local.get 1)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0))))

(assert_return (invoke "store-acc" (i32.const 16) (i32.const 40) (i32.const 2)))
(assert_return (invoke "load32" (i32.const 16)) (i32.const 42))
(assert_return (invoke "load-acc" (i32.const 16) (i32.const 50)) (i32.const 8))
(assert_return (invoke "store-addr-acc" (i32.const 0) (i32.const 0x3F) (i32.const 2)))
(assert_return (invoke "load32" (i32.const 8)) (i32.const 0xFC00))
(assert_return (invoke "load-addr-acc" (i32.const 4) (i32.const 3)) (i64.const 0))
(assert_return (invoke "store-addr2-acc" (i32.const 30) (i32.const 0x10000) (i32.const 2)))
(assert_return (invoke "load32" (i32.const 32)) (i32.const 0xFFFF))
(assert_return (invoke "load-addr2-acc" (i32.const 30) (i32.const 3)) (i32.const 0))
(assert_return (invoke "load-addr-acc" (i32.const 26) (i32.const 3)) (i64.const -3))
(assert_return (invoke "store-computed-addr" (i32.const 10) (i32.const 7)))
(assert_return (invoke "load32" (i32.const 40)) (i32.const 7))
(assert_trap (invoke "load-acc" (i32.const 65533) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "store-acc" (i32.const 65533) (i32.const 1) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "load32" (i32.const 65532)) (i32.const 0))

;; Call arguments that are locals or constants are moved by the call instruction itself:
;; every kind of value, mixed with computed arguments, and v128 locals (two slots).
(module
  (func $mix (param i32 i64 f32 f64 i32) (result f64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
             (f64.add (f64.add (f64.promote_f32 (local.get 2)) (local.get 3)) (f64.convert_i32_u (local.get 4)))))
  (func (export "call-consts") (result f64)
    (call $mix (i32.const -1) (i64.const 0x100000000) (f32.const 0.5) (f64.const 0.25) (i32.const 7)))
  (func (export "call-locals") (param i32 i64 f32 f64) (result f64)
    (call $mix (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 0)))
  (func (export "call-mixed") (param i32 f64) (result f64) (local i64)
    (local.set 2 (i64.const -5))
    (call $mix (i32.add (local.get 0) (i32.const 1)) (local.get 2) (f32.const 1.5) (local.get 1)
               (i32.mul (local.get 0) (i32.const 2))))
  (func $lanes (param v128 i32 v128) (result i32)
    (i32.add (i32x4.extract_lane 3 (local.get 0))
             (i32.add (local.get 1) (i32x4.extract_lane 0 (local.get 2)))))
  (func (export "call-v128") (param i32) (result i32) (local v128)
    (local.set 1 (v128.const i32x4 1 2 3 40))
    (call $lanes (local.get 1) (local.get 0) (local.get 1)))
  ;; A local changed after it was pushed as an argument: the call sees the old value.
  (func (export "call-after-set") (param i32) (result f64)
    (local.get 0)
    (local.set 0 (i32.const 100))
    (i64.const 0) (f32.const 0) (f64.const 0) (local.get 0)
    (call $mix)))

(assert_return (invoke "call-consts") (f64.const 4294967302.75))
(assert_return (invoke "call-locals" (i32.const 3) (i64.const -10) (f32.const 2.5) (f64.const 0.5)) (f64.const -1))
(assert_return (invoke "call-mixed" (i32.const 4) (f64.const 0.5)) (f64.const 10))
(assert_return (invoke "call-v128" (i32.const 2)) (i32.const 43))
(assert_return (invoke "call-after-set" (i32.const 1)) (f64.const 101))

;; Multiply-add taking its addend from acc: a product, shift or mask computed right before.
(module
  (func (export "mul-mul-add") (param i64 i64 i64 i64) (result i64)
    (i64.add (i64.mul (local.get 0) (local.get 1)) (i64.mul (local.get 2) (local.get 3))))
  (func (export "shift-mul-add") (param i32 i32 i32) (result i32)
    (i32.add (i32.shr_u (local.get 0) (i32.const 4)) (i32.mul (local.get 1) (local.get 2))))
  ;; The addend is the multiplier too: not taken from acc.
  (func (export "mul-add-self") (param i32 i32) (result i32) (local i32)
    (i32.add (local.tee 2 (i32.shl (local.get 0) (i32.const 1))) (i32.mul (local.get 2) (local.get 1)))))

(assert_return (invoke "mul-mul-add" (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6)) (i64.const 42))
(assert_return (invoke "mul-mul-add" (i64.const -1) (i64.const 0x100000000) (i64.const 2) (i64.const 0x80000000)) (i64.const 0))
(assert_return (invoke "shift-mul-add" (i32.const 0x100) (i32.const 3) (i32.const -1)) (i32.const 13))
(assert_return (invoke "mul-add-self" (i32.const 5) (i32.const 3)) (i32.const 40))

;; The zero-byte test `((w - 0x01010101) & ~w) & 0x80808080` as one branch, in both operand
;; orders and both polarities (br_if on its eqz, if on it); a test whose ~w is kept in a local
;; stays as written.
(module
  (memory 1)
  (data (i32.const 0) "abcdefghijk\00mnop")
  ;; musl's strlen word loop: the index of the first zero byte (memory is zeroed past the data).
  (func (export "strlen") (param $p i32) (result i32) (local $w i32) (local $s i32)
    (local.set $s (local.get $p))
    (block $found
      (loop $words
        (local.set $w (i32.load (local.get $p)))
        (br_if $found (i32.and (i32.and (i32.add (local.get $w) (i32.const -0x01010101))
                                        (i32.xor (local.get $w) (i32.const -1)))
                               (i32.const 0x80808080)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $words)))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (i32.sub (local.get $p) (local.get $s)))
  (func (export "no-zero-byte") (param $w i32) (result i32)
    (block $yes
      (br_if $yes (i32.eqz (i32.and (i32.and (i32.xor (local.get $w) (i32.const -1))
                                             (i32.add (local.get $w) (i32.const -0x01010101)))
                                    (i32.const 0x80808080))))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "if-zero-byte") (param $w i32) (result i32)
    (if (result i32) (i32.and (i32.and (i32.xor (local.get $w) (i32.const -1))
                                       (i32.add (local.get $w) (i32.const -0x01010101)))
                              (i32.const 0x80808080))
      (then (i32.const 7)) (else (i32.const 9))))
  (func (export "zero-byte-teed") (param $w i32) (result i32) (local $n i32)
    (if (result i32) (i32.and (i32.and (local.tee $n (i32.xor (local.get $w) (i32.const -1)))
                                       (i32.add (local.get $w) (i32.const -0x01010101)))
                              (i32.const 0x80808080))
      (then (local.get $n)) (else (i32.const 9)))))

(assert_return (invoke "strlen" (i32.const 0)) (i32.const 11))
(assert_return (invoke "strlen" (i32.const 1)) (i32.const 10))
(assert_return (invoke "strlen" (i32.const 12)) (i32.const 4))
(assert_return (invoke "no-zero-byte" (i32.const 0x01010101)) (i32.const 1))
(assert_return (invoke "no-zero-byte" (i32.const 0x80808080)) (i32.const 1))
(assert_return (invoke "no-zero-byte" (i32.const 0xFF00FFFF)) (i32.const 0))
(assert_return (invoke "no-zero-byte" (i32.const 0x01000000)) (i32.const 0))
(assert_return (invoke "no-zero-byte" (i32.const 0x7F7F7F7F)) (i32.const 1))
(assert_return (invoke "no-zero-byte" (i32.const 0x00010101)) (i32.const 0))
(assert_return (invoke "no-zero-byte" (i32.const 0x01010100)) (i32.const 0))
(assert_return (invoke "if-zero-byte" (i32.const 0x12003456)) (i32.const 7))
(assert_return (invoke "if-zero-byte" (i32.const 0x12343456)) (i32.const 9))
(assert_return (invoke "if-zero-byte" (i32.const 0x100)) (i32.const 7))
(assert_return (invoke "zero-byte-teed" (i32.const 0x12003456)) (i32.const 0xEDFFCBA9))
(assert_return (invoke "zero-byte-teed" (i32.const 0x12343456)) (i32.const 9))

;; br_table on a sign-extended byte (with and without a bias), and `local = K; br` as one
;; instruction, also with a constant as the branch value.
(module
  (func (export "switch-char") (param i32) (result i32)
    (block $default
      (block $c12
        (block $c11
          (block $c10
            (br_table $c10 $c11 $c12 $default
              (i32.add (i32.extend8_s (local.get 0)) (i32.const -10))))
          (return (i32.const 100)))
        (return (i32.const 101)))
      (return (i32.const 102)))
    (i32.const -1))
  (func (export "switch-s8") (param i32) (result i32)
    (block $default
      (block $one
        (block $zero
          (br_table $zero $one $default (i32.extend8_s (local.get 0))))
        (return (i32.const 0)))
      (return (i32.const 1)))
    (i32.const 2))
  ;; Counts characters of the data by a two-state machine: state = K; continue.
  (func (export "states") (param i32) (result i32) (local $state i32) (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (if (local.get $state)
          (then (local.set $state (i32.const 0)) (br $next)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $state (i32.const 1))
        (br $next)))
    (i32.add (i32.mul (local.get $n) (i32.const 10)) (local.get $state)))
  (func (export "br-const-value") (param i32) (result i32)
    (i32.add (block (result i32)
               (if (local.get 0) (then (br 1 (i32.const 7))))
               (i32.const 9))
             (i32.const 1)))
  (func (export "br-if-const-value") (param i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (i32.const -3) (local.get 0)))
      (i32.const 4))))

(assert_return (invoke "switch-char" (i32.const 10)) (i32.const 100))
(assert_return (invoke "switch-char" (i32.const 0x10B)) (i32.const 101))
(assert_return (invoke "switch-char" (i32.const 12)) (i32.const 102))
(assert_return (invoke "switch-char" (i32.const 0x8A)) (i32.const -1))
(assert_return (invoke "switch-char" (i32.const 9)) (i32.const -1))
(assert_return (invoke "switch-s8" (i32.const 0x100)) (i32.const 0))
(assert_return (invoke "switch-s8" (i32.const 0xFFFFFF01)) (i32.const 1))
(assert_return (invoke "switch-s8" (i32.const 0xFF)) (i32.const 2))
(assert_return (invoke "switch-s8" (i32.const 0x80)) (i32.const 2))
(assert_return (invoke "states" (i32.const 5)) (i32.const 31))
(assert_return (invoke "states" (i32.const 4)) (i32.const 20))
(assert_return (invoke "br-const-value" (i32.const 1)) (i32.const 8))
(assert_return (invoke "br-const-value" (i32.const 0)) (i32.const 10))
(assert_return (invoke "br-if-const-value" (i32.const 1)) (i32.const -3))
(assert_return (invoke "br-if-const-value" (i32.const 0)) (i32.const 4))

;; A compare whose result is dropped must not fuse with a branch on a constant (or local)
;; pushed into the same stack slot afterwards (found by the differential fuzzer).
(module
  (func (export "if-after-dropped-compare") (param i32) (result i32)
    (drop (i32.lt_s (local.get 0) (i32.const 5)))
    (if (result i32) (i32.const 1) (then (i32.const 10)) (else (i32.const 20))))
  (func (export "br-if-after-dropped-compare") (param i32 i32) (result i32)
    (block (result i32)
      (drop (i32.eq (local.get 0) (i32.const 0)))
      (br_if 0 (i32.const 30) (local.get 1))
      (drop)
      (i32.const 40))))

(assert_return (invoke "if-after-dropped-compare" (i32.const 9)) (i32.const 10))
(assert_return (invoke "if-after-dropped-compare" (i32.const 0)) (i32.const 10))
(assert_return (invoke "br-if-after-dropped-compare" (i32.const 5) (i32.const 1)) (i32.const 30))
(assert_return (invoke "br-if-after-dropped-compare" (i32.const 0) (i32.const 0)) (i32.const 40))

;; Zero scans: strlen's word and byte loops as clang builds them (the test at the bottom) run
;; natively while their loads are in bounds. The locals end as the loop leaves them, addresses
;; wrap at 2^32 like the adds they come from, and a load out of bounds still traps.
(module
  (memory 1)
  (data (i32.const 0) "abcdefghijk\00mnop")
  (data (i32.const 65520) "yyyyyyyyyyyyyyyy")
  ;; musl's word loop: w = p + 5 (the first word is read at p + 5); p += 4; w = *w.
  (func $words (export "scan-words") (param $p i32) (result i32 i32) (local $w i32)
    (loop $l
      (local.set $w (i32.add (local.get $p) (i32.const 5)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.eqz (i32.and (i32.and (i32.xor (local.tee $w (i32.load (local.get $w))) (i32.const -1))
                                           (i32.add (local.get $w) (i32.const -0x01010101)))
                                  (i32.const 0x80808080)))))
    (local.get $p) (local.get $w))
  ;; The address through a temporary taken after the step, and a load offset.
  (func (export "scan-words-temp") (param $p i32) (result i32 i32 i32) (local $w i32) (local $t i32)
    (loop $l
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $t (i32.add (local.get $p) (i32.const -3)))
      (br_if $l (i32.eqz (i32.and (i32.and (i32.xor (local.tee $w (i32.load offset=2 (local.get $t))) (i32.const -1))
                                           (i32.add (local.get $w) (i32.const -0x01010101)))
                                  (i32.const 0x80808080)))))
    (local.get $p) (local.get $w) (local.get $t))
  ;; musl's byte loop: p += 1 while the byte at p is nonzero.
  (func $bytes (export "scan-bytes") (param $p i32) (result i32 i32) (local $v i32)
    (loop $l
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $l (local.tee $v (i32.load8_u offset=1 (local.get $p)))))
    (local.get $p) (local.get $v))
  ;; Not a scan: the pointer steps by 2.
  (func (export "scan-bytes-stride") (param $p i32) (result i32)
    (loop $l
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br_if $l (i32.load8_u (local.get $p))))
    (local.get $p))
  (func (export "scan-words-trap") (param i32) (call $words (local.get 0)) (drop) (drop))
  (func (export "scan-bytes-trap") (param i32) (call $bytes (local.get 0)) (drop) (drop)))

(assert_return (invoke "scan-words" (i32.const 0)) (i32.const 8) (i32.const 0x6D006B6A))
(assert_return (invoke "scan-words" (i32.const -5)) (i32.const 7) (i32.const 0x006B6A69))
(assert_return (invoke "scan-words" (i32.const 12)) (i32.const 16) (i32.const 0))
(assert_trap (invoke "scan-words-trap" (i32.const 65515)) "out of bounds memory access")
(assert_return (invoke "scan-words-temp" (i32.const 0)) (i32.const 12) (i32.const 0x6F6E6D00) (i32.const 9))
(assert_return (invoke "scan-bytes" (i32.const 0)) (i32.const 10) (i32.const 0))
(assert_return (invoke "scan-bytes" (i32.const -1)) (i32.const 10) (i32.const 0))
;; The pointer wraps, the load offset does not: 0xFFFFFFFF + 1 is out of bounds.
(assert_trap (invoke "scan-bytes-trap" (i32.const -2)) "out of bounds memory access")
(assert_return (invoke "scan-bytes" (i32.const 10)) (i32.const 15) (i32.const 0))
(assert_trap (invoke "scan-bytes-trap" (i32.const 65519)) "out of bounds memory access")
(assert_return (invoke "scan-bytes-stride" (i32.const 0)) (i32.const 16))

;; A masked compare with a branch, `(x & mask) == k` / `!= k`, in both polarities (br_if on
;; it, if on it), and a branch on the eqz of a load or step that just computed its operand.
(module
  (memory 1)
  (data (i32.const 0) "ab\00d")
  (func (export "masked-eq") (param i32) (result i32)
    (block $yes
      (br_if $yes (i32.eq (i32.and (local.get 0) (i32.const 0xFF)) (i32.const 34)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "masked-ne") (param i32) (result i32)
    (block $yes
      (br_if $yes (i32.ne (i32.and (local.get 0) (i32.const 0xF0)) (i32.const 0x30)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "if-masked-eq") (param i32) (result i32)
    (if (result i32) (i32.eq (i32.and (local.get 0) (i32.const 0xFF)) (i32.const 34))
      (then (i32.const 7)) (else (i32.const 9))))
  (func (export "if-masked-ne") (param i32) (result i32)
    (if (result i32) (i32.ne (i32.const 0x22) (i32.and (local.get 0) (i32.const 0xFF)))
      (then (i32.const 7)) (else (i32.const 9))))
  ;; The masked value is also kept: the and stays.
  (func (export "masked-teed") (param i32) (result i32) (local i32)
    (block $yes
      (br_if $yes (i32.eq (local.tee 1 (i32.and (local.get 0) (i32.const 0xFF))) (i32.const 34)))
      (return (i32.const 0)))
    (i32.add (local.get 1) (i32.const 100)))
  (func (export "if-not-byte") (param i32) (result i32)
    (if (result i32) (i32.eqz (i32.load8_u (local.get 0)))
      (then (i32.const 7)) (else (i32.const 9))))
  (func (export "br-if-not-byte") (param i32) (result i32) (local i32)
    (block $zero
      (br_if $zero (i32.eqz (local.tee 1 (i32.load8_u (local.get 0)))))
      (return (local.get 1)))
    (i32.const -1))
  (func (export "count-down") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.eqz (i32.eqz (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))
    (local.get 1)))

(assert_return (invoke "masked-eq" (i32.const 0x122)) (i32.const 1))
(assert_return (invoke "masked-eq" (i32.const 0x23)) (i32.const 0))
(assert_return (invoke "masked-ne" (i32.const 0x35)) (i32.const 0))
(assert_return (invoke "masked-ne" (i32.const 0x45)) (i32.const 1))
(assert_return (invoke "if-masked-eq" (i32.const 0xFFFFFF22)) (i32.const 7))
(assert_return (invoke "if-masked-eq" (i32.const 0x2200)) (i32.const 9))
(assert_return (invoke "if-masked-ne" (i32.const 0x122)) (i32.const 9))
(assert_return (invoke "if-masked-ne" (i32.const 0x21)) (i32.const 7))
(assert_return (invoke "masked-teed" (i32.const 0x322)) (i32.const 134))
(assert_return (invoke "masked-teed" (i32.const 0x321)) (i32.const 0))
(assert_return (invoke "if-not-byte" (i32.const 2)) (i32.const 7))
(assert_return (invoke "if-not-byte" (i32.const 1)) (i32.const 9))
(assert_return (invoke "br-if-not-byte" (i32.const 3)) (i32.const 100))
(assert_return (invoke "br-if-not-byte" (i32.const 2)) (i32.const -1))
(assert_return (invoke "count-down" (i32.const 5)) (i32.const 5))
(assert_return (invoke "count-down" (i32.const 1)) (i32.const 1))

;; `switch (state) { case K: state = K; ... }`: after a br_table on a local, a case's label
;; reached by that case alone knows the local's value, so storing the same constant again is
;; dropped; a label also reached otherwise (another case, the default, a br) keeps the store.
(module
  (func (export "table-case") (param $s i32) (param $x i32) (result i32)
    (block $out
      (block $c2
        (block $c1
          (block $c0
            (br_table $c0 $c1 $c2 $out (local.get $s)))
          (local.set $s (i32.const 0))
          (return (i32.add (local.get $s) (i32.const 10))))
        (local.set $s (i32.const 1))  ;; dropped: $s is 1 here
        (return (i32.add (local.get $s) (i32.const 20))))
      (local.set $s (i32.const 2))  ;; dropped
      (return (i32.add (local.get $s) (i32.const 30))))
    (local.set $s (i32.const 3))  ;; kept: the default case
    (i32.add (local.get $s) (local.get $x)))
  (func (export "table-case-shared") (param $s i32) (result i32)
    (block $out
      (block $c
        (br_if $c (i32.eq (local.get $s) (i32.const 7)))
        (br_table $c $out (local.get $s)))
      (local.set $s (i32.const 0))  ;; kept: the br_if reaches it with $s = 7
      (return (local.get $s)))
    (local.get $s))
  (func (export "table-case-bias") (param $s i32) (result i32)
    (block $c1
      (block $c0
        (br_table $c0 $c1 $c1 (i32.add (local.get $s) (i32.const -5))))
      (local.set $s (i32.const 5))  ;; dropped: $s - 5 == 0
      (return (i32.mul (local.get $s) (i32.const 3))))
    (local.set $s (i32.const 6))
    (local.get $s))
  (func (export "table-case-byte") (param $s i32) (result i32)
    (block $c1
      (block $c0
        (br_table $c0 $c1 (i32.extend8_s (local.get $s))))
      (local.set $s (i32.const 0))  ;; kept: only the low byte was 0
      (return (local.get $s)))
    (local.get $s)))

(assert_return (invoke "table-case" (i32.const 0) (i32.const 0)) (i32.const 10))
(assert_return (invoke "table-case" (i32.const 1) (i32.const 0)) (i32.const 21))
(assert_return (invoke "table-case" (i32.const 2) (i32.const 0)) (i32.const 32))
(assert_return (invoke "table-case" (i32.const 9) (i32.const 4)) (i32.const 7))
(assert_return (invoke "table-case-shared" (i32.const 0)) (i32.const 0))
(assert_return (invoke "table-case-shared" (i32.const 7)) (i32.const 0))
(assert_return (invoke "table-case-shared" (i32.const 3)) (i32.const 3))
(assert_return (invoke "table-case-bias" (i32.const 5)) (i32.const 15))
(assert_return (invoke "table-case-bias" (i32.const 6)) (i32.const 6))
(assert_return (invoke "table-case-bias" (i32.const 4)) (i32.const 6))
(assert_return (invoke "table-case-byte" (i32.const 0x100)) (i32.const 0))
(assert_return (invoke "table-case-byte" (i32.const 1)) (i32.const 1))

;; Range checks `(x + c) <u k` with a branch (the four unsigned spellings, both polarities,
;; sums that wrap), and stores of a constant as an immediate (every integer width, i64
;; constants sign-extended or too wide for the immediate, out of bounds).
(module
  (memory 1)
  (func (export "not-space") (param i32) (result i32)  ;; outside 9..13: (c - 14) <u -5
    (block $yes
      (br_if $yes (i32.lt_u (i32.add (local.get 0) (i32.const -14)) (i32.const -5)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "is-digit") (param i32) (result i32)  ;; '0'..'9': (c - 48) <=u 9
    (if (result i32) (i32.le_u (i32.add (local.get 0) (i32.const -48)) (i32.const 9))
      (then (i32.const 1)) (else (i32.const 0))))
  (func (export "not-lower") (param i32) (result i32)  ;; (c - 97) >u 25
    (block $no
      (br_if $no (i32.gt_u (i32.add (local.get 0) (i32.const -97)) (i32.const 25)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "not-upper") (param i32) (result i32)  ;; (c - 65) >=u 26
    (if (result i32) (i32.ge_u (i32.add (local.get 0) (i32.const -65)) (i32.const 26))
      (then (i32.const 1)) (else (i32.const 0))))
  ;; <=u 0xFFFFFFFF is always true: not turned into < 0.
  (func (export "always") (param i32) (result i32)
    (if (result i32) (i32.le_u (i32.add (local.get 0) (i32.const 5)) (i32.const -1))
      (then (i32.const 1)) (else (i32.const 0))))
  (func (export "store-consts") (param $p i32)
    (i32.store (local.get $p) (i32.const 0x11223344))
    (i32.store8 offset=4 (local.get $p) (i32.const 0x1FF))
    (i32.store16 offset=5 (local.get $p) (i32.const -2))
    (i64.store offset=8 (local.get $p) (i64.const -3))
    (i64.store offset=16 (local.get $p) (i64.const 0x123456789A))
    (i64.store8 offset=24 (local.get $p) (i64.const 0x1234567890AB))
    (i64.store16 offset=25 (local.get $p) (i64.const -0x8000))
    (i64.store32 offset=27 (local.get $p) (i64.const 0x7FFFFFFF)))
  (func (export "store-const-trap") (param i32) (i64.store (local.get 0) (i64.const -1)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0))))

(assert_return (invoke "not-space" (i32.const 9)) (i32.const 0))
(assert_return (invoke "not-space" (i32.const 13)) (i32.const 0))
(assert_return (invoke "not-space" (i32.const 14)) (i32.const 1))
(assert_return (invoke "not-space" (i32.const 8)) (i32.const 1))
(assert_return (invoke "not-space" (i32.const 0xFFFFFFFF)) (i32.const 1))
(assert_return (invoke "is-digit" (i32.const 48)) (i32.const 1))
(assert_return (invoke "is-digit" (i32.const 57)) (i32.const 1))
(assert_return (invoke "is-digit" (i32.const 58)) (i32.const 0))
(assert_return (invoke "is-digit" (i32.const 47)) (i32.const 0))
(assert_return (invoke "not-lower" (i32.const 97)) (i32.const 0))
(assert_return (invoke "not-lower" (i32.const 122)) (i32.const 0))
(assert_return (invoke "not-lower" (i32.const 123)) (i32.const 1))
(assert_return (invoke "not-lower" (i32.const 96)) (i32.const 1))
(assert_return (invoke "not-upper" (i32.const 65)) (i32.const 0))
(assert_return (invoke "not-upper" (i32.const 91)) (i32.const 1))
(assert_return (invoke "always" (i32.const -5)) (i32.const 1))
(assert_return (invoke "always" (i32.const 7)) (i32.const 1))
(assert_return (invoke "store-consts" (i32.const 64)))
(assert_return (invoke "load64" (i32.const 64)) (i64.const 0xFFFEFF11223344))
(assert_return (invoke "load64" (i32.const 72)) (i64.const -3))
(assert_return (invoke "load64" (i32.const 80)) (i64.const 0x123456789A))
(assert_return (invoke "load64" (i32.const 88)) (i64.const 0x7FFFFFFF8000AB))
(assert_return (invoke "load64" (i32.const 96)) (i64.const 0))
(assert_trap (invoke "store-const-trap" (i32.const 65529)) "out of bounds memory access")
(assert_return (invoke "load64" (i32.const 65528)) (i64.const 0))

;; A local's known constant across control flow: kept where paths disagree (if/else arms, a
;; br_if edge, a loop's back edge, a default case), dropped only where every path agrees.
(module
  (func (export "known-if") (param $c i32) (result i32) (local $s i32)
    (local.set $s (i32.const 1))
    (if (local.get $c) (then (local.set $s (i32.const 2))))
    (local.set $s (i32.const 1))  ;; kept: the then arm stored 2
    (local.get $s))
  (func (export "known-if-else") (param $c i32) (result i32) (local $s i32)
    (if (local.get $c)
      (then (local.set $s (i32.const 4)))
      (else (local.set $s (i32.const 4))))
    (local.set $s (i32.const 4))  ;; dropped: both arms stored 4
    (i32.add (local.get $s) (local.get $c)))
  (func (export "known-br-if") (param $c i32) (result i32) (local $s i32)
    (local.set $s (i32.const 1))
    (block $b
      (br_if $b (local.get $c))
      (local.set $s (i32.const 2)))
    (local.set $s (i32.const 2))  ;; kept: the br_if edge has 1
    (local.get $s))
  (func (export "known-loop") (param $n i32) (result i32) (local $s i32) (local $sum i32)
    (local.set $s (i32.const 1))
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (local.get $s)))
      (local.set $s (i32.const 1))  ;; kept: the back edge brings 3
      (local.set $sum (i32.add (local.get $sum) (local.get $s)))
      (local.set $s (i32.const 3))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum))
  (func (export "known-default") (param $s i32) (result i32)
    (block $d
      (block $c0
        (br_table $c0 $d (local.get $s)))
      (local.set $s (i32.const 0))  ;; dropped: case 0
      (return (i32.add (local.get $s) (i32.const 100))))
    (local.set $s (i32.const 1))  ;; kept: the default case (any $s but 0)
    (local.get $s))
  (func (export "known-tee") (param $c i32) (result i32) (local $s i32)
    (local.set $s (i32.const 3))
    (drop (local.tee $s (i32.const 3)))
    (local.set $s (i32.add (local.get $s) (local.get $c)))
    (local.set $s (i32.const 3))  ;; kept: $s changed
    (local.get $s)))

(assert_return (invoke "known-if" (i32.const 0)) (i32.const 1))
(assert_return (invoke "known-if" (i32.const 1)) (i32.const 1))
(assert_return (invoke "known-if-else" (i32.const 0)) (i32.const 4))
(assert_return (invoke "known-if-else" (i32.const 1)) (i32.const 5))
(assert_return (invoke "known-br-if" (i32.const 0)) (i32.const 2))
(assert_return (invoke "known-br-if" (i32.const 1)) (i32.const 2))
(assert_return (invoke "known-loop" (i32.const 3)) (i32.const 10))
(assert_return (invoke "known-default" (i32.const 0)) (i32.const 100))
(assert_return (invoke "known-default" (i32.const 5)) (i32.const 1))
(assert_return (invoke "known-tee" (i32.const 9)) (i32.const 3))

;; Branch threading (thread.h): edges that know a state's value skip the loop head's test of
;; it; expected values from V8.
(module
  ;; States whose low byte a sign-extending br_table reads (0xFE: -2, -1, 0x100: 0, 1), the
  ;; next state chosen by the bits of $in; the loop's tail is `i++; if (i < 16) continue`.
  (func (export "thread-s8") (param $in i32) (result i32) (local $s i32) (local $i i32) (local $acc i32)
    (local.set $s (i32.const 0xFE))
    (loop $l
      (block $tail
        (block $d
          (block $c
            (block $b
              (block $a
                (br_table $a $b $c $d $tail
                  (i32.add (i32.extend8_s (local.get $s)) (i32.const 2))))
              (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (i32.const 1)))
              (if (i32.and (i32.shr_u (local.get $in) (local.get $i)) (i32.const 1))
                (then (local.set $s (i32.const -1)) (br $tail)))
              (local.set $s (i32.const 0x100))
              (br $tail))
            (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (i32.const 2)))
            (br_if $tail (i32.and (i32.shr_u (local.get $in) (local.get $i)) (i32.const 1)))
            (local.set $s (i32.const 1))
            (br $tail))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 7)))
          (local.set $s (i32.const 0xFE))
          (br $tail))
        (local.set $acc (i32.xor (local.get $acc) (i32.const 0x55)))
        (local.set $s (select (i32.const 0xFE) (i32.const 0x100)
                              (i32.and (local.get $acc) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 16))))
    (i32.add (i32.mul (local.get $acc) (i32.const 8)) (i32.and (local.get $s) (i32.const 7))))

  ;; A loop head that tests a known flag (br_if) and one that compares a known state with a
  ;; constant; the tail is a count-down `br_if (n -= 1)`.
  (func (export "thread-br-if") (param $n i32) (result i32) (local $odd i32) (local $acc i32)
    (loop $l
      (block $tail
        (block $o
          (br_if $o (local.get $odd))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
          (local.set $odd (i32.const 1))
          (br $tail))
        (local.set $acc (i32.mul (local.get $acc) (i32.const 2)))
        (local.set $odd (i32.const 0)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))
  (func (export "thread-compare") (param $n i32) (result i32) (local $s i32) (local $acc i32)
    (loop $l
      (block $tail
        (block $big
          (br_if $big (i32.gt_u (local.get $s) (i32.const 5)))
          (local.set $acc (i32.add (local.get $acc) (local.get $s)))
          (local.set $s (i32.add (local.get $s) (i32.const 4)))
          (br $tail))
        (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
        (local.set $s (i32.const 2))
        (br $tail))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc))

  ;; A head br_table that carries a value to its cases: never threaded past (the move of the
  ;; value would be skipped); the result must still come through.
  (func (export "thread-valued") (param $n i32) (result i32) (local $s i32) (local $acc i32)
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc)
          (block $one (result i32)
            (block $zero (result i32)
              (br_table $zero $one (i32.mul (local.get $n) (i32.const 10)) (local.get $s)))
            (local.set $s (i32.const 1))
            (br $one (i32.const 1)))))
      (local.set $s (i32.and (local.get $n) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $acc)))

(assert_return (invoke "thread-s8" (i32.const 0)) (i32.const -157434))
(assert_return (invoke "thread-s8" (i32.const 1)) (i32.const 408270))
(assert_return (invoke "thread-s8" (i32.const 21845)) (i32.const 1368656))
(assert_return (invoke "thread-s8" (i32.const 43690)) (i32.const -157434))
(assert_return (invoke "thread-s8" (i32.const 65535)) (i32.const 229582511))
(assert_return (invoke "thread-s8" (i32.const 4660)) (i32.const -654208))
(assert_return (invoke "thread-s8" (i32.const 48879)) (i32.const 4011102))
(assert_return (invoke "thread-br-if" (i32.const 1)) (i32.const 1))
(assert_return (invoke "thread-br-if" (i32.const 2)) (i32.const 2))
(assert_return (invoke "thread-br-if" (i32.const 3)) (i32.const 3))
(assert_return (invoke "thread-br-if" (i32.const 10)) (i32.const 62))
(assert_return (invoke "thread-br-if" (i32.const 31)) (i32.const 65535))
(assert_return (invoke "thread-compare" (i32.const 1)) (i32.const 0))
(assert_return (invoke "thread-compare" (i32.const 2)) (i32.const 4))
(assert_return (invoke "thread-compare" (i32.const 5)) (i32.const 206))
(assert_return (invoke "thread-compare" (i32.const 9)) (i32.const 410))
(assert_return (invoke "thread-compare" (i32.const 40)) (i32.const 1942))
(assert_return (invoke "thread-valued" (i32.const 1)) (i32.const 1))
(assert_return (invoke "thread-valued" (i32.const 2)) (i32.const 2))
(assert_return (invoke "thread-valued" (i32.const 7)) (i32.const 124))
