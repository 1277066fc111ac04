;; CLI test: an import whose names hold terminal control sequences (ESC c resets the terminal,
;; ESC 8 moves the cursor), which the link error must print escaped.
(module (import "\1bcenv" "\1b8clear\07" (func)))
