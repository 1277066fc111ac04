// The portable interpreter: lowers validated function bodies to compact internal code and
// runs it. See interp/README.md for the execution design.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "decoder/module.h"
#include "runtime/store.h"

namespace wrun::interp {

struct Code;  // a lowered function body (interp/code.h)
void destroy_code(Code* code);
struct CodeDeleter {
  void operator()(Code* c) const { destroy_code(c); }
};
using CodePtr = std::unique_ptr<Code, CodeDeleter>;

// Validates the body of defined function `func_index` (an index into the function index
// space, so imports come first) and lowers it. Throws DecodeError on malformed or invalid code.
// `validate_module` must have accepted the module first.
CodePtr compile_function(const DecodedModule& module, uint32_t func_index);
// The same with C.refs (validator.h: declared_func_refs) computed once for the whole module;
// `optimize` false lowers plainly (EngineConfig::optimize_interp_code). `work`, if given,
// receives the steps lowering took (instructions emitted plus entries of earlier state it
// revisited), which tests use to check that lowering cost grows linearly with the body.
CodePtr compile_function(const DecodedModule& module, uint32_t func_index,
                         const std::vector<bool>& declared_refs, bool optimize = true,
                         uint64_t* work = nullptr);

// A readable listing of lowered code (one instruction a line: position, name, operand words),
// for debugging the lowering and studying hot loops.
std::string disassemble(const Code& code);

// The interpreter's entry (rt::ArrayCall), FuncInst::entry of every function it compiled
// (FuncInst::code is then its Code): runs func with its arguments in slots[0..param_slots)
// and writes the results to slots[0..result_slots). `caller` is not needed.
std::optional<Trap> array_call(rt::Store& store, rt::FuncInst* func, rt::Instance* caller, rt::Slot* slots);

}  // namespace wrun::interp
