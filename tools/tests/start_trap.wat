;; CLI tests: a trap in the start function, before anything is invoked.
(module
  (func $start unreachable)
  (start $start))
