;; CLI tests: --timeout also covers the start function, which runs during instantiation.
(module
  (func $spin_start (loop $forever (br $forever)))
  (start $spin_start))
