// The interpreter's internal code format.
//
// A lowered function is a stream of instructions, each starting on an 8-byte boundary with a
// handler word (the address of its handler label with computed goto, or its id for the switch
// fallback), followed by 32-bit operands, padded to 8 bytes. Operands are frame-slot numbers
// (see validator/func_walker.h), immediates, or branch offsets relative to the instruction's
// start. Nothing is decoded at run time: no LEB128, no block-type lookups, no label search.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "decoder/module.h"
#include "decoder/opcodes.h"

namespace wrun::interp {

// Instruction ids: every wasm Op keeps its own id (numeric, memory, table, call... handlers
// reuse the wasm name); ids from kOpCount on are interpreter-only instructions.
constexpr uint16_t kCopy = kOpCount;      // dst src           one slot
constexpr uint16_t kCopy2 = kCopy + 1;    // dst src           two slots (v128)
constexpr uint16_t kCopyN = kCopy + 2;    // dst src n         n slots (ranges may overlap)
constexpr uint16_t kBrIfZ = kCopy + 3;    // cond rel          branch when fp[cond] == 0
constexpr uint16_t kBrIfNz = kCopy + 4;   // cond rel          branch when fp[cond] != 0
constexpr uint16_t kSelect2 = kCopy + 5;  // dst a b cond      v128 select
constexpr uint16_t kGlobalGet2 = kCopy + 6;  // dst idx        v128 global
constexpr uint16_t kGlobalSet2 = kCopy + 7;  // idx src
constexpr uint16_t kCheck = kCopy + 8;       // (none) fuel/interrupt check at loop headers
constexpr uint16_t kInvalid = kCopy + 9;     // never emitted; traps if reached
constexpr uint16_t kNumInstrIds = kCopy + 10;
constexpr uint16_t id_of(Op op) { return static_cast<uint16_t>(op); }

struct Code {
  std::vector<uint64_t> words;  // the instruction stream
  uint32_t func_index = 0;
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;   // params + declared locals
  uint32_t result_slots = 0;
  uint32_t frame_slots = 0;   // highest slot the body can touch (locals + max stack)
  const DecodedModule* module = nullptr;
  // (byte position in the stream, module offset of the wasm instruction), ascending.
  std::vector<std::pair<uint32_t, uint32_t>> offsets;

  const uint8_t* start() const { return reinterpret_cast<const uint8_t*>(words.data()); }
  uint32_t module_offset_at(const uint8_t* ip) const;
};

// The handler word stored for an instruction id (label address or id, per dispatch mode).
uint64_t handler_word(uint16_t id);

}  // namespace wrun::interp
