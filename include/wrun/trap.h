// Traps: how running WebAssembly code stops abnormally (the spec's traps, exhausted limits,
// a host function's error or exit), with a bounded backtrace. Part of the public vocabulary:
// includes only the standard library. Defined in runtime/trap.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wrun {

enum class TrapKind : uint8_t {
  Unreachable,               // "unreachable"
  MemoryOutOfBounds,         // "out of bounds memory access"
  TableOutOfBounds,          // "out of bounds table access"
  UndefinedElement,          // "undefined element" (call_indirect index >= table size)
  UninitializedElement,      // "uninitialized element" (call_indirect on null)
  IndirectCallTypeMismatch,  // "indirect call type mismatch"
  IntegerDivideByZero,       // "integer divide by zero"
  IntegerOverflow,           // "integer overflow"
  InvalidConversion,         // "invalid conversion to integer"
  StackExhausted,            // "call stack exhausted"
  NullReference,             // "null reference"
  OutOfFuel,                 // "all fuel consumed"
  Interrupted,               // "interrupted" (timeout)
  Exit,                      // a host function asked to exit (WASI proc_exit); see exit_code
  Host,                      // a host function reported an error, or the embedder misused a call
};
const char* trap_kind_message(TrapKind kind);

struct Frame {
  uint32_t func_index = 0;
  std::string func_name;  // from the name section; may be empty
  uint32_t code_offset = 0;  // module offset of the trapping instruction, 0 when unknown
};

struct Trap {
  TrapKind kind = TrapKind::Unreachable;
  std::string message;     // the spec's text for the kind, or the host's message
  int32_t exit_code = 0;   // kind == Exit only
  // Innermost first. A trap can come 20000 calls deep, so the backtrace keeps at most the
  // innermost kInnerFrames and the outermost kOuterFrames frames; the frames_omitted frames
  // between them (after backtrace[kInnerFrames - 1]) are only counted. Function names longer
  // than kMaxFrameName bytes are cut at a character boundary and end in "...".
  // (frames_omitted sits in exit_code's padding: a larger Trap made every call from the
  // embedder zero it with `rep stos`, 38 -> 63 ns per call.)
  uint32_t frames_omitted = 0;
  std::vector<Frame> backtrace;
  static constexpr size_t kInnerFrames = 64, kOuterFrames = 16, kMaxFrameName = 1024;
  static Trap make(TrapKind kind, std::string message = {});
};

}  // namespace wrun
