// The process-wide registry of function types: equal ids <=> structurally equal types, so
// call_indirect and import matching compare one integer.
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/runtime.h"

namespace wrun::rt {

namespace {

// A type's key: its parameter count (4 bytes), then one byte per parameter and result type.
std::string type_key(const FuncType& type) {
  std::string key;
  key.reserve(4 + type.params.size() + type.results.size());
  uint32_t n = static_cast<uint32_t>(type.params.size());
  key.append(reinterpret_cast<const char*>(&n), sizeof n);
  for (ValType t : type.params) key.push_back(static_cast<char>(t));
  for (ValType t : type.results) key.push_back(static_cast<char>(t));
  return key;
}

struct Registry {
  std::mutex mutex;
  std::unordered_map<std::string, uint32_t> ids;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: ids stay valid during static destruction
  return *r;
}

}  // namespace

uint32_t intern_func_type(const FuncType& type) {
  std::string key = type_key(type);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  // Ids start at 1 so that 0 never names a type (a zero-initialised FuncInst matches nothing).
  auto [it, inserted] = r.ids.try_emplace(std::move(key), static_cast<uint32_t>(r.ids.size() + 1));
  return it->second;
}

}  // namespace wrun::rt
