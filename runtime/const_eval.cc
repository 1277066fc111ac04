// Evaluation of constant expressions (global initialisers, segment offsets and elements).
#include <vector>

#include "runtime/const_eval.h"

namespace wrun::rt {

namespace {

ConstValue make(ValType t, Slot lo, Slot hi = 0) {
  ConstValue v;
  v.type = t;
  v.bits[0] = lo;
  v.bits[1] = hi;
  return v;
}

// The value an instruction that takes no operands pushes (t.const, ref.null, ref.func,
// global.get); nullopt if it is invalid. Sets *leaf to false for any other instruction.
std::optional<ConstValue> eval_leaf(const ConstInstr& in, std::span<FuncInst* const> funcs,
                                    std::span<GlobalInst* const> globals, bool* leaf) {
  *leaf = true;
  switch (in.op) {
    case Op::I32Const:
      return make(ValType::I32, static_cast<uint32_t>(in.imm));
    case Op::I64Const:
      return make(ValType::I64, in.imm);
    case Op::F32Const:
      return make(ValType::F32, static_cast<uint32_t>(in.imm));
    case Op::F64Const:
      return make(ValType::F64, in.imm);
    case Op::V128Const:
      return make(ValType::V128, in.imm, in.imm_hi);
    case Op::RefNull: {
      const auto t = static_cast<ValType>(static_cast<uint8_t>(in.imm));
      if (in.imm > 0xFF || !is_ref_type(t)) return std::nullopt;
      return make(t, 0);
    }
    case Op::RefFunc:
      if (in.imm >= funcs.size() || funcs[in.imm] == nullptr) return std::nullopt;
      return make(ValType::FuncRef, reinterpret_cast<uintptr_t>(funcs[in.imm]));
    case Op::GlobalGet: {
      if (in.imm >= globals.size() || globals[in.imm] == nullptr) return std::nullopt;
      const GlobalInst& g = *globals[in.imm];
      return make(g.type.type, g.value[0], g.value[1]);
    }
    default:
      *leaf = false;
      return std::nullopt;
  }
}

}  // namespace

std::optional<ConstValue> eval_const_expr(const ConstExpr& expr, std::span<FuncInst* const> funcs,
                                          std::span<GlobalInst* const> globals) {
  bool leaf = false;
  // Nearly every expression is one instruction (each element of a segment is one): no stack.
  if (expr.instrs.size() == 1) return eval_leaf(expr.instrs[0], funcs, globals, &leaf);
  std::vector<ConstValue> stack;
  auto pop2 = [&](ValType t, Slot& a, Slot& b) {
    if (stack.size() < 2 || stack[stack.size() - 1].type != t || stack[stack.size() - 2].type != t)
      return false;
    b = stack.back().bits[0];
    stack.pop_back();
    a = stack.back().bits[0];
    stack.pop_back();
    return true;
  };
  for (const ConstInstr& in : expr.instrs) {
    if (auto v = eval_leaf(in, funcs, globals, &leaf)) {
      stack.push_back(*v);
      continue;
    }
    if (leaf) return std::nullopt;
    Slot a = 0, b = 0;
    switch (in.op) {
      // Wrapping arithmetic on unsigned values (no signed overflow).
      case Op::I32Add:
      case Op::I32Sub:
      case Op::I32Mul: {
        if (!pop2(ValType::I32, a, b)) return std::nullopt;
        const uint32_t x = static_cast<uint32_t>(a), y = static_cast<uint32_t>(b);
        const uint32_t r = in.op == Op::I32Add ? x + y : in.op == Op::I32Sub ? x - y : x * y;
        stack.push_back(make(ValType::I32, r));
        break;
      }
      case Op::I64Add:
      case Op::I64Sub:
      case Op::I64Mul: {
        if (!pop2(ValType::I64, a, b)) return std::nullopt;
        const uint64_t r = in.op == Op::I64Add ? a + b : in.op == Op::I64Sub ? a - b : a * b;
        stack.push_back(make(ValType::I64, r));
        break;
      }
      default:
        return std::nullopt;
    }
  }
  if (stack.size() != 1) return std::nullopt;
  return stack.back();
}

}  // namespace wrun::rt
