// Trap kinds and their messages (the texts the spec tests expect), and the bounded backtrace.
#include <algorithm>

#include "engine/runtime.h"

namespace wrun {

const char* trap_kind_message(TrapKind kind) {
  switch (kind) {
    case TrapKind::Unreachable:
      return "unreachable";
    case TrapKind::MemoryOutOfBounds:
      return "out of bounds memory access";
    case TrapKind::TableOutOfBounds:
      return "out of bounds table access";
    case TrapKind::UndefinedElement:
      return "undefined element";
    case TrapKind::UninitializedElement:
      return "uninitialized element";
    case TrapKind::IndirectCallTypeMismatch:
      return "indirect call type mismatch";
    case TrapKind::IntegerDivideByZero:
      return "integer divide by zero";
    case TrapKind::IntegerOverflow:
      return "integer overflow";
    case TrapKind::InvalidConversion:
      return "invalid conversion to integer";
    case TrapKind::StackExhausted:
      return "call stack exhausted";
    case TrapKind::NullReference:
      return "null reference";
    case TrapKind::OutOfFuel:
      return "all fuel consumed";
    case TrapKind::Interrupted:
      return "interrupted";
    case TrapKind::Exit:
      return "exit";
    case TrapKind::Host:
      return "host function error";
  }
  return "unknown trap";
}

Trap Trap::make(TrapKind kind, std::string message) {
  Trap t;
  t.kind = kind;
  t.message = message.empty() ? std::string(trap_kind_message(kind)) : std::move(message);
  return t;
}

namespace rt {

namespace {

// A copy of `name` of at most Trap::kMaxFrameName bytes: a module may name a function with
// megabytes, and every kept frame holds its own copy.
std::string frame_name(std::string_view name) {
  if (name.size() <= Trap::kMaxFrameName) return std::string(name);
  size_t cut = Trap::kMaxFrameName - 3;
  while (cut > 0 && (static_cast<uint8_t>(name[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
  std::string out(name.substr(0, cut));
  out += "...";
  return out;
}

}  // namespace

Frame backtrace_frame(const FrameSource& s) {
  return Frame{s.func_index, frame_name(s.func_name), s.code_offset};
}

KeptFrames keep_frames(Trap& trap, size_t n) {
  std::vector<Frame>& bt = trap.backtrace;
  const size_t inner =
      bt.size() < Trap::kInnerFrames ? std::min(n, Trap::kInnerFrames - bt.size()) : 0;
  const size_t rest = n - inner;
  if (rest == 0) {
    bt.reserve(bt.size() + inner);
    return KeptFrames{inner, n};
  }
  // The rest are outer frames: of those kept so far (an inner activation's, when this one
  // called a host function that called wasm) and these, only the outermost kOuterFrames stay.
  // (With inner frames to add there are no outer ones yet: bt.size() + inner == kInnerFrames.)
  const size_t outer_now = bt.size() + inner - Trap::kInnerFrames;
  const size_t keep_new = std::min(rest, Trap::kOuterFrames);
  const size_t keep_old = std::min(outer_now, Trap::kOuterFrames - keep_new);
  if (outer_now > keep_old) {
    const auto first_old = bt.begin() + static_cast<ptrdiff_t>(Trap::kInnerFrames);
    bt.erase(first_old, first_old + static_cast<ptrdiff_t>(outer_now - keep_old));
  }
  trap.frames_omitted += static_cast<uint32_t>((outer_now - keep_old) + (rest - keep_new));
  bt.reserve(bt.size() + inner + keep_new);
  return KeptFrames{inner, n - keep_new};
}

}  // namespace rt

}  // namespace wrun
