;; CLI test: a guest writes 64 KiB at a time to a new file in its preopen while the host's
;; RLIMIT_FSIZE is smaller. The write that reaches the limit is short; the next must get
;; WASI's FBIG (22) back, as a native program that ignores SIGXFSZ gets EFBIG. Exits with the
;; first error (0 if eight writes all succeeded, 100 if path_open failed).
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  ;; 0: iovec {buf=65536, len=65536}; 16: opened fd; 20: bytes written; 32: "big"
  (data (i32.const 0) "\00\00\01\00\00\00\01\00")
  (data (i32.const 32) "big")
  (func (export "_start")
    (local $i i32) (local $errno i32)
    ;; CREAT|TRUNC, rights FD_WRITE
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 3) (i32.const 9)
                         (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16))
      (then (call $proc_exit (i32.const 100))))
    (loop $write
      (local.set $errno
        (call $fd_write (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 20)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $write (i32.and (i32.eqz (local.get $errno)) (i32.lt_u (local.get $i) (i32.const 8)))))
    (call $proc_exit (local.get $errno))))
