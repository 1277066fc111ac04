// Implementation limits on a module's structure, all in one place.
//
// The core spec lets an implementation pick any limits. These are the exact ones of the
// WebAssembly JS API (https://webassembly.github.io/spec/js-api/#limits), which V8,
// SpiderMonkey and Wasmtime's parser also enforce, so a module that loads in a browser loads
// here and one that is refused there is refused here. They bound how much memory a module
// can make the engine allocate for every few bytes it contains.
//
// Enforced by the decoder as it reads each count, before anything is allocated for it, with
// "too many <things>: N (limit L)"; the table size is a validation rule (validator/), so that
// a table whose minimum exceeds its maximum keeps the spec's message.
#pragma once

#include <cstdint>

namespace wrun::limits {

constexpr uint64_t kModuleBytes = uint64_t{1} << 30;  // 1 GiB
constexpr uint32_t kTypes = 1'000'000;
constexpr uint32_t kImports = 1'000'000;
constexpr uint32_t kExports = 1'000'000;
// Counted over the whole index space, imports included, as V8 and Wasmtime do (the JS API
// says "defined" for functions and globals, "including imported" for tables and memories).
constexpr uint32_t kFunctions = 1'000'000;
constexpr uint32_t kGlobals = 1'000'000;
constexpr uint32_t kTables = 100'000;
constexpr uint32_t kMemories = 100;
constexpr uint32_t kDataSegments = 100'000;
// Not in the JS API's list: V8 bounds the element segment count by its table size limit.
constexpr uint32_t kElemSegments = 10'000'000;
// Table entries in any table initialisation: elements of one element segment.
constexpr uint32_t kElemSegmentEntries = 10'000'000;
// A table's minimum size (a maximum above it is allowed; growth stops at the limit at run
// time, runtime/table.cc).
constexpr uint32_t kTableSize = 10'000'000;
constexpr uint32_t kParams = 1'000;                 // of a function type, hence of any block too
constexpr uint32_t kResults = 1'000;                // of a function type, hence of any block too
constexpr uint32_t kFunctionBodyBytes = 7'654'321;  // including the local declarations
constexpr uint32_t kLocals = 50'000;                // including the parameters

// Not in the JS API's list, and checked by the function walker (validator/func_walker.h), not
// the decoder: the slots (8 bytes each, two for a v128) of one function's frame, its locals
// and the highest its operand stack reaches. A 2-byte `call` of a function with 1000 results
// pushes 1000 operands, so without a bound a 21 KB body would make validation and lowering
// keep 10 million operands (hundreds of MB) and an interpreter frame of 80 MB. 2^20 slots is
// an 8 MiB frame, far above what compilers emit (the locals alone stay under 100,000 slots)
// and still fits the interpreter's value stack (EngineConfig::value_stack_slots, 2^22).
// "function frame too large: more than 1048576 slots of locals and operands".
constexpr uint32_t kFrameSlots = 1u << 20;

}  // namespace wrun::limits
