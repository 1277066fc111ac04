// The interpreter's internal code format.
//
// A lowered function is a stream of instructions, each starting on an 8-byte boundary with a
// handler word (the address of its handler label with computed goto, or its id for the switch
// fallback), followed by 32-bit operands, padded to 8 bytes. Operands are frame-slot numbers
// (see validator/func_walker.h), immediates, or branch offsets relative to the instruction's
// start. Nothing is decoded at run time: no LEB128, no block-type lookups, no label search.
#pragma once

#include <cstdint>
#include <span>
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
constexpr uint16_t kBaseIdsEnd = kCopy + 10;

// Integer binary instructions that also exist with an immediate right operand
// (`dst a imm`: a 32-bit field for i32 ops, a 64-bit field for i64 ops): `x + 1`, `x & mask`,
// `i < n` make up much of real loops, and folding the constant saves a dispatch.
// kRSubImm32/64 compute `imm - a` (`0 - x` is common in compiled code).
#define WRUN_IMM_BINARY_OPS(X)                                                                \
  X(I32Add) X(I32Sub) X(I32Mul) X(I32And) X(I32Or) X(I32Xor) X(I32Shl) X(I32ShrS) X(I32ShrU)  \
  X(I32Rotl) X(I32Rotr) X(I32Eq) X(I32Ne) X(I32LtS) X(I32LtU) X(I32GtS) X(I32GtU) X(I32LeS)   \
  X(I32LeU) X(I32GeS) X(I32GeU) X(I64Add) X(I64Sub) X(I64Mul) X(I64And) X(I64Or) X(I64Xor)    \
  X(I64Shl) X(I64ShrS) X(I64ShrU) X(I64Rotl) X(I64Rotr) X(I64Eq) X(I64Ne) X(I64LtS) X(I64LtU) \
  X(I64GtS) X(I64GtU) X(I64LeS) X(I64LeU) X(I64GeS) X(I64GeU)

// Compare-and-branch fusions: (compare, the compare that is its negation, the compare that
// gives the same result with swapped operands). `br_if` on a compare branches on the
// compare; `if` on a compare branches to its else on the negation.
#define WRUN_FUSED_COMPARES(X)                                         \
  X(I32Eq, I32Ne, I32Eq) X(I32Ne, I32Eq, I32Ne) X(I32LtS, I32GeS, I32GtS) \
  X(I32LtU, I32GeU, I32GtU) X(I32GtS, I32LeS, I32LtS) X(I32GtU, I32LeU, I32LtU) \
  X(I32LeS, I32GtS, I32GeS) X(I32LeU, I32GtU, I32GeU) X(I32GeS, I32LtS, I32LeS) \
  X(I32GeU, I32LtU, I32LeU) X(I64Eq, I64Ne, I64Eq) X(I64Ne, I64Eq, I64Ne)   \
  X(I64LtS, I64GeS, I64GtS) X(I64LtU, I64GeU, I64GtU) X(I64GtS, I64LeS, I64LtS) \
  X(I64GtU, I64LeU, I64LtU) X(I64LeS, I64GtS, I64GeS) X(I64LeU, I64GtU, I64GeU) \
  X(I64GeS, I64LtS, I64LeS) X(I64GeU, I64LtU, I64LeU)

// Loads and stores that also exist with an address add folded in, `addr = a + c` (kAddr_*)
// or `addr = a + b` (kAddr2_*), wrapping to 32 bits exactly like the separate i32.add:
// arrays at constant addresses and pointer + index are everywhere in compiled code.
#define WRUN_MEMORY_OPS(X)                                                                \
  X(I32Load) X(I64Load) X(F32Load) X(F64Load) X(I32Load8S) X(I32Load8U) X(I32Load16S)     \
  X(I32Load16U) X(I64Load8S) X(I64Load8U) X(I64Load16S) X(I64Load16U) X(I64Load32S)       \
  X(I64Load32U) X(I32Store) X(I64Store) X(F32Store) X(F64Store) X(I32Store8) X(I32Store16) \
  X(I64Store8) X(I64Store16) X(I64Store32)

// Load-and-branch: an i32 load whose value a `br_if`/`if` tests right away (`while (*p)`):
// `dst addr offset rel`, branching when the loaded value is nonzero (kLoadBrNz_*) or zero
// (kLoadBrZ_*). The load still writes dst (often a local, through local.tee).
// kStepLoadBr*_* first step the address, `p = q + imm; dst = *(p + offset); br_if`:
// `p q imm dst offset rel` (a parser's `p++; if (*p) continue;`, built by thread.cc).
#define WRUN_BRANCHING_LOADS(X) X(I32Load) X(I32Load8S) X(I32Load8U) X(I32Load16S) X(I32Load16U)

// Integer stores of a constant (`*p = 0`, a field set to a flag): `addr offset imm`, the
// 32-bit immediate sign-extended for i64.store (which takes only constants that fit).
#define WRUN_CONST_STORES(X) \
  X(I32Store) X(I32Store8) X(I32Store16) X(I64Store) X(I64Store8) X(I64Store16) X(I64Store32)

// Two i32 operations in a row, the second with a constant (`(x + c) >> 8`, `(k - (x ^ c))`,
// `(a & b) >> 8`: branch-free compares and bit tricks), where the first computed a temporary
// only the second reads: kChainII_<op1>_<op2> `dst a c1 c2` computes op2(op1(a, c1), c2),
// kChainRI_<op1>_<op2> `dst a b c` computes op2(op1(a, b), c). RSub is `c - x`; rotations
// come only second (`rotl(a ^ b, 16)`: ChaCha, BLAKE, SHA rounds).
#define WRUN_CHAIN_SECOND(X, op1)                                                                 \
  X(op1, Add) X(op1, Sub) X(op1, RSub) X(op1, And) X(op1, Or) X(op1, Xor) X(op1, Shl) X(op1, ShrU) \
  X(op1, Rotl) X(op1, Rotr)
#define WRUN_CHAIN_IMM_PAIRS(X)                                                                  \
  WRUN_CHAIN_SECOND(X, Add) WRUN_CHAIN_SECOND(X, Sub) WRUN_CHAIN_SECOND(X, RSub)                 \
  WRUN_CHAIN_SECOND(X, And) WRUN_CHAIN_SECOND(X, Or) WRUN_CHAIN_SECOND(X, Xor)                   \
  WRUN_CHAIN_SECOND(X, Shl) WRUN_CHAIN_SECOND(X, ShrU)
#define WRUN_CHAIN_REG_PAIRS(X)                                                                  \
  WRUN_CHAIN_SECOND(X, Add) WRUN_CHAIN_SECOND(X, Sub) WRUN_CHAIN_SECOND(X, And)                  \
  WRUN_CHAIN_SECOND(X, Or) WRUN_CHAIN_SECOND(X, Xor) WRUN_CHAIN_SECOND(X, Shl) WRUN_CHAIN_SECOND(X, ShrU)
// The operations' order in WRUN_CHAIN_SECOND (an id is first + kChainOps * op1 + op2).
enum class ChainOp : uint8_t { Add, Sub, RSub, And, Or, Xor, Shl, ShrU, Rotl, Rotr };
constexpr int kChainOps = 10;
constexpr int kChainImmFirstOps = 8;  // Add..ShrU in WRUN_CHAIN_IMM_PAIRS
constexpr int kChainRegFirstOps = 7;  // the same without RSub in WRUN_CHAIN_REG_PAIRS

enum : uint16_t {
  kImmFirst_ = kBaseIdsEnd - 1,
#define WRUN_ADDR_ID(name) kAddr_##name, kAddr2_##name,
  WRUN_MEMORY_OPS(WRUN_ADDR_ID)
#undef WRUN_ADDR_ID
#define WRUN_IMM_ID(name) kImm_##name,
  WRUN_IMM_BINARY_OPS(WRUN_IMM_ID)
#undef WRUN_IMM_ID
#define WRUN_BR_ID(name, neg, swap) kBrIf_##name, kBrIfImm_##name,
  WRUN_FUSED_COMPARES(WRUN_BR_ID)
#undef WRUN_BR_ID
  kRSubImm32,
  kRSubImm64,
  // Test-and-branch, `br_if (x & imm)` and `br_if (i32.eqz (x & imm))`: a imm rel. Flag tests
  // and alignment checks (`p & 3`) are everywhere in compiled C.
  kBrIfAndZ32,
  kBrIfAndNz32,
  // A masked compare-and-branch, `br_if ((x & mask) == k)` (or !=): a mask k rel. Code that
  // keeps a char in an i32 compares its low byte this way (`(c & 0xff) == '"'`).
  kBrIfAndEqImm32,
  kBrIfAndNeImm32,
  // A range check with a branch, `br_if ((x + c) <u k)` (or >=u): a c k rel. This is how
  // compilers write `lo <= x && x <= hi` (isdigit, isspace, a switch's range test).
  kBrIfAddLtU32,
  kBrIfAddGeU32,
  // Bit-field extract `(x >> shift) & mask`: dst a shift mask (a 32-bit mask field for i32, a
  // 64-bit one at byte 16+8 for i64). Byte extraction in hashing, codecs and compression.
  kShrUAnd32,
  kShrUAnd64,
  // Multiply-add `x * y + c`: dst x y c (dot products, bignum limbs, index arithmetic).
  kMulAdd32,
  kMulAdd64,
  // Step-and-branch: `x + imm` / `x - imm` whose result a br_if/if tests right away, the
  // count-down loop (`while (--n)`): dst a imm rel, branching on a nonzero (Nz) or zero (Z)
  // result, which is still written to dst.
  kAddImmBrNz32,
  kAddImmBrZ32,
  // `x = y + imm; br` (an increment before `continue`): dst a imm rel, always branching.
  kAddImmBr32,
  kSubImmBrNz32,
  kSubImmBrZ32,
  // Loop idioms (lower.cc, recognise_loop_idiom): placed in front of a byte loop, they run
  // the whole loop as one memmove/memset when that is exact, else fall through into it.
  // Copies: d s n t load_offset store_offset body_size; fill: d v n offset body_size.
  kCopyBytesFwd,
  kCopyBytesBwd,
  kFillBytes,
  // Zero scans (lower.cc, recognise_scan_idiom): placed in front of strlen-like loops, they
  // run the loop's iterations natively: p k offset w t k_t body_size.
  kScanZeroWord,
  kScanZeroByte,
  // A direct call that first moves its pending arguments into place (locals and constants
  // the lowering forwarded instead of copying one instruction each):
  //   func args n_locals n_consts, then n_locals (dst src) slot pairs, then n_consts
  //   (dst pad value64) triples (both 8-byte multiples, so no padding between).
  kCallArgs,
  // `br_if`/`if` on whether any byte of an i32 is zero, written the bit-trick way,
  // `(w - 0x01010101) & ~w & 0x80808080` (musl's strlen/strchr/memchr word loops): w rel.
  kBrIfHasZeroByte,
  kBrIfNoZeroByte,
  // `br` right after an i32.const into a slot (`state = K; continue;`, a constant branch
  // value): slot value rel.
  kConstBr,
  // br_table on a sign-extended byte (`switch (c)` on a signed char), same layout as br_table.
  kBrTableS8,
  // The same two when no case carries values and every target is forward (no loop to poll
  // for): the handler just picks the offset (a state machine's `switch` in its loop).
  kBrTableFwd,
  kBrTableFwdS8,
  // A jump that never polls, `rel` (thread.h): a stub's return to the code it was copied
  // from, where the path it stands for took no backward branch.
  kJump,
#define WRUN_LOAD_BR_ID(name) kLoadBrNz_##name, kLoadBrZ_##name, kStepLoadBrNz_##name, kStepLoadBrZ_##name,
  WRUN_BRANCHING_LOADS(WRUN_LOAD_BR_ID)
#undef WRUN_LOAD_BR_ID
#define WRUN_STORE_IMM_ID(name) kStoreImm_##name,
  WRUN_CONST_STORES(WRUN_STORE_IMM_ID)
#undef WRUN_STORE_IMM_ID
  // Accumulator forms of the integer binary instructions (`acc` in exec.cc, a machine
  // register): when one instruction computes a stack temporary that only the next one reads,
  // the value skips the frame: the producer writes acc (W) and the consumer reads its left (RA)
  // or right (RB) operand from it, or both at once in a chain (RAW, RBW). Imm forms have no
  // right operand to read. The frame slot stays in the encoding, unused.
#define WRUN_ACC_ID(name)                                                                    \
  kAccW_##name, kAccRA_##name, kAccRB_##name, kAccRAW_##name, kAccRBW_##name, kAccImmW_##name, \
      kAccImmRA_##name, kAccImmRAW_##name,
  WRUN_IMM_BINARY_OPS(WRUN_ACC_ID)
#undef WRUN_ACC_ID
  // Multiply-add writing acc, or taking its addend c from acc (the "right" operand).
  kAccW_MulAdd32, kAccRB_MulAdd32, kAccRBW_MulAdd32, kAccW_MulAdd64, kAccRB_MulAdd64, kAccRBW_MulAdd64,
#define WRUN_CHAIN_II_ID(op1, op2) kChainII_##op1##_##op2,
  WRUN_CHAIN_IMM_PAIRS(WRUN_CHAIN_II_ID)
#undef WRUN_CHAIN_II_ID
#define WRUN_CHAIN_RI_ID(op1, op2) kChainRI_##op1##_##op2,
  WRUN_CHAIN_REG_PAIRS(WRUN_CHAIN_RI_ID)
#undef WRUN_CHAIN_RI_ID
  kNumInstrIds
};
constexpr uint16_t id_of(Op op) { return static_cast<uint16_t>(op); }

// A lowered function is one allocation (lower.cc, pack_code): this header, the instruction
// stream (num_words 8-byte words) right after it, then the offsets table. A module may have a
// million functions, so the header is kept small and nothing else is allocated per function.
struct Code {
  const uint8_t* entry = nullptr;  // the instruction stream, right after this header
  const DecodedModule* module = nullptr;
  uint32_t func_index = 0;
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;   // params + declared locals
  uint32_t result_slots = 0;
  uint32_t zero_slots = 0;    // declared locals' slots, zeroed on entry
  uint32_t frame_slots = 0;   // highest slot the body can touch (locals + max stack)
  uint32_t num_words = 0;     // length of the instruction stream
  uint32_t num_offsets = 0;

  const uint8_t* start() const { return entry; }
  // (byte position in the stream, module offset of the wasm instruction), ascending.
  std::span<const std::pair<uint32_t, uint32_t>> offsets() const {
    return {reinterpret_cast<const std::pair<uint32_t, uint32_t>*>(entry + size_t{num_words} * 8),
            num_offsets};
  }
  uint32_t module_offset_at(const uint8_t* ip) const;
};

// The fuel of a call (exec.cc): one unit, as for a loop iteration, plus one per 64 declared
// local slots it zeroes, so that calling a function of 100,000 locals (800 KB to clear) in a
// loop is not as cheap as calling an empty one. Functions with fewer than 64 declared local
// slots, nearly all of them, pay the one unit. Computed only when fuel is metered.
constexpr uint32_t kZeroSlotsPerFuel = 64;
inline uint64_t call_fuel(const Code& callee) { return 1 + callee.zero_slots / kZeroSlotsPerFuel; }

// The handler word stored for an instruction id (label address or id, per dispatch mode).
uint64_t handler_word(uint16_t id);

}  // namespace wrun::interp
