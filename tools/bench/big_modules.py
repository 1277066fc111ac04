#!/usr/bin/env python3
"""Writes modules that stress load-time memory: many small structures in few bytes.

    big_modules.py KIND N OUT.wasm [--unlinkable]
    big_modules.py measure WRUN [KIND=N ...]

KIND is one of
  funcs     N empty functions `(func)` (4 bytes each)
  elem      one active element segment of N function indices into a table of N entries
            (1 byte each)
  passive   the same segment passive (instantiation keeps its N references)
  types     N distinct function types (params i32..f64 spelling the type index)
  sametypes N copies of the type () -> () (3 bytes each)
  globals   N immutable i32 globals `(global i32 (i32.const 0))` (5 bytes each)
  exports   N function exports of one function, named by index
  imports   N function imports `"m" "<index>"`
  calls     one function of N `call 0` instructions (2 bytes each)
  locals    N functions declaring 50,000 i32 locals each (8 bytes each)
  results   one function of N calls of a function returning 1000 i32s (2 bytes each, 1000
            operand slots each; invalid past the frame limit of decoder/limits.h)
  resultsv  the same with 1000 v128 results (2000 slots per call)
  brvalues  `local.get 0; br_if 0` N times (4 bytes each) out of a block of 1000 i32 results
            whose values are not in place (two calls pushed 2000)
  blocks    100 calls of a function returning 1000 i32s, then N empty blocks (3 bytes each)
  loops     N byte-fill loops that the interpreter recognises as memset (24 bytes each)
  constnops one global whose initializer is N nops (invalid: 1 byte each)
  nest      N nested empty blocks (3 bytes each; 2551439 is the function body limit)
  brtable   one br_table of N labels (1 byte each) out of 100 nested blocks

Every module exports a function "f" that returns nothing, so `wrun --invoke f` loads,
instantiates and calls it. --unlinkable adds an import nothing provides, so `wrun` stops
after compiling (exit status 5) and peak memory is that of loading alone.

`measure` writes each KIND=N module (default: the set below) to a temporary folder and runs
the WRUN binary on it under /usr/bin/time, loading only (--unlinkable) and loading,
instantiating and calling "f", printing peak RSS, time and the peak RSS above that of a
module of one function, per module byte.
"""

import os
import subprocess
import sys
import tempfile

# At the limits of decoder/limits.h, counting the function, type and export every module has
# (and the import of --unlinkable).
DEFAULT_SET = ["funcs=999998", "elem=10000000", "passive=10000000", "types=999999",
               "sametypes=999999", "globals=1000000", "exports=999999", "imports=999999",
               "calls=1000000", "locals=124999", "results=10000", "resultsv=10000",
               "brvalues=10000", "blocks=20000", "loops=100000", "constnops=10000000",
               "nest=2551439", "brtable=7000000"]


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vec(items, count=None):
    return uleb(len(items) if count is None else count) + b"".join(items)


def name(s):
    b = s.encode()
    return uleb(len(b)) + b


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


VOID = b"\x60\x00\x00"  # () -> ()


def results_type(valtype, n=1000):
    """() -> (valtype x n)"""
    return b"\x60\x00" + uleb(n) + bytes([valtype]) * n


def module(kind, n, unlinkable):
    types = [VOID]
    imports = []
    if unlinkable:
        imports.append(name("unlinkable") + name("missing") + b"\x00" + uleb(0))
    funcs = [uleb(0)]          # type index of each defined function; function "f" first
    bodies = [b"\x02\x00\x0b"]  # size 2: no locals, end
    tables, globals_, exports, elems, memories = [], [], [], [], []
    many = len(imports) + 1  # where kinds that need it define a function returning 1000 values

    def add_many(valtype=0x7F):
        types.append(results_type(valtype))
        funcs.append(uleb(len(types) - 1))
        bodies.append(b"\x03\x00\x00\x0b")  # unreachable

    def add_body(code, params=b""):
        types.append(b"\x60" + uleb(len(params)) + params + b"\x00")
        funcs.append(uleb(len(types) - 1))
        bodies.append(uleb(len(code)) + code)
    if kind == "funcs":
        funcs += [uleb(0)] * n
        bodies += [b"\x02\x00\x0b"] * n
    elif kind in ("elem", "passive"):
        tables.append(b"\x70\x00" + uleb(n))  # funcref, min n
        f = len(imports)  # the index of "f"
        if kind == "elem":
            elems.append(b"\x00\x41\x00\x0b" + vec([uleb(f)] * n))  # active, i32.const 0
        else:
            elems.append(b"\x01\x00" + vec([uleb(f)] * n))  # passive, elemkind funcref
    elif kind == "types":
        # Distinct types: the params spell the index in bijective base 4 over i32..f64.
        for i in range(n):
            params = bytearray()
            while i:
                i -= 1
                params.append(0x7F - i % 4)
                i //= 4
            types.append(b"\x60" + uleb(len(params)) + bytes(params) + b"\x00")
    elif kind == "sametypes":
        types += [VOID] * n
    elif kind == "globals":
        globals_ += [b"\x7f\x00\x41\x00\x0b"] * n
    elif kind == "exports":
        exports += [name(str(i)) + b"\x00" + uleb(len(imports)) for i in range(n)]
    elif kind == "imports":
        imports += [name("m") + name(str(i)) + b"\x00" + uleb(0) for i in range(n)]
    elif kind == "locals":
        body = b"\x01" + uleb(50000) + b"\x7f\x0b"
        funcs += [uleb(0)] * n
        bodies += [uleb(len(body)) + body] * n
    elif kind == "calls":
        code = b"\x00" + b"\x10\x00" * n + b"\x0b"
        funcs.append(uleb(0))
        bodies.append(uleb(len(code)) + code)
    elif kind in ("results", "resultsv"):
        add_many(0x7F if kind == "results" else 0x7B)
        add_body(b"\x00" + (b"\x10" + uleb(many)) * n + b"\x00\x0b")
    elif kind == "brvalues":
        add_many()
        block = b"\x02" + uleb(len(types) - 1)  # the type () -> (i32 x 1000)
        call = b"\x10" + uleb(many)
        add_body(b"\x01\x01\x7f" + block + call * 2 + b"\x20\x00\x0d\x00" * n + b"\x00\x0b\x00\x0b")
    elif kind == "blocks":
        add_many()
        add_body(b"\x00" + (b"\x10" + uleb(many)) * 100 + b"\x02\x40\x0b" * n + b"\x00\x0b")
    elif kind == "loops":
        # loop: store8 d, v; d += 1; n -= 1; br_if n (params d v n)
        loop = (b"\x03\x40\x20\x00\x20\x01\x3a\x00\x00\x20\x00\x41\x01\x6a\x21\x00"
                b"\x20\x02\x41\x01\x6b\x22\x02\x0d\x00\x0b")
        memories.append(b"\x00\x01")
        add_body(b"\x00" + loop * n + b"\x0b", params=b"\x7f\x7f\x7f")
    elif kind == "constnops":
        globals_.append(b"\x7f\x00" + b"\x01" * n + b"\x41\x00\x0b")
    elif kind == "nest":
        add_body(b"\x00" + b"\x02\x40" * n + b"\x0b" * n + b"\x0b")
    elif kind == "brtable":
        labels = b"".join(uleb(i % 100) for i in range(n))
        add_body(b"\x00" + b"\x02\x40" * 100 + b"\x20\x00\x0e" + uleb(n) + labels + b"\x00" +
                 b"\x0b" * 100 + b"\x0b", params=b"\x7f")
    else:
        sys.exit(f"unknown kind {kind}")
    exports.append(name("f") + b"\x00" + uleb(len(imports)))

    out = b"\x00asm\x01\x00\x00\x00"
    out += section(1, vec(types))
    if imports:
        out += section(2, vec(imports))
    out += section(3, vec(funcs))
    if tables:
        out += section(4, vec(tables))
    if memories:
        out += section(5, vec(memories))
    if globals_:
        out += section(6, vec(globals_))
    out += section(7, vec(exports))
    if elems:
        out += section(9, vec(elems))
    out += section(10, vec(bodies))
    return out


def run_timed(cmd):
    """(peak RSS in bytes, wall seconds, exit status) of cmd under /usr/bin/time -v."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    rss = secs = 0.0
    for line in p.stderr.splitlines():
        line = line.strip()
        if line.startswith("Maximum resident set size (kbytes):"):
            rss = int(line.split(":")[1]) * 1024
        elif line.startswith("Elapsed (wall clock) time"):
            t = line.split("): ")[1].split(":")
            secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
    return rss, secs, p.returncode


def measure(wrun, specs):
    print(f"{'module':<18} {'bytes':>10} | {'load RSS':>9} {'s':>6} {'B/B':>6} | "
          f"{'run RSS':>9} {'s':>6} {'B/B':>6} exit")
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.wasm")
        with open(base, "wb") as f:
            f.write(module("funcs", 0, False))
        base_rss = run_timed([wrun, "--invoke", "f", base])[0]
        for spec in specs or DEFAULT_SET:
            kind, n = spec.split("=")
            row = f"{kind + '=' + n:<18}"
            for unlinkable in (True, False):
                path = os.path.join(tmp, f"{kind}.wasm")
                data = module(kind, int(n), unlinkable)
                with open(path, "wb") as f:
                    f.write(data)
                rss, secs, status = run_timed([wrun, "--invoke", "f", path])
                if unlinkable:
                    row += f" {len(data):>10} |"
                row += f" {rss / 2**20:>7.1f}MB {secs:>6.2f} {(rss - base_rss) / len(data):>6.1f} |"
            print(row + f" {status}", flush=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "measure":
        return measure(sys.argv[2], sys.argv[3:])
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    kind, n, path = args[0], int(args[1]), args[2]
    with open(path, "wb") as f:
        f.write(module(kind, n, "--unlinkable" in sys.argv))


if __name__ == "__main__":
    main()
