;; A script wast2json cannot convert: the runner must say so and exit non-zero even though
;; no command failed.
;; expect-exit: 1
;; expect-output: runner_bad_script.wast: error:
;; expect-output: wast2json failed with exit status 1
;; expect-output: spectest: 1 script(s) could not be run
;; expect-output: spectest: 0 passed, 0 failed, 0 skipped

(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1)
