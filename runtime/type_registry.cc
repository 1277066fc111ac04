// The process-wide registry of function types: equal ids <=> structurally equal types, so
// call_indirect and import matching compare one integer.
//
// Entries are counted references: a type stays registered while a compiled module or a host
// function holds it (instances hold their module), then it is removed and its id reused. So
// the registry is as large as the set of types in use, not of every type ever seen, and ids
// stay small. An id is only ever compared while its holders live, so reuse cannot make two
// live types equal.
#include <functional>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/type_registry.h"

namespace wrun::rt {

namespace {

struct TypeHash {
  size_t operator()(const FuncType& t) const {
    auto bytes = [](const std::vector<ValType>& v) {
      return std::hash<std::string_view>()(
          std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
    };
    return bytes(t.params) * 31 + bytes(t.results) + t.params.size();
  }
};

struct Registry {
  struct Entry {
    const InternedFuncType* type = nullptr;  // the live entry (weak may have expired)
    std::weak_ptr<const InternedFuncType> weak;
  };
  std::mutex mutex;
  std::unordered_map<FuncType, Entry, TypeHash> entries;
  std::vector<uint32_t> free_ids;  // capacity >= ids issued, so releasing never allocates
  uint32_t next_id = 1;  // 0 never names a type (a zero-initialised FuncInst matches nothing)
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: entries may be released at exit
  return *r;
}

// The deleter of every entry. One without an id was never published (see intern_func_type)
// and is freed without taking the lock.
void release(InternedFuncType* type) {
  if (type->id != 0) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.entries.find(type->type);
    // After the last reference went, intern_func_type may already have put a new entry here.
    if (it != r.entries.end() && it->second.type == type) r.entries.erase(it);
    r.free_ids.push_back(type->id);
  }
  delete type;
}

FuncTypeRef find(Registry& r, const FuncType& type) {
  auto it = r.entries.find(type);
  return it == r.entries.end() ? nullptr : it->second.weak.lock();
}

}  // namespace

FuncTypeRef intern_func_type(const FuncType& type) {
  Registry& r = registry();
  {
    std::lock_guard lock(r.mutex);
    if (FuncTypeRef found = find(r, type)) return found;
  }
  // Made outside the lock: if it is not needed after all (or the reference cannot be made),
  // its deleter runs, and needs no lock for an entry without an id. `lock` below is destroyed
  // before `fresh`, so a dropped `fresh` is released unlocked.
  std::shared_ptr<InternedFuncType> fresh(new InternedFuncType{type, 0}, release);
  std::lock_guard lock(r.mutex);
  if (FuncTypeRef found = find(r, type)) return found;
  Registry::Entry& e = r.entries[type];
  if (r.free_ids.empty()) {
    r.free_ids.reserve(r.next_id);
    fresh->id = r.next_id++;
  } else {
    fresh->id = r.free_ids.back();
    r.free_ids.pop_back();
  }
  e = Registry::Entry{fresh.get(), fresh};
  return fresh;
}

size_t interned_func_type_count() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.entries.size();
}

}  // namespace wrun::rt
