// wrun's embedding API. The CLI, the spec-test runner, the WASI layer and the tests use only
// this header (with the vocabulary it includes, wrun/types.h and wrun/trap.h); the engine's
// internals stay behind it.
//
//   wrun::Engine engine;
//   auto module = wrun::Module::compile(engine, bytes);      // decode + validate + lower
//   wrun::Store store(engine);
//   wrun::Linker linker(store);
//   linker.define("env", "print", wrun::Func::host(store, type, callback));
//   auto instance = std::get<wrun::Instance>(linker.instantiate(*module));
//   std::vector<wrun::Val> args{wrun::Val::i32(7)};
//   auto result = instance.get_func("run")->call(store, args);  // results or a Trap
//
// Errors follow one rule:
//  - Running WebAssembly code reports a Trap. Func::call returns the results or the Trap, also
//    when the call itself is wrong (argument count or types, a function or reference of
//    another store: TrapKind::Host with a message). Linker::instantiate returns the instance
//    or an InstantiateError: a link error's message, or the Trap of a segment or of the start
//    function.
//  - Anything else that can fail for reasons worth telling returns Result<T>, the value or a
//    message: Module::compile and Memory::create, Table::create, Global::create.
//  - Lookups, and operations whose failure is one condition the caller can tell in advance,
//    return std::optional or bool: the get_* lookups and Linker::find (no such name),
//    Memory::grow and Table::grow (past the maximum or the store's limit, where memory.grow
//    would give -1), Table::get and Table::set (an index out of range; a value of the wrong
//    type or of another store), Global::set (immutable, a value of the wrong type or of
//    another store), Linker::define and define_instance (a value of another store).
//  - Module::validate, a check, returns the Error it found (message and byte offset) or nullopt.
// Nothing throws but std::bad_alloc when memory runs out (and Result::value() of a failure);
// an exception a host callback throws becomes a trap.
//
// Every handle (Func, Memory, Table, Global, Instance) belongs to the Store it was made in or
// instantiated into, and may only be used with that store: anything taking a handle or a
// funcref checks that.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "wrun/trap.h"
#include "wrun/types.h"

namespace wrun {

namespace rt {
struct FuncInst;
struct TableInst;
struct MemoryInst;
struct GlobalInst;
struct Instance;
struct Store;
struct CompiledModule;
}  // namespace rt
class Engine;
// How the engine's own code reaches the runtime objects behind the handles (engine/internal.h).
struct ApiAccess;

// ---------------------------------------------------------------------------------------------
// Results

// A value or an error message (see the error rule at the top).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  static Result failure(std::string message) { return Result(Fail{std::move(message)}); }
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const std::string& error() const { return std::get<1>(v_).message; }

 private:
  struct Fail { std::string message; };
  explicit Result(Fail f) : v_(std::move(f)) {}
  std::variant<T, Fail> v_;
};

// ---------------------------------------------------------------------------------------------
// Values

struct V128 {
  uint8_t bytes[16] = {};
  bool operator==(const V128&) const = default;
};

class Func;

// A WebAssembly value. Floats are kept as bit patterns so NaN payloads survive every copy.
class Val {
 public:
  Val() : type_(ValType::I32) {}
  static Val i32(int32_t v) { return from_raw(ValType::I32, static_cast<uint32_t>(v)); }
  static Val i64(int64_t v) { return from_raw(ValType::I64, static_cast<uint64_t>(v)); }
  static Val f32_bits(uint32_t b) { return from_raw(ValType::F32, b); }
  static Val f64_bits(uint64_t b) { return from_raw(ValType::F64, b); }
  static Val f32(float f) { uint32_t b; std::memcpy(&b, &f, 4); return f32_bits(b); }
  static Val f64(double d) { uint64_t b; std::memcpy(&b, &d, 8); return f64_bits(b); }
  static Val v128(V128 v) { Val r(ValType::V128); r.bits_ = v; return r; }
  static Val funcref(const Func* f);  // null when f is null
  static Val funcref_null() { return from_raw(ValType::FuncRef, 0); }
  // Host data for an externref; nullptr is the null reference.
  static Val externref(void* host) { return from_raw(ValType::ExternRef, reinterpret_cast<uintptr_t>(host)); }
  static Val default_for(ValType t) { return Val(t); }

  ValType type() const { return type_; }
  int32_t i32() const { return static_cast<int32_t>(raw()); }
  int64_t i64() const { return static_cast<int64_t>(raw()); }
  uint32_t f32_bits() const { return static_cast<uint32_t>(raw()); }
  uint64_t f64_bits() const { return raw(); }
  float f32() const { float f; uint32_t b = f32_bits(); std::memcpy(&f, &b, 4); return f; }
  double f64() const { double d; uint64_t b = raw(); std::memcpy(&d, &b, 8); return d; }
  V128 v128() const { return bits_; }
  bool is_null_ref() const { return raw() == 0; }
  void* externref() const { return reinterpret_cast<void*>(static_cast<uintptr_t>(raw())); }
  std::optional<Func> funcref() const;  // nullopt for null

  // The low 64 bits (numbers, reference pointers); the engine's slot representation.
  uint64_t raw() const { uint64_t v; std::memcpy(&v, bits_.bytes, 8); return v; }
  static Val from_raw(ValType t, uint64_t raw) { Val r(t); std::memcpy(r.bits_.bytes, &raw, 8); return r; }

  std::string to_string() const;

 private:
  explicit Val(ValType t) : type_(t) {}
  ValType type_;
  V128 bits_;  // numbers and references use the low 8 bytes; the rest stays zero
};

// ---------------------------------------------------------------------------------------------
// Engine, modules

struct EngineConfig {
  // Maximum depth of nested wasm calls before "call stack exhausted".
  uint32_t max_call_depth = 20000;
  // Size of each store's value stack, in 8-byte slots.
  uint32_t value_stack_slots = 1u << 22;
  // false: the interpreter lowers code plainly, without its operand forwarding, fusions and
  // loop idioms (slower; for differential testing of those optimisations).
  bool optimize_interp_code = true;
  // What runs the code: the JIT (machine code; a function the JIT does not compile runs on
  // the interpreter), or the interpreter alone. Both meter fuel and call depth alike. On a
  // machine without a JIT backend (anything but x86-64 today), Jit means the interpreter.
  enum class Executor : uint8_t { Interpreter, Jit };
  Executor executor = Executor::Jit;
  // Threads the JIT compiles a module's functions on: 0 picks one per core for modules with
  // enough code to pay for them (one otherwise). The code is the same for any count.
  uint32_t compile_threads = 0;
  // Tell `perf` where the JIT's functions are: a line per function in /tmp/perf-PID.map.
  bool perf_map = false;
  // With the JIT: functions (by index) it leaves to the interpreter although it could compile
  // them, for narrowing down a miscompiled function and for testing calls between the two.
  std::function<bool(uint32_t func_index)> interpret_functions = nullptr;
};

class Engine {
 public:
  explicit Engine(EngineConfig config = {});
  ~Engine();
  const EngineConfig& config() const { return config_; }

 private:
  EngineConfig config_;
};

struct ImportDesc {
  std::string module;
  std::string name;
  ExternKind kind;
};
struct ExportDesc {
  std::string name;
  ExternKind kind;
};

// A decoded, validated and compiled module; shareable across stores and instances.
class Module {
 public:
  // Decodes, validates and lowers every function. The error says what and where.
  static Result<Module> compile(Engine& engine, std::span<const uint8_t> bytes);
  // Decodes and validates only (no lowering); for tools that just check a module.
  static std::optional<Error> validate(std::span<const uint8_t> bytes);
  // The largest module accepted, in bytes (the JS API's limit); a reader of untrusted files
  // should stop reading past it.
  static constexpr uint64_t kMaxBytes = uint64_t{1} << 30;

  std::vector<ImportDesc> imports() const;
  std::vector<ExportDesc> exports() const;

  // For people reading what the JIT makes of the module (wrun --emit-asm): its machine code
  // disassembled, each piece under the wasm offset and name of the instruction it comes
  // from. Every defined function, or only `func`: a function index, an exported function's
  // name or a name-section name. Fails for a function the module does not define, or on a
  // machine without a JIT backend.
  Result<std::string> listing(std::string_view func = {}) const;

 private:
  friend struct ApiAccess;
  explicit Module(std::shared_ptr<const rt::CompiledModule> c) : compiled_(std::move(c)) {}
  std::shared_ptr<const rt::CompiledModule> compiled_;
};

// ---------------------------------------------------------------------------------------------
// Store and external values. Handles are cheap pointers into a Store, valid while it lives.

class Store;
class Instance;

// What a host function sees of its caller.
class Caller {
 public:
  Store& store() const;
  // The calling instance's export named `name`, e.g. its "memory" (WASI needs it).
  std::optional<class Extern> get_export(std::string_view name) const;

 private:
  friend struct ApiAccess;
  Caller(rt::Store* store, rt::Instance* instance) : store_(store), instance_(instance) {}
  rt::Store* store_;
  rt::Instance* instance_;
};

using HostCallback =
    std::function<std::optional<Trap>(Caller& caller, std::span<const Val> args, std::span<Val> results)>;

class Func {
 public:
  // A host function in `store`. Funcrefs it returns must be of `store` (else it traps).
  static Func host(Store& store, FuncType type, HostCallback callback);

  const FuncType& type() const;
  // Calls with type-checked arguments in `store`, which must own the function (and every
  // funcref argument); returns the results or the trap.
  std::variant<std::vector<Val>, Trap> call(Store& store, std::span<const Val> args) const;
  bool operator==(const Func&) const = default;

 private:
  friend struct ApiAccess;
  explicit Func(rt::FuncInst* f) : f_(f) {}
  rt::FuncInst* f_;
};

class Memory {
 public:
  // Fails for invalid limits, or past the store's memory limit or the address space.
  static Result<Memory> create(Store& store, MemoryType type);
  MemoryType type() const;
  uint64_t size_pages() const;
  uint64_t size_bytes() const;
  uint8_t* data() const;
  // Grows by `delta` pages; returns the old size in pages, or nullopt on failure.
  std::optional<uint64_t> grow(uint64_t delta) const;

 private:
  friend struct ApiAccess;
  explicit Memory(rt::MemoryInst* m) : m_(m) {}
  rt::MemoryInst* m_;
};

class Table {
 public:
  // Fails for a non-reference element type, invalid or too large limits, or an init value of
  // the wrong type or of another store.
  static Result<Table> create(Store& store, TableType type, Val init);
  TableType type() const;
  uint64_t size() const;
  std::optional<Val> get(uint64_t index) const;
  // false (nothing set) for an index out of range or a value of the wrong type or store.
  bool set(uint64_t index, Val value) const;
  // The old size, or nullopt (nothing grown) past the maximum or for a bad init value.
  std::optional<uint64_t> grow(uint64_t delta, Val init) const;

 private:
  friend struct ApiAccess;
  explicit Table(rt::TableInst* t) : t_(t) {}
  rt::TableInst* t_;
};

class Global {
 public:
  // Fails for a value of the wrong type or of another store.
  static Result<Global> create(Store& store, GlobalType type, Val value);
  GlobalType type() const;
  Val get() const;
  bool set(Val value) const;  // false if immutable, or a value of the wrong type or store

 private:
  friend struct ApiAccess;
  explicit Global(rt::GlobalInst* g) : g_(g) {}
  rt::GlobalInst* g_;
};

class Extern {
 public:
  Extern(Func f) : v_(f) {}
  Extern(Table t) : v_(t) {}
  Extern(Memory m) : v_(m) {}
  Extern(Global g) : v_(g) {}
  ExternKind kind() const { return static_cast<ExternKind>(v_.index()); }
  std::optional<Func> func() const { return get<Func>(); }
  std::optional<Table> table() const { return get<Table>(); }
  std::optional<Memory> memory() const { return get<Memory>(); }
  std::optional<Global> global() const { return get<Global>(); }

 private:
  template <class T>
  std::optional<T> get() const {
    if (auto* p = std::get_if<T>(&v_)) return *p;
    return std::nullopt;
  }
  std::variant<Func, Table, Memory, Global> v_;  // order matches ExternKind
};

class Store {
 public:
  explicit Store(Engine& engine);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Engine& engine() const { return engine_; }

  // Execution limits. Fuel: one unit per call (host functions' included) and loop iteration,
  // one more per 64 declared local slots a call zeroes, and one plus one per 64 bytes written
  // for bulk memory and table operations (rt::bulk_fuel); nullopt means unlimited.
  void set_fuel(std::optional<uint64_t> fuel);
  std::optional<uint64_t> fuel() const;
  // Asks running code to trap with Interrupted at its next check (safe from another thread).
  void interrupt();
  // Upper bound for any memory of this store, in bytes (enforced on creation and growth).
  void set_max_memory_bytes(std::optional<uint64_t> bytes);

 private:
  friend struct ApiAccess;
  Engine& engine_;
  std::unique_ptr<rt::Store> s_;
};

class Instance {
 public:
  std::optional<Extern> get_export(std::string_view name) const;
  std::optional<Func> get_func(std::string_view name) const;
  std::optional<Memory> get_memory(std::string_view name) const;
  std::optional<Table> get_table(std::string_view name) const;
  std::optional<Global> get_global(std::string_view name) const;
  std::vector<std::pair<std::string, Extern>> exports() const;

 private:
  friend struct ApiAccess;
  explicit Instance(rt::Instance* i) : i_(i) {}
  rt::Instance* i_;
};

// Why instantiation failed: linking (imports don't match) or a trap while initialising
// (segment out of bounds, start function trapped). The spec tests tell the two apart.
struct InstantiateError {
  enum class Stage { Link, Trap } stage = Stage::Link;
  std::string message;  // e.g. "unknown import", "incompatible import type"
  std::optional<Trap> trap;
};

class Linker {
 public:
  explicit Linker(Store& store) : store_(store) {}
  // Makes `value` importable as (module, name), replacing an earlier definition; false (nothing
  // defined) if it belongs to another store than the linker's.
  bool define(std::string module, std::string name, Extern value);
  // Makes every export of `instance` importable under `module`; false (nothing defined) if the
  // instance belongs to another store.
  bool define_instance(const std::string& module, const Instance& instance);
  std::optional<Extern> find(std::string_view module, std::string_view name) const;

  std::variant<Instance, InstantiateError> instantiate(const Module& module);
  Store& store() const { return store_; }

 private:
  // (module, name) -> value, hashed: a preloaded module may export 50000 names. Looked up with
  // string_views, so find() builds no strings.
  struct Name {
    std::string_view module, name;
  };
  struct Key {
    std::string module, name;
    operator Name() const { return {module, name}; }
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(Name n) const;
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(Name a, Name b) const { return a.module == b.module && a.name == b.name; }
  };
  Store& store_;
  std::unordered_map<Key, Extern, NameHash, NameEq> defs_;
};

}  // namespace wrun
