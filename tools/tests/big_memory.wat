;; CLI tests: a memory of 4 pages (256 KiB) at instantiation, over a --max-memory of 64K.
(module (memory (export "memory") 4))
