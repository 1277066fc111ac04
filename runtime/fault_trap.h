// From a fault in generated code (fault_handler.h) to the spec's trap. An executor registers
// each instruction meant to fault with trap_site_reason(kind) as its TrapSite::reason, and
// turns the FaultInfo that run_guarded returns into a Trap here; it then adds the frames it
// knows (its function, the site's source_offset as the module offset) with append_backtrace,
// so a trap reads the same whichever executor ran.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/fault_handler.h"
#include "wrun/trap.h"

namespace wrun::rt {

// The TrapSite::reason that means `kind`.
constexpr uint32_t trap_site_reason(TrapKind kind) { return static_cast<uint32_t>(kind); }

// The trap a fault means: a stack overflow is "call stack exhausted" wherever it hit; a fault
// at a trap site is the kind the site was registered with. nullopt for any other fault (no
// site, or a reason that names no trap kind): generated code faulted where it should not,
// which is a bug to report, not a trap to hand to the guest.
std::optional<Trap> trap_from_fault(const FaultInfo& fault);

}  // namespace wrun::rt
