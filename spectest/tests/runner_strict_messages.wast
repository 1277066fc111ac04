;; The same with --strict-messages: the different message is a failure.
;; expect-args: --strict-messages
;; expect-exit: 1
;; expect-output: runner_strict_messages.wast: 0 passed, 1 failed, 0 skipped

(assert_invalid (module (func (result i32) (i64.const 0))) "not the message any engine gives")
