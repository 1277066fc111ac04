// Compiling a module's functions into one block of code memory, and entering that code
// (jit.h).
#include "jit/jit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "jit/backend.h"
#include "jit/code_memory.h"
#include "jit/frontend.h"
#include "jit/native_abi.h"
#include "jit/runtime_calls.h"
#include "runtime/backtrace.h"
#include "runtime/fault_trap.h"
#include "runtime/instance_context.h"
#include "wrun/types.h"

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

namespace {

// One function's outcome: its code, or why the interpreter keeps it.
struct FunctionResult {
  std::optional<FunctionCode> code;
  std::string missing;
};

FunctionResult compile_one(const DecodedModule& module, uint32_t func_index,
                           const std::vector<bool>& declared_refs, const rt::ContextLayout& layout,
                           const CompileOptions& options, bool mark_sources) {
  FunctionResult r;
  if (options.interpret && options.interpret(func_index)) {
    r.missing = "(left to the interpreter by request)";
    return r;
  }
  auto backend = make_host_backend(layout, module.num_imported_funcs, !module.memories.empty());
  try {
    r.code =
        compile_function(module, func_index, declared_refs, *backend, &r.missing, mark_sources);
  } catch (const BackendLimit& e) {
    r.missing = e.what();
  }
  return r;
}

// Below this much body code, threads cost more than they save (starting one is tens of
// microseconds; a small module compiles in about that).
constexpr size_t kParallelBodyBytes = 64 * 1024;

unsigned pick_threads(const DecodedModule& module, unsigned requested) {
  if (requested != 0) return requested;
  size_t body_bytes = 0;
  for (const FuncBody& body : module.code) body_bytes += body.body_size;
  if (body_bytes < kParallelBodyBytes) return 1;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Compiles every defined function but those options.interpret names, on as many threads as
// pick_threads gives, taking functions in index order. Each function's code depends only on
// the module, so the result is the same for any thread count. An exception (invalid code,
// out of memory) is rethrown for the lowest function index that raised one, as a serial
// compile would.
std::vector<FunctionResult> compile_all(const DecodedModule& module,
                                        const std::vector<bool>& declared_refs,
                                        const rt::ContextLayout& layout,
                                        const CompileOptions& options, bool mark_sources) {
  const size_t first = module.num_imported_funcs;
  const size_t defined = module.funcs.size() - first;
  std::vector<FunctionResult> results(defined);
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  size_t error_at = SIZE_MAX;
  std::atomic<size_t> stop_at{SIZE_MAX};  // no function after a failed one needs compiling
  auto work = [&] {
    for (;;) {
      const size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= defined || i > stop_at.load(std::memory_order_relaxed)) return;
      try {
        results[i] = compile_one(module, static_cast<uint32_t>(first + i), declared_refs, layout,
                                 options, mark_sources);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (i < error_at) {
          error_at = i;
          error = std::current_exception();
          stop_at.store(i, std::memory_order_relaxed);
        }
      }
    }
  };
  const auto threads =
      static_cast<unsigned>(std::min<size_t>(pick_threads(module, options.threads), defined));
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the others, and this one, do the work
    }
  }
  work();
  for (std::thread& h : helpers) h.join();
  if (error) std::rethrow_exception(error);
  return results;
}

// The module's code as one block: functions in index order, 16-byte aligned, direct calls
// linked. With mark_sources, each compiled function keeps its (linked) FunctionCode.
struct Layout {
  std::vector<uint8_t> code;
  std::vector<rt::TrapSite> sites;
  std::vector<uint32_t> offsets;                      // by defined function; UINT32_MAX: none
  std::vector<uint32_t> entries;  // where direct calls enter (a body or an adapter), by function
  std::vector<std::pair<uint32_t, uint32_t>> starts;  // (code offset, function index)
  std::vector<FunctionResult> results;
};

Layout lay_out(const DecodedModule& module, const std::vector<bool>& declared_refs,
               const CompileOptions& options, bool mark_sources) {
  const size_t first = module.num_imported_funcs;
  const size_t defined = module.funcs.size() - first;
  const rt::ContextLayout context(
      static_cast<uint32_t>(module.memories.size()), static_cast<uint32_t>(module.tables.size()),
      static_cast<uint32_t>(module.funcs.size()), static_cast<uint32_t>(module.global_types.size()),
      static_cast<uint32_t>(module.types.size()));
  Layout out;
  out.results = compile_all(module, declared_refs, context, options, mark_sources);
  size_t total = 0;
  for (const FunctionResult& r : out.results) {
    if (r.code) total = ((total + 15) & ~size_t{15}) + r.code->bytes.size();
  }
  out.code.reserve(total);
  out.offsets.assign(defined, UINT32_MAX);
  std::vector<std::pair<uint32_t, FunctionCode::Call>> calls;  // (caller's start, call)
  for (size_t i = 0; i < defined; ++i) {
    FunctionResult& r = out.results[i];
    if (!r.code) continue;
    out.code.resize((out.code.size() + 15) & ~size_t{15}, 0xCC);  // int3 between functions
    const auto start = static_cast<uint32_t>(out.code.size());
    out.code.insert(out.code.end(), r.code->bytes.begin(), r.code->bytes.end());
    for (const FunctionCode::Call& c : r.code->calls) calls.emplace_back(start, c);
    for (rt::TrapSite s : r.code->sites) {
      s.offset += start;
      if (s.landing != 0) s.landing += start;
      out.sites.push_back(s);
    }
    out.offsets[i] = start;
    out.starts.emplace_back(start, static_cast<uint32_t>(first + i));
  }
  // Where direct calls enter each function: its body, or for one the interpreter runs, an
  // adapter (placed after every function) when calls pass its arguments in registers.
  std::vector<uint32_t>& entries = out.entries;
  entries.assign(defined, UINT32_MAX);
  for (size_t i = 0; i < defined && !out.starts.empty(); ++i) {
    const FunctionResult& r = out.results[i];
    if (r.code) {
      entries[i] = out.offsets[i] + r.code->body_at;
      continue;
    }
    const auto func = static_cast<uint32_t>(first + i);
    const std::optional<FunctionCode> adapter =
        make_host_backend(context, module.num_imported_funcs, !module.memories.empty())
            ->adapter(func, module.func_type(func));
    if (!adapter) continue;
    out.code.resize((out.code.size() + 15) & ~size_t{15}, 0xCC);
    entries[i] = static_cast<uint32_t>(out.code.size());
    out.starts.emplace_back(entries[i], func);  // perf names it after its function
    out.code.insert(out.code.end(), adapter->bytes.begin(), adapter->bytes.end());
  }
  for (const auto& [caller, call] : calls) {
    const uint32_t target = entries[call.func - first];
    if (target != UINT32_MAX)
      link_call(out.code, caller + call.at, target);
    else if (call.registers)
      throw std::logic_error("jit: a direct call has no code to call");
  }
  if (!mark_sources) {
    for (FunctionResult& r : out.results) r.code.reset();  // its bytes are in `code` now
  } else {
    // The listing shows the linked calls.
    for (size_t i = 0; i < defined; ++i) {
      if (!out.results[i].code) continue;
      std::vector<uint8_t>& bytes = out.results[i].code->bytes;
      std::copy_n(out.code.begin() + out.offsets[i], bytes.size(), bytes.begin());
    }
  }
  return out;
}

}  // namespace

namespace {

// The name a perf map gives a function: its name-section name, else wasm-function[N].
std::string perf_map_name(const DecodedModule& module, uint32_t func_index) {
  const std::string_view name = module.func_name(func_index);
  if (name.empty()) return "wasm-function[" + std::to_string(func_index) + "]";
  std::string out = escape_name(name);
  // One line a function: a name spanning lines would break the map.
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

// perf's map for JIT code: "START SIZE NAME" lines (hex, no 0x) in /tmp/perf-PID.map. Each
// module appends its lines in one write, so modules compiled at once do not interleave.
void append_perf_map(const DecodedModule& module, const uint8_t* base, size_t size,
                     const std::vector<std::pair<uint32_t, uint32_t>>& starts) {
  std::string text;
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1].first : size;
    char head[48];
    std::snprintf(head, sizeof head, "%" PRIxPTR " %zx ",
                  reinterpret_cast<uintptr_t>(base + starts[i].first), end - starts[i].first);
    text += head;
    text += perf_map_name(module, starts[i].second);
    text += '\n';
  }
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;  // profiling is best effort: the module runs all the same
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += static_cast<size_t>(n);
  }
  close(fd);
}

}  // namespace

ModuleCode compile_module(const DecodedModule& module, const std::vector<bool>& declared_refs,
                          const CompileOptions& options) {
  ModuleCode out;
  const size_t first = module.num_imported_funcs;
  const size_t defined = module.funcs.size() - first;
  out.native.assign(defined, nullptr);
  out.bodies.assign(defined, nullptr);
  if (!available()) return out;
  Layout layout = lay_out(module, declared_refs, options, false);
  for (size_t i = 0; i < defined; ++i) {
    if (layout.offsets[i] == UINT32_MAX)
      out.interpreted.emplace_back(static_cast<uint32_t>(first + i),
                                   std::move(layout.results[i].missing));
  }
  if (layout.starts.empty()) return out;
  auto jm = std::make_shared<JitModule>();
  jm->module = &module;
  jm->starts = std::move(layout.starts);
  jm->memory = CodeMemory::create(layout.code, layout.sites, jm.get());
  for (size_t i = 0; i < defined; ++i) {
    if (layout.offsets[i] != UINT32_MAX) {
      out.native[i] = jm->memory->begin() + layout.offsets[i];
      out.bodies[i] = jm->memory->begin() + layout.entries[i];
      ++out.compiled;
    }
  }
  out.code = std::span<const uint8_t>(jm->memory->begin(), jm->memory->size());
  if (options.perf_map)
    append_perf_map(module, jm->memory->begin(), jm->memory->size(), jm->starts);
  out.owner = std::move(jm);
  return out;
}

std::string listing(const DecodedModule& module, const std::vector<bool>& declared_refs,
                    std::optional<uint32_t> only) {
  if (!available()) return {};
  Layout layout = lay_out(module, declared_refs, {}, true);
  const size_t first = module.num_imported_funcs;
  std::string out;
  for (size_t i = 0; i < layout.results.size(); ++i) {
    const auto func_index = static_cast<uint32_t>(first + i);
    if (only && *only != func_index) continue;
    out += ";; function " + std::to_string(func_index);
    const std::string_view name = module.func_name(func_index);
    if (!name.empty()) out += " \"" + escape_name(name) + "\"";
    const FunctionResult& r = layout.results[i];
    if (!r.code) {
      out += ": interpreted (the JIT does not compile " + r.missing + ")\n";
      continue;
    }
    out += ": " + std::to_string(r.code->bytes.size()) + " bytes at offset " +
           std::to_string(layout.offsets[i]) + " of the module's code\n";
    out += disassemble(*r.code, layout.offsets[i]);
  }
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
  const uint32_t jit_frames_left = store.jit_frames_left;
  store.jit_host_entry = store.poll.load(std::memory_order_relaxed) != 0;
  const std::optional<rt::FaultInfo> fault =
      rt::run_guarded([&] { status = enter(ctx, slots, func->native_entry); });
  --store.call_depth;
  store.jit_frames_left = jit_frames_left;
  store.jit_host_entry = false;
  if (!fault) {
    if (status == 0) return std::nullopt;
    return take_pending_trap();
  }
  // A fault unwound at once (a trap site without a landing, where the handler cannot resume
  // one, or a stack overflow): the spec's trap, with the faulting function as its only
  // frame of this activation.
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
