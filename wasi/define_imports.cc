// define_imports: turns each entry of WRUN_WASI_FUNCTIONS into a host function. The wasm type
// comes from the C++ parameter types, and one adapter unpacks the arguments.
#include <tuple>

#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

constexpr const char* kModule = "wasi_snapshot_preview1";

template <class T>
constexpr ValType wasm_type() {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  return sizeof(T) == 4 ? ValType::I32 : ValType::I64;
}

template <class T>
T from_val(const Val& v) {
  if constexpr (sizeof(T) == 4) {
    return static_cast<T>(static_cast<uint32_t>(v.i32()));
  } else {
    return static_cast<T>(static_cast<uint64_t>(v.i64()));
  }
}

template <auto F>
struct Adapter;

template <class... A, Errno (*F)(Call&, A...)>
struct Adapter<F> {
  static FuncType type() { return FuncType{{wasm_type<A>()...}, {ValType::I32}}; }

  static HostCallback callback(ContextImpl& ctx) {
    return [&ctx](Caller& caller, std::span<const Val> args,
                  std::span<Val> results) -> std::optional<Trap> {
      Call call(ctx, caller);
      Errno e = invoke(call, args, std::index_sequence_for<A...>{});
      results[0] = Val::i32(static_cast<int32_t>(e));
      return std::nullopt;
    };
  }

  template <size_t... I>
  static Errno invoke(Call& call, std::span<const Val> args, std::index_sequence<I...>) {
    (void)args;  // unused by functions without parameters
    return F(call, from_val<A>(args[I])...);
  }
};

}  // namespace

std::vector<std::pair<std::string, FuncType>> import_signatures() {
  std::vector<std::pair<std::string, FuncType>> out;
#define WRUN_X(name, ...) out.emplace_back(#name, Adapter<&name>::type());
  WRUN_WASI_FUNCTIONS(WRUN_X)
#undef WRUN_X
  out.emplace_back("proc_exit", FuncType{{ValType::I32}, {}});
  return out;
}

void define_imports(Linker& linker, Context& context) {
  ContextImpl& ctx = ContextImpl::of(context);
  Store& store = linker.store();
#define WRUN_X(name, ...)       \
  linker.define(kModule, #name, \
                Func::host(store, Adapter<&name>::type(), Adapter<&name>::callback(ctx)));
  WRUN_WASI_FUNCTIONS(WRUN_X)
#undef WRUN_X
  linker.define(kModule, "proc_exit",
                Func::host(store, FuncType{{ValType::I32}, {}},
                           [&ctx](Caller& caller, std::span<const Val> args,
                                  std::span<Val>) -> std::optional<Trap> {
                             Call call(ctx, caller);
                             return proc_exit(call, static_cast<uint32_t>(args[0].i32()));
                           }));
}

}  // namespace wrun::wasi
