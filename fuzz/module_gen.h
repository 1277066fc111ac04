// A structure-aware generator for fuzz_generated_run: turns arbitrary bytes into a VALID
// WebAssembly 2.0 module binary (no SIMD). Generation is typed: every expression is produced
// for a wanted type, every branch carries its label's types, so the result validates by
// construction; a module that does not validate is a generator bug (or an engine bug).
//
// What it covers: several function types (multi-value), imported and defined functions,
// globals, a memory (sometimes imported) and a funcref + externref table, active / passive /
// declarative element segments, active / passive data segments, a start function, a name
// section; in bodies: block / loop / if with block types (params and results), br, br_if,
// br_table, return, locals, every numeric instruction of the opcode table (arithmetic,
// comparisons, conversions), loads and stores, memory.size / grow, bulk memory and table
// instructions, global.get / set, call, call_indirect, select (both forms), ref.null /
// ref.is_null / ref.func, table.get / set / size / grow / fill.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace wrun::fuzz {

// Deterministic: the same bytes give the same module. When the bytes run out every choice
// takes its simplest option, so generation always ends and small inputs give small modules.
std::vector<uint8_t> generate_module(std::span<const uint8_t> data);

// Writes a module to `path` (best effort), for looking at a generated module with wasm2wat.
void dump_module(const char* path, std::span<const uint8_t> wasm);

}  // namespace wrun::fuzz
