// FaultInfo -> Trap (fault_trap.h).
#include "runtime/fault_trap.h"

namespace wrun::rt {

std::optional<Trap> trap_from_fault(const FaultInfo& fault) {
  if (fault.stack_overflow) return Trap::make(TrapKind::StackExhausted);
  if (!fault.has_site || fault.reason > UINT8_MAX) return std::nullopt;
  // Only the kinds a faulting instruction can stand for: an executor's explicit traps
  // (fuel, interrupts, host errors, exits) never come from a fault.
  switch (static_cast<TrapKind>(fault.reason)) {
    case TrapKind::Unreachable:
    case TrapKind::MemoryOutOfBounds:
    case TrapKind::TableOutOfBounds:
    case TrapKind::UndefinedElement:
    case TrapKind::UninitializedElement:
    case TrapKind::IndirectCallTypeMismatch:
    case TrapKind::IntegerDivideByZero:
    case TrapKind::IntegerOverflow:
    case TrapKind::InvalidConversion:
    case TrapKind::StackExhausted:
    case TrapKind::NullReference:
      return Trap::make(static_cast<TrapKind>(fault.reason));
    default:
      return std::nullopt;
  }
}

}  // namespace wrun::rt
