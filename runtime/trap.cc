// Trap kinds and their messages (the texts the spec tests expect).
#include <string>

#include "wrun/trap.h"

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

}  // namespace wrun
