#include "spectest/host_module.h"

#include <cstdio>
#include <string>
#include <vector>

#include "spectest/values.h"

namespace wrun::spectest {
namespace {

Func print_func(Store& store, std::string name, std::vector<ValType> params, bool verbose) {
  FuncType type{std::move(params), {}};
  return Func::host(store, type,
                    [name = std::move(name), verbose](Caller&, std::span<const Val> args,
                                                      std::span<Val>) -> std::optional<Trap> {
                      if (verbose) {
                        std::string line = "spectest." + name + std::string(" ") +
                                           to_string(std::vector<Val>(args.begin(), args.end()));
                        std::printf("%s\n", line.c_str());
                      }
                      return std::nullopt;
                    });
}

}  // namespace

void define_spectest_module(Linker& linker, bool verbose) {
  Store& store = linker.store();
  const std::string m = "spectest";
  using T = ValType;
  linker.define(m, "print", print_func(store, "print", {}, verbose));
  linker.define(m, "print_i32", print_func(store, "print_i32", {T::I32}, verbose));
  linker.define(m, "print_i64", print_func(store, "print_i64", {T::I64}, verbose));
  linker.define(m, "print_f32", print_func(store, "print_f32", {T::F32}, verbose));
  linker.define(m, "print_f64", print_func(store, "print_f64", {T::F64}, verbose));
  linker.define(m, "print_i32_f32", print_func(store, "print_i32_f32", {T::I32, T::F32}, verbose));
  linker.define(m, "print_f64_f64", print_func(store, "print_f64_f64", {T::F64, T::F64}, verbose));

  linker.define(m, "global_i32", *Global::create(store, {T::I32, false}, Val::i32(666)));
  linker.define(m, "global_i64", *Global::create(store, {T::I64, false}, Val::i64(666)));
  linker.define(m, "global_f32", *Global::create(store, {T::F32, false}, Val::f32(666.6f)));
  linker.define(m, "global_f64", *Global::create(store, {T::F64, false}, Val::f64(666.6)));

  linker.define(m, "table",
                *Table::create(store, TableType{T::FuncRef, Limits{10, 20}}, Val::funcref_null()));
  linker.define(m, "memory", *Memory::create(store, MemoryType{Limits{1, 2}}));
}

}  // namespace wrun::spectest
