// Module: decode -> validate -> compile every function body (the JIT when asked for, the
// interpreter's lowering for the rest).
#include <algorithm>
#include <exception>

#include "decoder/limits.h"
#include "decoder/reader.h"
#include "engine/internal.h"
#include "interp/interp.h"
#include "jit/jit.h"
#include "validator/validator.h"

namespace wrun {

static_assert(Module::kMaxBytes == limits::kModuleBytes, "the public limit is the decoder's");

Result<Module> Module::compile(Engine& engine, std::span<const uint8_t> bytes) {
  DecodeResult decoded;
  try {
    decoded = decode_module(bytes);
  } catch (const DecodeError& e) {
    return Result<Module>::failure(e.error.to_string());
  } catch (const std::exception& e) {
    return Result<Module>::failure(
        Error{std::string("cannot decode module: ") + e.what(), 0}.to_string());
  }
  if (!decoded.module) return Result<Module>::failure(decoded.error.to_string());
  std::shared_ptr<const DecodedModule> ir = std::move(decoded.module);

  try {
    if (auto err = validate_module(*ir)) return Result<Module>::failure(err->to_string());
  } catch (const DecodeError& e) {
    return Result<Module>::failure(e.error.to_string());
  } catch (const std::exception& e) {
    return Result<Module>::failure(
        Error{std::string("cannot validate module: ") + e.what(), 0}.to_string());
  }
  const size_t num_defined =
      ir->funcs.size() - std::min<size_t>(ir->funcs.size(), ir->num_imported_funcs);
  if (ir->code.size() != num_defined) {
    return Result<Module>::failure(
        Error{"function and code section have inconsistent lengths", 0}.to_string());
  }

  auto compiled = std::make_shared<rt::CompiledModule>();
  compiled->ir = ir;
  compiled->types.reserve(ir->types.size());
  compiled->type_ids.reserve(ir->types.size());
  for (const FuncType& t : ir->types) {
    compiled->types.push_back(rt::intern_func_type(t));
    compiled->type_ids.push_back(compiled->types.back()->id);
  }
  const std::vector<bool> declared_refs = declared_func_refs(*ir);  // once, not per function
  // The JIT first, when asked for: what it cannot compile yet goes to the interpreter.
  jit::ModuleCode native;
  if (engine.config().executor == EngineConfig::Executor::Jit && jit::available()) {
    try {
      jit::CompileOptions options;
      options.threads = engine.config().compile_threads;
      options.perf_map = engine.config().perf_map;
      options.interpret = engine.config().interpret_functions;
      native = jit::compile_module(*ir, declared_refs, options);
    } catch (const DecodeError& e) {
      return Result<Module>::failure(e.error.to_string());
    } catch (const std::exception& e) {
      return Result<Module>::failure(
          Error{std::string("cannot compile module: ") + e.what(), 0}.to_string());
    }
  }
  // Lowered code lives as long as the module, with the JIT's.
  struct Owner {
    std::vector<interp::CodePtr> interp;
    std::shared_ptr<const void> jit;
  };
  auto owner = std::make_shared<Owner>();
  auto* codes = &owner->interp;
  owner->jit = native.owner;
  compiled->needs_guarded_memories = native.compiled > 0;
  codes->reserve(num_defined - native.compiled);
  compiled->funcs.reserve(num_defined);
  for (size_t i = 0; i < num_defined; ++i) {
    const uint32_t func_index = static_cast<uint32_t>(ir->num_imported_funcs + i);
    if (i < native.native.size() && native.native[i]) {
      compiled->funcs.push_back(
          rt::CompiledFunc{native.bodies[i], &jit::array_call, native.native[i]});
      continue;
    }
    try {
      codes->push_back(interp::compile_function(*ir, func_index, declared_refs,
                                                engine.config().optimize_interp_code));
    } catch (const DecodeError& e) {
      return Result<Module>::failure(e.error.to_string());
    } catch (const std::exception& e) {
      return Result<Module>::failure(
          Error{"cannot compile function " + std::to_string(func_index) + ": " + e.what(),
                ir->code[i].body_offset}
              .to_string());
    }
    if (!codes->back()) {
      return Result<Module>::failure(
          Error{"cannot compile function " + std::to_string(func_index), ir->code[i].body_offset}
              .to_string());
    }
    compiled->funcs.push_back(rt::CompiledFunc{codes->back().get(), &interp::array_call});
  }
  compiled->code_owner = std::move(owner);
  return Module(std::move(compiled));
}

std::optional<Error> Module::validate(std::span<const uint8_t> bytes) {
  try {
    DecodeResult decoded = decode_module(bytes);
    if (!decoded.module) return decoded.error;
    return validate_all(*decoded.module);
  } catch (const DecodeError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return Error{std::string("cannot decode module: ") + e.what(), 0};
  }
}

std::vector<ImportDesc> Module::imports() const {
  std::vector<ImportDesc> out;
  if (!compiled_ || !compiled_->ir) return out;
  for (const Import& im : compiled_->ir->imports) out.push_back({im.module, im.name, im.kind});
  return out;
}

std::vector<ExportDesc> Module::exports() const {
  std::vector<ExportDesc> out;
  if (!compiled_ || !compiled_->ir) return out;
  for (const Export& ex : compiled_->ir->exports) out.push_back({ex.name, ex.kind});
  return out;
}

namespace {

// The defined function `func` names: an index, an exported function's name, or a name in
// the name section.
std::optional<uint32_t> find_function(const DecodedModule& m, std::string_view func) {
  if (!func.empty() && func.find_first_not_of("0123456789") == std::string_view::npos) {
    uint64_t index = 0;
    for (char c : func) {
      index = index * 10 + static_cast<uint64_t>(c - '0');
      if (index >= m.funcs.size()) return std::nullopt;
    }
    return static_cast<uint32_t>(index);
  }
  for (const Export& ex : m.exports) {
    if (ex.kind == ExternKind::Func && ex.name == func) return ex.index;
  }
  for (const FuncName& n : m.func_names) {
    if (m.func_name(n.func_index) == func) return n.func_index;
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> Module::listing(std::string_view func) const {
  if (!jit::available()) return Result<std::string>::failure("no JIT backend for this machine");
  const DecodedModule& m = *compiled_->ir;
  std::optional<uint32_t> only;
  if (!func.empty()) {
    only = find_function(m, func);
    if (!only) return Result<std::string>::failure("no function " + escape_name(func));
    if (*only < m.num_imported_funcs) {
      return Result<std::string>::failure("function " + escape_name(func) +
                                          " is imported: it has no code here");
    }
  }
  try {
    return jit::listing(m, declared_func_refs(m), only);
  } catch (const std::exception& e) {
    return Result<std::string>::failure(std::string("cannot compile module: ") + e.what());
  }
}

}  // namespace wrun
