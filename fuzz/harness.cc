// Shared instantiate-and-run logic of fuzz_instantiate_run and fuzz_generated_run.
#include "fuzz/harness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decoder/limits.h"  // limits::kTableSize
#include "decoder/module.h"

namespace wrun::fuzz {

void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "wrun fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

Engine& fuzz_engine() {
  static Engine engine([] {
    EngineConfig c;
    c.executor = EngineConfig::Executor::Interpreter;  // the reference; fuzz_jit_engine() is the JIT
    c.max_call_depth = 4096;
    c.value_stack_slots = 1u << 17;  // 1 MiB
    return c;
  }());
  return engine;
}

Engine& fuzz_plain_engine() {
  static Engine engine([] {
    EngineConfig c = fuzz_engine().config();
    c.optimize_interp_code = false;
    return c;
  }());
  return engine;
}

Engine& fuzz_jit_engine() {
  static Engine engine([] {
    EngineConfig c = fuzz_engine().config();
    c.executor = EngineConfig::Executor::Jit;
    return c;
  }());
  return engine;
}

Engine& fuzz_mixed_engine() {
  static Engine engine([] {
    EngineConfig c = fuzz_jit_engine().config();
    c.interpret_functions = [](uint32_t func_index) { return func_index % 2 == 1; };
    return c;
  }());
  return engine;
}

// WRUN_FUZZ_VERBOSE=1 prints what happens to each module (instantiation, every call's outcome).
bool verbose() {
  static const bool v = std::getenv("WRUN_FUZZ_VERBOSE") != nullptr;
  return v;
}

namespace {

// Names for the functions a funcref can point at: every function export of the run's
// instances ("1:f" for export f of the first, "2:f" of the second). A reference's bits are an
// address, which differs from run to run; which function it is must not.
class FuncNames {
 public:
  void add(const Instance& instance, const char* prefix) {
    for (auto& [name, ext] : instance.exports()) {
      // The first name wins: a function exported twice, or again by the second instance,
      // keeps the name it got first, the same in every run.
      auto f = ext.func();
      if (f && ids_.emplace(Val::funcref(&*f).raw(), names_.size()).second)
        names_.push_back(prefix + name);
    }
  }
  // A reference as a number that is the same in every run: an index into the names, or one of
  // kNull, kExtern, kUnexported.
  static constexpr uint64_t kNull = UINT64_MAX, kExtern = UINT64_MAX - 1,
                            kUnexported = UINT64_MAX - 2;
  uint64_t ref_id(const Val& ref) const {
    if (ref.is_null_ref()) return kNull;
    if (ref.type() != ValType::FuncRef) return kExtern;
    auto it = ids_.find(ref.raw());
    return it == ids_.end() ? kUnexported : it->second;
  }
  std::string ref_text(const Val& ref) const {
    switch (const uint64_t id = ref_id(ref)) {
      case kNull:
        return "null";
      case kExtern:
        return "extern";
      case kUnexported:
        return "func(unexported)";
      default:
        return names_[id];
    }
  }

 private:
  std::unordered_map<uint64_t, uint64_t> ids_;  // reference bits -> index in names_
  std::vector<std::string> names_;
};

// A value as text for the transcript: its type and bits (references as the function export
// they point at: their bits are addresses).
std::string val_text(const Val& v, const FuncNames& funcs) {
  char buf[64];
  switch (v.type()) {
    case ValType::I32:
      std::snprintf(buf, sizeof buf, "i32:%08x", static_cast<uint32_t>(v.i32()));
      break;
    case ValType::I64:
      std::snprintf(buf, sizeof buf, "i64:%016llx", static_cast<unsigned long long>(v.i64()));
      break;
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:%08x", v.f32_bits());
      break;
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:%016llx", static_cast<unsigned long long>(v.f64_bits()));
      break;
    case ValType::V128: {
      std::string t = "v128:";
      for (uint8_t b : v.v128().bytes) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        t += buf;
      }
      return t;
    }
    default:
      return "ref:" + funcs.ref_text(v);
  }
  return buf;
}

// WRUN_FUZZ_SKIP=id,id,... turns off the checks with those ids, to keep fuzzing past a known,
// not yet fixed finding (ids: table-total, backtrace).
bool skipped(std::string_view id) {
  static const std::string skip = [] {
    const char* s = std::getenv("WRUN_FUZZ_SKIP");
    return "," + std::string(s ? s : "") + ",";
  }();
  return skip.find("," + std::string(id) + ",") != std::string::npos;
}

void check_trap(const Trap& trap, const char* where) {
  if (trap.message.empty()) fail("trap with an empty message", where);
}

// A trap in the transcript: its kind, and its message where that is not the kind's own text
// (host traps), so that two runs agree only on the same kind with the same message.
Event trap_event(std::string prefix, const Trap& trap) {
  Event e;
  e.text = std::move(prefix) + " trap " + trap_kind_message(trap.kind);
  if (trap.message != trap_kind_message(trap.kind)) e.text += ": " + trap.message;
  e.executor_limit = trap.kind == TrapKind::StackExhausted;
  return e;
}

// A trap's backtrace names functions of the module and offsets inside it; where the trap kind
// comes from one kind of instruction, the innermost frame points at such an instruction.
void check_backtrace(const Trap& trap, const DecodedModule& ir, const std::string& where) {
  if (skipped("backtrace")) return;
  for (const Frame& f : trap.backtrace) {
    if (f.func_index >= ir.funcs.size())
      fail("backtrace names a function that does not exist", where);
    if (f.code_offset >= ir.bytes.size())
      fail("backtrace offset past the end of the module", where);
  }
  if (trap.backtrace.empty() || trap.backtrace[0].code_offset == 0) return;
  const uint8_t op = ir.bytes[trap.backtrace[0].code_offset];
  bool fits = true;
  const bool prefixed = op == 0xFC || op == 0xFD;  // bulk memory/table, saturating, SIMD
  const bool trunc = (op >= 0xA8 && op <= 0xAB) || (op >= 0xAE && op <= 0xB1);
  switch (trap.kind) {
    case TrapKind::Unreachable:
      fits = op == 0x00;
      break;
    case TrapKind::IntegerDivideByZero:
      fits = (op >= 0x6D && op <= 0x70) || (op >= 0x7F && op <= 0x82);
      break;
    case TrapKind::IntegerOverflow:
      fits = op == 0x6D || op == 0x7F || trunc;
      break;
    case TrapKind::InvalidConversion:
      fits = trunc;
      break;
    case TrapKind::MemoryOutOfBounds:
      fits = (op >= 0x28 && op <= 0x3E) || prefixed;
      break;
    case TrapKind::TableOutOfBounds:
      fits = op == 0x25 || op == 0x26 || op == 0xFC;
      break;
    case TrapKind::IndirectCallTypeMismatch:
    case TrapKind::UndefinedElement:
    case TrapKind::UninitializedElement:
      fits = op == 0x11;
      break;
    default:
      break;  // stack exhaustion, fuel, host traps: no single instruction
  }
  if (!fits) {
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "%s: trap \"%s\" at offset %u, where the opcode byte is 0x%02x", where.c_str(),
                  trap.message.c_str(), trap.backtrace[0].code_offset, op);
    fail("trap offset does not point at an instruction that can cause it", detail);
  }
}

void check_results(const FuncType& type, const std::vector<Val>& results) {
  if (results.size() != type.results.size())
    fail("wrong number of results", func_type_to_string(type));
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].type() != type.results[i])
      fail("result of the wrong type", func_type_to_string(type));
  }
}

// What the stub host functions do besides returning zeros: every few calls one of them calls
// back into the instance (host -> wasm -> host nesting) or traps, within a small budget. What
// a stub does depends only on the store's count of host calls so far and on the calling
// instance, so every executor's run of a module sees the same, up to the first fuel or stack
// trap (a nested call's trap, those included, becomes the stub's).
struct StubState {
  std::vector<std::string> export_funcs;  // names of the module's exported functions
  uint32_t host_calls = 0;
  uint32_t reentries_left = 8;
};

HostCallback make_stub(StubState& state) {
  return [&state](Caller& caller, std::span<const Val>, std::span<Val>) -> std::optional<Trap> {
    const uint32_t n = state.host_calls++;
    if (n % 13 == 12) return Trap::make(TrapKind::Host, "stub import trapped");
    if (n % 5 == 4 && state.reentries_left > 0 && !state.export_funcs.empty()) {
      --state.reentries_left;
      auto ext = caller.get_export(state.export_funcs[n % state.export_funcs.size()]);
      if (!ext) return std::nullopt;  // e.g. called from the start function, before exports exist
      auto f = ext->func();
      if (!f) fail("export of the wrong kind", state.export_funcs[n % state.export_funcs.size()]);
      std::vector<Val> args;
      for (ValType t : f->type().params) args.push_back(Val::default_for(t));
      auto r = f->call(caller.store(), args);
      if (auto* trap = std::get_if<Trap>(&r)) {
        check_trap(*trap, "nested call");
        return *trap;  // propagate through the host frame
      }
      check_results(f->type(), std::get<std::vector<Val>>(r));
    }
    return std::nullopt;
  };
}

// A stub for one import; nullopt when the import type cannot be satisfied within the limits
// (then the module is not instantiated).
std::optional<Extern> make_import(Store& store, const DecodedModule& ir, const Import& im,
                                  StubState& state, const RunLimits& limits) {
  switch (im.kind) {
    case ExternKind::Func:
      if (im.func_type >= ir.types.size()) fail("import of an unknown type passed validation");
      return Func::host(store, ir.types[im.func_type], make_stub(state));
    case ExternKind::Table: {
      if (im.table.limits.min > limits.max_table_entries) return std::nullopt;
      auto table = Table::create(store, im.table, Val::default_for(im.table.elem));
      if (!table) return std::nullopt;
      return *table;
    }
    case ExternKind::Memory: {
      if (im.memory.limits.min * kPageSize > limits.max_memory_bytes) return std::nullopt;
      auto memory = Memory::create(store, im.memory);
      if (!memory) return std::nullopt;
      return *memory;
    }
    case ExternKind::Global:
      if (auto global = Global::create(store, im.global, Val::default_for(im.global.type)))
        return *global;
      fail("a global of an imported type cannot be created");
  }
  fail("import of an unknown kind");
}

// Import matching as the spec defines it (what the linker checks), to pick exports of an
// earlier instance that can satisfy an import.
bool limits_fit(const Limits& have, const Limits& want) {
  if (have.min < want.min) return false;
  return !want.max || (have.max && *have.max <= *want.max);
}

bool fits(const DecodedModule& ir, const Import& im, const Extern& e) {
  if (e.kind() != im.kind) return false;
  switch (im.kind) {
    case ExternKind::Func:
      return im.func_type < ir.types.size() && e.func()->type() == ir.types[im.func_type];
    case ExternKind::Table: {
      const TableType t = e.table()->type();
      return t.elem == im.table.elem && limits_fit(t.limits, im.table.limits);
    }
    case ExternKind::Memory:
      return limits_fit(e.memory()->type().limits, im.memory.limits);
    case ExternKind::Global: {
      const GlobalType g = e.global()->type();
      return g.type == im.global.type && g.mut == im.global.mut;
    }
  }
  return false;
}

// Instantiates `module` in `store`. Each import is satisfied by an export of `provider` (an
// instance of the same module, so calls, tables and memories cross instances) when one fits,
// by a stub otherwise. `outcome` says why it failed (for the transcript).
std::optional<Instance> instantiate(Store& store, const Module& module, const DecodedModule& ir,
                                    StubState& state, const RunLimits& limits,
                                    const Instance* provider, Event& outcome) {
  Linker linker(store);
  std::vector<std::pair<std::string, Extern>> provided;
  if (provider) provided = provider->exports();
  size_t next = 0;  // rotate through the provider's exports so different ones get used
  for (const Import& im : ir.imports) {
    std::optional<Extern> ext;
    for (size_t k = 0; k < provided.size() && !ext; ++k) {
      const Extern& e = provided[(next + k) % provided.size()].second;
      if (fits(ir, im, e)) {
        ext = e;
        next += k + 1;
      }
    }
    if (!ext) ext = make_import(store, ir, im, state, limits);
    if (!ext) {
      if (verbose())
        std::fprintf(stderr, "  import %s.%s: no stub within the limits\n", im.module.c_str(),
                     im.name.c_str());
      outcome.text = "not instantiated: no stub within the limits for " + im.module + "." + im.name;
      return std::nullopt;
    }
    // Two imports with the same names and different types cannot both be satisfied by one
    // linker; instantiation then fails with a link error, which is fine.
    linker.define(im.module, im.name, *ext);
  }

  store.set_fuel(limits.fuel);
  auto inst = linker.instantiate(module);
  if (auto* err = std::get_if<InstantiateError>(&inst)) {
    if (err->message.empty()) fail("instantiation error with an empty message");
    if (verbose()) std::fprintf(stderr, "  instantiate: %s\n", err->message.c_str());
    if (err->stage == InstantiateError::Stage::Trap) {
      if (!err->trap) fail("instantiation trap without a Trap");
      check_trap(*err->trap, "instantiation");
      check_backtrace(*err->trap, ir, "instantiation");
      outcome = trap_event("not instantiated:", *err->trap);
    } else {
      outcome.text = "not instantiated: link error: " + err->message;
    }
    return std::nullopt;
  }
  return std::get<Instance>(inst);
}

// Calls every exported function with zero arguments and checks the other exports.
// The engine bounds the tables an instance defines to limits::kTableSize entries together
// (runtime/instantiate.cc), "so many tables cannot add up to gigabytes"; that must hold after
// growth too.
void check_table_total(const DecodedModule& ir, const Instance& instance) {
  if (skipped("table-total")) return;
  std::vector<uint32_t> seen;
  uint64_t total = 0;
  for (const Export& e : ir.exports) {
    if (e.kind != ExternKind::Table || e.index < ir.num_imported_tables) continue;
    if (std::find(seen.begin(), seen.end(), e.index) != seen.end()) continue;
    seen.push_back(e.index);
    if (auto t = instance.get_table(e.name)) total += t->size();
  }
  if (total > limits::kTableSize) {
    fail("an instance's tables grew past the engine's limit on their total size",
         std::to_string(total) + " entries > " + std::to_string(limits::kTableSize));
  }
}

// A table's size and elements: each one's function (FuncNames) when there are a few, a hash
// of them all otherwise (a table can have millions of entries).
std::string table_text(const Table& table, const FuncNames& funcs) {
  constexpr uint64_t kListed = 64;
  const uint64_t size = table.size();
  std::string text = std::to_string(size) + " entries";
  if (size <= kListed) {
    for (uint64_t i = 0; i < size; ++i)
      text += (i == 0 ? ": " : " ") + funcs.ref_text(*table.get(i));
    return text;
  }
  uint64_t hash = 1469598103934665603ull;  // FNV-1a over the elements' ids
  for (uint64_t i = 0; i < size; ++i) {
    const uint64_t id = funcs.ref_id(*table.get(i));
    for (int b = 0; b < 64; b += 8) hash = (hash ^ ((id >> b) & 0xFF)) * 1099511628211ull;
  }
  return text + ", elements hash " + std::to_string(hash);
}

void run_exports(Store& store, const Instance& instance, const DecodedModule& instance_ir,
                 const RunLimits& limits, const FuncNames& funcs, RunStats& stats) {
  for (auto& [name, ext] : instance.exports()) {
    switch (ext.kind()) {
      case ExternKind::Func: {
        if (stats.calls >= limits.max_calls) break;
        Func f = *ext.func();
        std::vector<Val> args;
        for (ValType t : f.type().params) args.push_back(Val::default_for(t));
        store.set_fuel(limits.fuel);
        ++stats.calls;
        auto r = f.call(store, args);
        Event event;
        if (auto* trap = std::get_if<Trap>(&r)) {
          check_trap(*trap, name.c_str());
          check_backtrace(*trap, instance_ir, name);
          ++stats.traps;
          if (verbose())
            std::fprintf(stderr, "  call %s: trap: %s\n", name.c_str(), trap->message.c_str());
          event = trap_event("call " + name + ":", *trap);
        } else {
          check_results(f.type(), std::get<std::vector<Val>>(r));
          if (verbose())
            std::fprintf(stderr, "  call %s: %zu result(s)\n", name.c_str(),
                         std::get<std::vector<Val>>(r).size());
          event.text = "call " + name + ":";
          for (const Val& v : std::get<std::vector<Val>>(r)) event.text += " " + val_text(v, funcs);
        }
        stats.transcript.push_back(std::move(event));
        break;
      }
      case ExternKind::Memory: {
        Memory m = *ext.memory();
        if (m.size_bytes() > limits.max_memory_bytes)
          fail("memory larger than the store's limit", name);
        if (m.size_bytes() != m.size_pages() * kPageSize)
          fail("memory size is not whole pages", name);
        break;
      }
      case ExternKind::Table: {
        Table t = *ext.table();
        if (t.size() > 0 && !t.get(t.size() - 1)) fail("last table element unreadable", name);
        if (t.get(t.size())) fail("table element past the end readable", name);
        break;
      }
      case ExternKind::Global: {
        Global g = *ext.global();
        if (g.get().type() != g.type().type) fail("global value of the wrong type", name);
        break;
      }
    }
  }
  // The exports' state after the calls.
  for (auto& [name, ext] : instance.exports()) {
    if (auto m = ext.memory()) {
      uint64_t hash = 1469598103934665603ull;  // FNV-1a
      for (uint64_t i = 0; i < m->size_bytes(); ++i)
        hash = (hash ^ m->data()[i]) * 1099511628211ull;
      stats.transcript.push_back({"memory " + name + ": " + std::to_string(m->size_bytes()) +
                                  " bytes, hash " + std::to_string(hash)});
    } else if (auto g = ext.global()) {
      stats.transcript.push_back({"global " + name + ": " + val_text(g->get(), funcs)});
    } else if (auto t = ext.table()) {
      stats.transcript.push_back({"table " + name + ": " + table_text(*t, funcs)});
    }
  }
  // Memories may have grown during the calls: check the limit again.
  for (auto& [name, ext] : instance.exports()) {
    if (auto m = ext.memory(); m && m->size_bytes() > limits.max_memory_bytes) {
      fail("memory grew past the store's limit", name);
    }
  }
}

}  // namespace

RunStats instantiate_and_run(std::span<const uint8_t> wasm, const Module& module,
                             const RunLimits& limits, Engine& engine) {
  RunStats stats;
  DecodeResult decoded = decode_module(wasm);
  if (!decoded.module) fail("a module that compiled does not decode", decoded.error.to_string());
  const DecodedModule& ir = *decoded.module;
  Store store(engine);
  store.set_max_memory_bytes(limits.max_memory_bytes);
  StubState state;
  for (const ExportDesc& e : module.exports()) {
    if (e.kind == ExternKind::Func) state.export_funcs.push_back(e.name);
  }

  FuncNames funcs;
  Event outcome{"instantiated"};
  auto first = instantiate(store, module, ir, state, limits, nullptr, outcome);
  stats.transcript.push_back(std::move(outcome));
  if (!first) return stats;
  stats.instantiated = true;
  funcs.add(*first, "1:");
  run_exports(store, *first, ir, limits, funcs, stats);
  check_table_total(ir, *first);

  // A second instance in the same store that imports what it can from the first.
  if (ir.imports.empty()) return stats;
  if (verbose()) std::fprintf(stderr, "  second instance, importing from the first\n");
  outcome = Event{"instantiated"};
  auto second = instantiate(store, module, ir, state, limits, &*first, outcome);
  outcome.text = "second " + outcome.text;
  stats.transcript.push_back(std::move(outcome));
  if (second) {
    funcs.add(*second, "2:");
    run_exports(store, *second, ir, limits, funcs, stats);
    check_table_total(ir, *second);
  }
  return stats;
}

}  // namespace wrun::fuzz
