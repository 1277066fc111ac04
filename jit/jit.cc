// Compiling a module's functions into one block of code memory, and entering that code
// (jit.h).
#include "jit/jit.h"

#include <algorithm>

#include "jit/backend.h"
#include "jit/code_memory.h"
#include "jit/frontend.h"
#include "jit/native_abi.h"
#include "jit/runtime_calls.h"
#include "runtime/backtrace.h"
#include "runtime/fault_trap.h"
#include "runtime/instance_context.h"

namespace wrun::jit {

namespace {

// The code of one module: what CompiledModule::code_owner keeps alive, and the cookie of its
// registered range (a fault's pc is mapped back to its function here).
struct JitModule {
  std::shared_ptr<const DecodedModule> keep;  // func names for backtraces
  const DecodedModule* module = nullptr;
  std::unique_ptr<CodeMemory> memory;
  std::vector<std::pair<uint32_t, uint32_t>> starts;  // (code offset, function index), ascending

  uint32_t func_at(const void* pc) const {
    const auto off = static_cast<uint32_t>(static_cast<const uint8_t*>(pc) - memory->begin());
    auto it = std::upper_bound(starts.begin(), starts.end(), std::make_pair(off, UINT32_MAX));
    return it == starts.begin() ? 0 : std::prev(it)->second;
  }
};

// How C++ enters generated code (make_host_entry): made once, kept for the process (static
// destruction would race the code registry's own).
using EnterFn = uint32_t (*)(uint8_t* ctx, rt::Slot* args, const void* fn);
EnterFn host_entry() {
  static const CodeMemory* const code = [] {
    const std::vector<uint8_t> bytes = make_host_entry();
    return CodeMemory::create(bytes, {}, nullptr).release();
  }();
  return reinterpret_cast<EnterFn>(const_cast<uint8_t*>(code->begin()));
}

}  // namespace

bool available() {
#if defined(__x86_64__)
  return true;
#else
  return false;
#endif
}

ModuleCode compile_module(const DecodedModule& module, const std::vector<bool>& declared_refs) {
  ModuleCode out;
  const size_t first = module.num_imported_funcs;
  const size_t defined = module.funcs.size() - first;
  out.native.assign(defined, nullptr);
  if (!available()) return out;
  const rt::ContextLayout layout(
      static_cast<uint32_t>(module.memories.size()), static_cast<uint32_t>(module.tables.size()),
      static_cast<uint32_t>(module.funcs.size()), static_cast<uint32_t>(module.global_types.size()),
      static_cast<uint32_t>(module.types.size()));
  auto jm = std::make_shared<JitModule>();
  jm->module = &module;
  std::vector<uint8_t> code;
  std::vector<rt::TrapSite> sites;
  std::vector<uint32_t> offsets(defined, UINT32_MAX);
  std::vector<std::pair<uint32_t, FunctionCode::Call>> calls;  // (caller's start, call)
  for (size_t i = 0; i < defined; ++i) {
    const auto func_index = static_cast<uint32_t>(first + i);
    auto backend = make_host_backend(layout, module.num_imported_funcs, !module.memories.empty());
    std::string missing;
    std::optional<FunctionCode> fc;
    try {
      fc = compile_function(module, func_index, declared_refs, *backend, &missing);
    } catch (const BackendLimit& e) {
      missing = e.what();
    }
    if (!fc) {
      out.interpreted.emplace_back(func_index, std::move(missing));
      continue;
    }
    code.resize((code.size() + 15) & ~size_t{15}, 0xCC);  // int3 between functions
    const auto start = static_cast<uint32_t>(code.size());
    code.insert(code.end(), fc->bytes.begin(), fc->bytes.end());
    for (const FunctionCode::Call& c : fc->calls) calls.emplace_back(start, c);
    for (rt::TrapSite s : fc->sites) {
      s.offset += start;
      sites.push_back(s);
    }
    offsets[i] = start;
    jm->starts.emplace_back(start, func_index);
  }
  if (jm->starts.empty()) return out;
  for (const auto& [caller, call] : calls) {
    if (offsets[call.func - first] != UINT32_MAX)
      link_call(code, caller + call.at, offsets[call.func - first]);
  }
  jm->memory = CodeMemory::create(code, sites, jm.get());
  for (size_t i = 0; i < defined; ++i) {
    if (offsets[i] != UINT32_MAX) {
      out.native[i] = jm->memory->begin() + offsets[i];
      ++out.compiled;
    }
  }
  out.owner = std::move(jm);
  return out;
}

std::optional<Trap> array_call(rt::Store& store, rt::FuncInst* func, rt::Instance*,
                               rt::Slot* slots) {
  const EnterFn enter = host_entry();
  auto* ctx = const_cast<uint8_t*>(func->instance->context->data());
  uint32_t status = 0;
  ++store.call_depth;
  // The prologue charges a call's whole fuel and stops for interrupts; an entry from the host
  // pays one unit less and does not stop, as the interpreter's entry (runtime_calls.h). Its
  // prologue polls only while the poll word is set. A fault skips the epilogues that count
  // JIT frames down, so the count is put back whatever happens.
  const uint32_t jit_depth = store.jit_depth;
  store.jit_host_entry = store.poll.load(std::memory_order_relaxed) != 0;
  const std::optional<rt::FaultInfo> fault =
      rt::run_guarded([&] { status = enter(ctx, slots, func->native_entry); });
  --store.call_depth;
  store.jit_depth = jit_depth;
  store.jit_host_entry = false;
  if (!fault) {
    if (status == 0) return std::nullopt;
    return take_pending_trap();
  }
  // A fault at a trap site: the spec's trap, with the faulting function as its frame (the
  // frames of its callers in this activation are not walked yet).
  take_pending_trap();
  std::optional<Trap> trap = rt::trap_from_fault(*fault);
  if (!trap) {
    return Trap::make(TrapKind::Host, "internal error: generated code faulted outside a trap site");
  }
  const auto* jm = static_cast<const JitModule*>(fault->cookie);
  if (jm && jm->module) {
    const uint32_t f = jm->func_at(fault->pc);
    rt::append_backtrace(*trap, 1, [&](size_t) {
      return rt::FrameSource{f, jm->module->func_name(f), fault->source_offset};
    });
  }
  return trap;
}

}  // namespace wrun::jit
