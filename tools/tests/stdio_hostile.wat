;; CLI tests: a guest that tries to change the stdio it shares with its parent. It sets
;; O_NONBLOCK on stdin, clears O_APPEND on stdout, tries to seek, truncate and pwrite stdout
;; (all refused: stdio is a stream), then writes "appended\n" and exits with the number of
;; the attempts that were let through (0 when every one was refused).
(module
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: iovec for "XX" at 64, 8: iovec for "appended\n" at 80, 16: results
  (data (i32.const 0) "\40\00\00\00\02\00\00\00\50\00\00\00\09\00\00\00")
  (data (i32.const 64) "XX")
  (data (i32.const 80) "appended\n")
  (func (export "_start")
    (local $allowed i32)
    ;; Flag changes are accepted: they are the guest's own view.
    (drop (call $set_flags (i32.const 0) (i32.const 4)))  ;; NONBLOCK
    (drop (call $set_flags (i32.const 1) (i32.const 0)))  ;; APPEND cleared
    (if (i32.eqz (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 16)))
      (then (local.set $allowed (i32.add (local.get $allowed) (i32.const 1)))))
    (if (i32.eqz (call $set_size (i32.const 1) (i64.const 0)))
      (then (local.set $allowed (i32.add (local.get $allowed) (i32.const 1)))))
    (if (i32.eqz (call $fd_pwrite (i32.const 1) (i32.const 0) (i32.const 1) (i64.const 0) (i32.const 16)))
      (then (local.set $allowed (i32.add (local.get $allowed) (i32.const 1)))))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)))
    (call $proc_exit (local.get $allowed))))
