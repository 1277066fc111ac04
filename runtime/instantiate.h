// The WebAssembly 2.0 instantiation algorithm over the runtime's objects, and the spec's
// import matching. Executor-neutral: a compiled module's functions carry their own entries,
// and the start function is called through its entry.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "decoder/module.h"
#include "runtime/compiled_module.h"
#include "runtime/store.h"
#include "wrun/trap.h"

namespace wrun::rt {

// An import's value: a FuncInst*, TableInst*, MemoryInst* or GlobalInst* as kind says.
struct ResolvedImport {
  ExternKind kind = ExternKind::Func;
  void* object = nullptr;
};

// Why `actual` cannot be used for `import` of `module` (the spec's import matching: equal
// function types, limits subtyping for tables and memories, equal global types), or nullopt.
std::optional<std::string> import_mismatch(const DecodedModule& module, const Import& import,
                                           const ResolvedImport& actual);
// `"module" "name"` of an import for messages, both escaped (escape_name).
std::string import_text(const Import& import);

// Why instantiation failed: linking (an import does not match, the module is malformed) or a
// trap while initialising (a segment out of bounds, the start function trapped).
struct InstantiateFailure {
  enum class Stage { Link, Trap } stage = Stage::Link;
  std::string message;
  std::optional<Trap> trap;  // Stage::Trap
};

// The spec's instantiation algorithm with one resolved import per import of the module, in
// import order, all owned by `store`: import matching, allocation (everything goes into
// `store`), element and data segment initialisation, then the start function. The instance
// belongs to the store; after a trap while initialising it stays there (its functions may
// already be in shared tables).
std::variant<Instance*, InstantiateFailure> instantiate(Store& store,
                                                        std::shared_ptr<const CompiledModule> module,
                                                        std::span<const ResolvedImport> imports);

}  // namespace wrun::rt
