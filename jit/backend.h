// The interface between the JIT's one frontend (frontend.cc, driven by the validator's walker)
// and its per-ISA backends (x64/). The frontend knows WebAssembly: control frames, branch
// values, calls, which functions it can compile. A backend knows one instruction set: it emits
// code for an abstract machine whose state is
//   - a frame of 8-byte slots numbered as the walker numbers them (locals, then the operand
//     stack; v128 takes two), private to the function's activation,
//   - the instance context (runtime/instance_context.h) of the running instance,
//   - labels, bound once and jumped to any number of times.
// Every method that takes an Op may answer false ("not this one"): the frontend then leaves
// the whole function to the interpreter, so coverage can grow one instruction at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "decoder/opcodes.h"
#include "jit/runtime_calls.h"
#include "runtime/code_registry.h"
#include "runtime/instance_context.h"
#include "validator/func_walker.h"
#include "wrun/trap.h"
#include "wrun/types.h"

namespace wrun::jit {

using Label = uint32_t;

// Thrown by a backend that cannot compile a valid function (out of registers in one
// instruction, an assembler error): a bug or limit of the backend, never of the module, so
// the function is left to the interpreter (jit.cc) instead of failing the module.
struct BackendLimit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One local as the prologue sees it: where it lives in the frame, and how much the body
// uses it (uses inside loops count more), so that a backend can keep the heaviest locals in
// registers for the whole function.
struct LocalInfo {
  uint32_t slot = 0;
  ValType type = ValType::I32;
  uint32_t weight = 0;  // 0 exactly when no instruction names the local
};

// What a function's prologue must know (its frame's size comes at the end, with finish).
struct FrameShape {
  uint32_t func_index = 0;
  const FuncType* type = nullptr;
  uint32_t param_slots = 0;       // copied in from the argument array
  uint32_t local_slots = 0;       // params + declared locals (declared ones start at zero)
  uint32_t result_slots = 0;      // copied out to the argument array on return
  std::vector<LocalInfo> locals;  // params first, in index order
  // The calls the body makes, weighed as LocalInfo::weight weighs uses: a local kept in a
  // register a call does not preserve is saved and restored around each of them.
  uint32_t call_weight = 0;
};

// A function's code, position independent (it reaches helpers and other functions only
// through absolute addresses it loads), with its trap sites relative to its start.
struct FunctionCode {
  std::vector<uint8_t> bytes;
  std::vector<rt::TrapSite> sites;
  // Direct calls to functions of the same module: each goes through the runtime until linked
  // (link_call) to the callee's code, once the module's layout shows it has some.
  struct Call {
    uint32_t at;    // where the call's target is encoded
    uint32_t func;  // the callee's function index
    // Arguments in registers: the call must be linked (to the callee's body or its adapter);
    // otherwise it reaches a stub that goes through the runtime until linked.
    bool registers = false;
  };
  std::vector<Call> calls;
  // Where direct calls from the module's own code enter (Backend::call): past the array-call
  // entry when the backend passes this function's arguments in registers.
  uint32_t body_at = 0;
  // Where the out-of-line code (trap and call stubs, the shared exits) and then the data
  // (jump tables, constants) start.
  uint32_t stubs_at = 0;
  uint32_t data_at = 0;
  // Only when the frontend is asked for it (listings): where each wasm instruction's code
  // starts, in order.
  struct SourceMark {
    uint32_t code;  // offset in bytes
    uint32_t wasm;  // module offset of the instruction
    Op op;
  };
  std::vector<SourceMark> marks;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // How many bytes of code the function has so far.
  virtual uint32_t code_size() const = 0;

  virtual Label new_label() = 0;
  virtual void bind(Label label) = 0;

  // Saves what the native convention requires, makes the frame, checks the native stack
  // (a "call stack exhausted" trap), copies the parameters in and zeroes the declared locals.
  virtual void prologue(const FrameShape& frame) = 0;
  // Copies result_slots slots from `src` to the argument array and returns normally.
  virtual void ret(uint32_t src) = 0;
  // Checks the store's poll word (fuel, interrupts) and, when it is set, charges `units` of
  // fuel (runtime_calls.h says how much what costs); `offset` is the wasm module offset.
  virtual void poll(uint32_t offset, uint32_t units) = 0;
  virtual void trap(TrapKind kind, uint32_t offset) = 0;

  // Before each instruction: after it, only slots below `height` (and what it writes) are
  // read again; its own operands may lie above. A backend that keeps values in registers
  // never writes dead slots back to the frame.
  virtual void live_below(uint32_t height) = 0;

  // Copies one value of `type` (v128: two slots).
  virtual void copy(uint32_t dst, uint32_t src, ValType type) = 0;
  // Moves `slots` slots of values of any types down the frame (dst < src) as one copy: for
  // branches carrying many values, whose code must not grow with their number.
  virtual void move_slots(uint32_t dst, uint32_t src, uint32_t slots) = 0;
  virtual void constant(uint32_t dst, uint64_t bits) = 0;
  virtual void jump(Label target) = 0;
  // Jumps to target when the i32 in `cond` is non-zero (or zero, when if_zero).
  virtual void branch(uint32_t cond, bool if_zero, Label target) = 0;
  // Jumps to targets[i32 in index], or to fallback when it is out of range.
  virtual void branch_table(uint32_t index, std::span<const Label> targets, Label fallback) = 0;
  virtual void select(ValType type, uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) = 0;

  // Unary ops take `a` only; offset is the module offset, for traps.
  virtual bool numeric(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t offset) = 0;
  virtual bool load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) = 0;
  virtual bool store(Op op, const MemArg& m, uint32_t addr, uint32_t value, uint32_t offset) = 0;
  virtual void memory_size(uint32_t memory, uint32_t dst) = 0;

  virtual void global_get(uint32_t global, ValType type, uint32_t dst) = 0;
  virtual void global_set(uint32_t global, ValType type, uint32_t src) = 0;

  // The reference and table instructions compiled inline: ref.is_null (of a), ref.func
  // (`index` the function), table.get (the i32 index a), table.set (index a, reference b) and
  // table.size, `index` the table. table.get/set check the index against the table's size
  // ("out of bounds table access" at module offset `offset`).
  virtual bool reference(Op op, uint32_t index, uint32_t dst, uint32_t a, uint32_t b,
                         uint32_t offset) = 0;
  // Calls a runtime helper of the RuntimeFn shape (runtime_calls.h: the bulk memory and table
  // instructions) with imm0, imm1 and the address of the frame slots at `args`, whose operands
  // it reads from there and to whose first slot it may write a result: the frontend keeps the
  // operands live (they must be in the frame) and a result is read back from the frame. The
  // helper returns 1 with a trap pending, which unwinds this frame (stopped at `offset`).
  virtual void call_runtime(RuntimeFn fn, uint32_t imm0, uint32_t imm1, uint32_t args,
                            uint32_t offset) = 0;
  // --- 128-bit SIMD: a v128 is two slots, its low half first. A backend without the vector
  // instructions it needs refuses (false) every one of these but the moves: select, globals.
  virtual bool simd_const(uint32_t dst, uint64_t lo, uint64_t hi) = 0;
  // Every v128 instruction without immediates: unary ones read a, binary ones a and b,
  // v128.bitselect a, b and the mask c; a splat reads a scalar, a shift its count from b;
  // any_true, all_true and bitmask write an i32.
  virtual bool simd_op(Op op, uint32_t dst, uint32_t a, uint32_t b, uint32_t c) = 0;
  // extract_lane reads a; replace_lane reads a and the scalar in b.
  virtual bool simd_lane(Op op, uint32_t lane, uint32_t dst, uint32_t a, uint32_t b) = 0;
  // i8x16.shuffle: lanes 0-15 pick a's bytes, 16-31 b's.
  virtual bool simd_shuffle(const std::array<uint8_t, 16>& lanes, uint32_t dst, uint32_t a,
                            uint32_t b) = 0;
  // v128.load and its extending, splatting and zero-filling forms; v128.store.
  virtual bool simd_load(Op op, const MemArg& m, uint32_t dst, uint32_t addr, uint32_t offset) = 0;
  virtual bool simd_store(Op op, const MemArg& m, uint32_t addr, uint32_t value,
                          uint32_t offset) = 0;
  // v128.loadN_lane (the v128 in vec with one lane from memory) and v128.storeN_lane.
  virtual bool simd_load_lane(Op op, const MemArg& m, uint32_t lane, uint32_t dst, uint32_t addr,
                              uint32_t vec, uint32_t offset) = 0;
  virtual bool simd_store_lane(Op op, const MemArg& m, uint32_t lane, uint32_t addr, uint32_t vec,
                               uint32_t offset) = 0;
  // select, global.get and global.set of a v128 (copy() moves v128s already).
  virtual void simd_select(uint32_t dst, uint32_t a, uint32_t b, uint32_t cond) = 0;
  virtual void simd_global_get(uint32_t global, uint32_t dst) = 0;
  virtual void simd_global_set(uint32_t global, uint32_t src) = 0;

  // Calls function `func` (of type `type`) of the instance with its arguments (and then its
  // results) at `args`. A backend may pass them in registers to a function of this module
  // (the callee's own code, or its adapter() when the interpreter runs it).
  virtual void call(uint32_t func, const FuncType& type, uint32_t args, uint32_t offset) = 0;
  // call_indirect through `table` with the i32 at `index`, checking the callee's canonical type
  // against the module type `type`'s.
  virtual void call_indirect(uint32_t type, const FuncType& sig, uint32_t table, uint32_t index,
                             uint32_t args, uint32_t offset) = 0;

  // The function's code, its frame holding frame_slots slots (the highest the body touched);
  // no method may be called after.
  virtual FunctionCode finish(uint32_t frame_slots) = 0;

  // Instead of compiling function `func` (of type `type`), which the interpreter runs: the
  // code direct calls from this module's code link to, when this backend passes arguments of
  // this type in registers (it calls the function through the runtime); otherwise nothing
  // (such calls go through the runtime by themselves). No other method may be called.
  virtual std::optional<FunctionCode> adapter(uint32_t func, const FuncType& type) = 0;
};

// Points the direct call encoded at code[at] to code[target].
void link_call(std::span<uint8_t> code, uint32_t at, uint32_t target);

// The host ISA's disassembly of `code` (placed at `address`) as text, one instruction a line,
// with each mark's wasm offset and instruction before the code it starts; the stubs and the
// data are labelled as such. Empty where this build has no disassembler.
std::string disassemble(const FunctionCode& code, uint64_t address);

// The machine code C++ calls generated code through: `uint32_t enter(ctx, args, fn)` calls the
// NativeFn fn, keeping every register the C convention says a callee keeps (generated
// functions keep only some: within one instance they share the context's registers).
std::vector<uint8_t> make_host_entry();

// The backend for the machine this was built for, for one function of a module whose
// instances' contexts have `layout`.
std::unique_ptr<Backend> make_host_backend(const rt::ContextLayout& layout,
                                           uint32_t num_imported_funcs, bool has_memory);

}  // namespace wrun::jit
