// Branch threading: a pass over a lowered function (code.h) that shortens the paths its
// branches take, using what the lowering knew about one local at each branch.
//
// A state machine written as `loop { switch (state) { ... state = K; continue; } }` (or a
// parser's `for (; *p; p++) switch (state)`) branches to the loop head, where the switch
// dispatches again on a value the branch already knew. The lowering records every branch with
// the local value known there (lower.cc, KnownLocal); this pass then:
//   - retargets a branch that lands on a br_table or br_if whose outcome that value decides
//     (or on a plain br) straight to where it would end up;
//   - when the branch's target is a short straight run ending in a conditional branch (the
//     loop's `p++; if (*p) continue;` tail shared by every case), appends a copy of that run
//     to the function (a stub) whose conditional branch is threaded the same way, and points
//     the branch at the copy. The copy ends with a br to where the original falls through.
// Every copied instruction keeps its module offset (traps report the same place). A branch is
// only rethreaded where the new path takes as many backward branches (which poll for fuel and
// interrupts, exec.cc) as the old one, so fuel is charged exactly as before and every cycle
// still polls; stubs return with kJump, which never polls, where the old path did not.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace wrun::interp {

// A slot known to hold a 32-bit value at a point of the code.
struct KnownSlot {
  uint32_t slot;
  uint32_t value;
  bool operator==(const KnownSlot&) const = default;
};

// A branch the lowering emitted: its instruction, its 32-bit offset field (relative to the
// instruction's start), the handler word it had (a later rewrite in place disowns the record)
// and the value known at the branch, if any.
// A br_table is one site for all its `entries` (cases, then the default; their fields are
// 8 bytes apart from `field`), since it may have millions. With `case_facts`, case i knows
// that the table's index slot (its first operand) holds i - bias (its fifth) instead.
struct BranchSite {
  uint32_t instr;
  uint32_t field;
  uint64_t handler;
  KnownSlot known{0, 0};
  bool has_known = false;
  bool case_facts = false;
  uint32_t entries = 1;
};

// Threads the branches of one function: `code` is its instruction stream (ending in an
// instruction that never falls through), `offsets` its (stream position, module offset)
// table, extended for the stubs. `max_growth` bounds the bytes added.
void thread_branches(std::vector<uint8_t>& code, std::vector<std::pair<uint32_t, uint32_t>>& offsets,
                     const std::vector<BranchSite>& sites, size_t max_growth);

}  // namespace wrun::interp
