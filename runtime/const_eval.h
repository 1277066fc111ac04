// Evaluation of constant expressions (global initialisers, segment offsets and elements).
#pragma once

#include <optional>
#include <span>

#include "decoder/module.h"
#include "runtime/store.h"

namespace wrun::rt {

// The value of a constant expression (t.const, ref.null, ref.func, global.get, and the
// extended-const i32/i64 add/sub/mul) over an instance's functions and globals so far;
// nullopt if it is not constant, is ill-typed or names something that does not exist.
struct ConstValue {
  ValType type = ValType::I32;
  Slot bits[2] = {0, 0};
};
std::optional<ConstValue> eval_const_expr(const ConstExpr& expr, std::span<FuncInst* const> funcs,
                                          std::span<GlobalInst* const> globals);

}  // namespace wrun::rt
