;; CLI tests: a small WASI command. _start prints its argv, one argument per line; the other
;; exports are called with --invoke: print_env prints the environment (NAME=VALUE per line),
;; try_write creates out.txt in the first preopened directory (fd 3), writes "hello" into it
;; and returns the WASI errno (0 when the write went through); sleep blocks in poll_oneoff
;; for the given number of nanoseconds; write_until_error writes to stdout until fd_write fails
;; and exits with that errno (PIPE, 64, when the reader has gone).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: count, 4: buffer size, 8: iovec, 16: nwritten, 20: opened fd
  (data (i32.const 64) "out.txt")
  (data (i32.const 80) "hello\n")

  ;; Writes len bytes at ptr to stdout, each NUL turned into a newline.
  (func $print_lines (param $ptr i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (if (i32.eqz (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
          (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.const 10))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16))))

  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (call $print_lines (i32.const 4096) (i32.load (i32.const 4))))

  (func (export "print_env")
    (drop (call $environ_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
    (call $print_lines (i32.const 4096) (i32.load (i32.const 4))))

  (func (export "try_write") (result i32)
    (local $err i32) (local $fd i32)
    ;; path_open(dirfd 3, dirflags 0, "out.txt", O_CREAT, rights fd_write, 0, fdflags 0, &fd)
    (local.set $err (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
                                     (i32.const 1) (i64.const 0x40) (i64.const 0) (i32.const 0)
                                     (i32.const 20)))
    (if (local.get $err) (then (return (local.get $err))))
    (local.set $fd (i32.load (i32.const 20)))
    (i32.store (i32.const 8) (i32.const 80))
    (i32.store (i32.const 12) (i32.const 6))
    (local.set $err (call $fd_write (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 16)))
    (drop (call $fd_close (local.get $fd)))
    (local.get $err))

  (func (export "sleep") (param $ns i64) (result i32)
    ;; One relative clock subscription at 200 (48 bytes): userdata 0, tag 0 (clock),
    ;; clock id 1 (monotonic) at +16, timeout at +24, precision at +32, flags 0 at +40.
    (i32.store8 (i32.const 208) (i32.const 0))
    (i32.store (i32.const 216) (i32.const 1))
    (i64.store (i32.const 224) (local.get $ns))
    (i64.store (i32.const 232) (i64.const 0))
    (i32.store16 (i32.const 240) (i32.const 0))
    (call $poll_oneoff (i32.const 200) (i32.const 300) (i32.const 1) (i32.const 400)))

  (func (export "write_until_error")
    (local $err i32)
    (i32.store (i32.const 8) (i32.const 80))
    (i32.store (i32.const 12) (i32.const 6))
    (loop $again
      (local.set $err (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
      (br_if $again (i32.eqz (local.get $err))))
    (call $proc_exit (local.get $err))))
