// The spec's import matching (external type subtyping), and imports as messages name them.
#include "runtime/instantiate.h"

namespace wrun::rt {

namespace {

std::string limits_text(const Limits& l) {
  return "{min " + std::to_string(l.min) +
         (l.max ? ", max " + std::to_string(*l.max) : std::string()) + "}";
}

// actual <= expected: at least as large initially, and bounded at least as tightly.
bool limits_match(const Limits& actual, const Limits& expected) {
  if (actual.min < expected.min) return false;
  if (!expected.max) return true;
  return actual.max && *actual.max <= *expected.max;
}

}  // namespace

std::string import_text(const Import& import) {
  return "\"" + escape_name(import.module) + "\" \"" + escape_name(import.name) + "\"";
}

std::optional<std::string> import_mismatch(const DecodedModule& module, const Import& import,
                                           const ResolvedImport& actual) {
  if (actual.kind != import.kind) {
    return std::string("expected ") + extern_kind_name(import.kind) + ", got " +
           extern_kind_name(actual.kind);
  }
  switch (import.kind) {
    case ExternKind::Func: {
      if (import.func_type >= module.types.size()) return std::string("unknown type");
      const FuncType& want = module.types[import.func_type];
      const FuncInst* f = static_cast<const FuncInst*>(actual.object);
      if (f == nullptr) return std::string("null function");
      if (*f->type != want) {
        return "expected func " + func_type_to_string(want) + ", got func " +
               func_type_to_string(*f->type);
      }
      return std::nullopt;
    }
    case ExternKind::Table: {
      const TableInst* t = static_cast<const TableInst*>(actual.object);
      if (t == nullptr) return std::string("null table");
      const Limits have{t->elems.size(), t->type.limits.max};
      if (t->type.elem != import.table.elem) {
        return std::string("expected table of ") + val_type_name(import.table.elem) +
               ", got table of " + val_type_name(t->type.elem);
      }
      if (!limits_match(have, import.table.limits)) {
        return "expected table limits " + limits_text(import.table.limits) + ", got " +
               limits_text(have);
      }
      return std::nullopt;
    }
    case ExternKind::Memory: {
      const MemoryInst* m = static_cast<const MemoryInst*>(actual.object);
      if (m == nullptr) return std::string("null memory");
      const Limits have{m->pages(), m->type.limits.max};
      if (!limits_match(have, import.memory.limits)) {
        return "expected memory limits " + limits_text(import.memory.limits) + ", got " +
               limits_text(have);
      }
      return std::nullopt;
    }
    case ExternKind::Global: {
      const GlobalInst* g = static_cast<const GlobalInst*>(actual.object);
      if (g == nullptr) return std::string("null global");
      if (g->type.type != import.global.type || g->type.mut != import.global.mut) {
        auto text = [](const GlobalType& t) {
          return std::string(t.mut ? "mut " : "const ") + val_type_name(t.type);
        };
        return "expected global " + text(import.global) + ", got global " + text(g->type);
      }
      return std::nullopt;
    }
  }
  return std::string("unknown import kind");
}

}  // namespace wrun::rt
