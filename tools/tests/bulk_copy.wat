;; CLI test of --fuel over bulk operations: copy_forever copies 100 MiB and prints "copied"
;; (WASI fd_write) in an endless loop, so any copy that ran shows on stdout.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3201)  ;; 200 MiB + one page for the iovec and the text
  (data (i32.const 16) "copied\n")
  (func $copy_forever (export "copy_forever")
    (i32.store (i32.const 0) (i32.const 16))  ;; iovec: base 16, length 7
    (i32.store (i32.const 4) (i32.const 7))
    (loop $forever
      (memory.copy (i32.const 0x6410000) (i32.const 0x10000) (i32.const 0x6400000))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br $forever))))
