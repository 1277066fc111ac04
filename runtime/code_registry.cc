// Readers (signal handlers, frame walkers) see an immutable sorted snapshot published through
// an atomic pointer; writers build a new snapshot under a mutex and swap it in. A replaced
// snapshot, and the record of an unregistered range, are freed only once no reader can still
// hold them: readers count themselves in g_readers around each lookup, and a writer frees
// what it retired only when it sees that count at zero after the swap. Every access is
// sequentially consistent, so a reader that is not counted by then has not yet loaded the
// snapshot pointer and will load the new one.
#include "runtime/code_registry.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace wrun::rt {
namespace {

struct Record {
  const char* begin;
  const char* end;
  const void* cookie;
  std::vector<TrapSite> sites;  // sorted by offset
  mutable const Record* next_retired = nullptr;
};

struct Entry {
  const char* begin;
  const char* end;
  const Record* record;
};

struct Snapshot {
  std::vector<Entry> entries;  // sorted by begin; ranges never overlap
  mutable const Snapshot* next_retired = nullptr;
};

std::atomic<const Snapshot*> g_snapshot{nullptr};
std::atomic<unsigned> g_readers{0};
static_assert(std::atomic<const Snapshot*>::is_always_lock_free);
static_assert(std::atomic<unsigned>::is_always_lock_free);

// Writers' state. Retired objects are chained through themselves, so retiring cannot fail.
struct Writer {
  std::mutex mutex;
  const Snapshot* retired_snapshots = nullptr;
  const Record* retired_records = nullptr;
};

// Never destroyed: registrations in static objects may be reset during static destruction.
Writer& writer() {
  static Writer* w = new Writer;
  return *w;
}

// The entries of the current snapshot; stable while the writer's mutex is held.
std::vector<Entry> live_entries() {
  const Snapshot* current = g_snapshot.load();
  return current != nullptr ? current->entries : std::vector<Entry>{};
}

// Publishes `entries` as the new snapshot, retires the old one and `removed` (the record of
// a range `entries` no longer holds), and frees what no reader can hold any more.
void publish(Writer& w, std::vector<Entry> entries, const Record* removed = nullptr) {
  const auto* next = new Snapshot{std::move(entries)};
  if (const Snapshot* old = g_snapshot.exchange(next)) {
    old->next_retired = w.retired_snapshots;
    w.retired_snapshots = old;
  }
  if (removed != nullptr) {
    removed->next_retired = w.retired_records;
    w.retired_records = removed;
  }
  if (g_readers.load() != 0) return;  // freed by a later change
  while (const Snapshot* s = w.retired_snapshots) {
    w.retired_snapshots = s->next_retired;
    delete s;
  }
  while (const Record* r = w.retired_records) {
    w.retired_records = r->next_retired;
    delete r;
  }
}

bool find(const Snapshot& snapshot, const char* pc, CodeLookup* found) {
  const std::vector<Entry>& entries = snapshot.entries;
  auto it = std::upper_bound(entries.begin(), entries.end(), pc,
                             [](const char* p, const Entry& e) { return p < e.begin; });
  if (it == entries.begin()) return false;
  --it;
  if (pc >= it->end) return false;
  const Record& record = *it->record;
  *found = {record.begin, record.end, record.cookie, false, {}};
  const auto offset = static_cast<uint32_t>(pc - record.begin);
  auto site = std::lower_bound(record.sites.begin(), record.sites.end(), offset,
                               [](const TrapSite& s, uint32_t o) { return s.offset < o; });
  if (site != record.sites.end() && site->offset == offset) {
    found->has_site = true;
    found->site = *site;
  }
  return true;
}

}  // namespace

CodeRegistration register_code(const void* begin, const void* end, const void* cookie,
                               std::span<const TrapSite> sites) {
  const auto* b = static_cast<const char*>(begin);
  const auto* e = static_cast<const char*>(end);
  if (b == nullptr || e <= b) throw std::invalid_argument("register_code: empty code range");
  if (static_cast<uint64_t>(e - b) > UINT32_MAX)
    throw std::invalid_argument("register_code: code range over 4 GiB");
  auto record = std::make_unique<Record>(Record{b, e, cookie, {sites.begin(), sites.end()}});
  std::sort(record->sites.begin(), record->sites.end(),
            [](const TrapSite& x, const TrapSite& y) { return x.offset < y.offset; });
  if (!record->sites.empty() && record->sites.back().offset >= e - b)
    throw std::invalid_argument("register_code: trap site outside the code range");
  for (const TrapSite& s : record->sites) {
    if (s.landing >= e - b)
      throw std::invalid_argument("register_code: trap site landing outside the code range");
  }

  Writer& w = writer();
  std::lock_guard lock(w.mutex);
  std::vector<Entry> entries = live_entries();
  auto at = std::upper_bound(entries.begin(), entries.end(), b,
                             [](const char* p, const Entry& x) { return p < x.begin; });
  if ((at != entries.end() && at->begin < e) || (at != entries.begin() && std::prev(at)->end > b))
    throw std::invalid_argument("register_code: code range overlaps a registered one");
  entries.insert(at, Entry{b, e, record.get()});
  publish(w, std::move(entries));
  return CodeRegistration(record.release());
}

CodeRegistration& CodeRegistration::operator=(CodeRegistration&& other) noexcept {
  if (this != &other) {
    reset();
    record_ = other.record_;
    other.record_ = nullptr;
  }
  return *this;
}

void CodeRegistration::reset() {
  if (record_ == nullptr) return;
  const auto* record = static_cast<const Record*>(record_);
  record_ = nullptr;
  Writer& w = writer();
  std::lock_guard lock(w.mutex);
  std::vector<Entry> entries = live_entries();
  std::erase_if(entries, [&](const Entry& e) { return e.record == record; });
  publish(w, std::move(entries), record);
}

bool lookup_code(const void* pc, CodeLookup* found) {
  g_readers.fetch_add(1);
  const Snapshot* snapshot = g_snapshot.load();
  const bool hit = snapshot != nullptr && find(*snapshot, static_cast<const char*>(pc), found);
  g_readers.fetch_sub(1);
  return hit;
}

}  // namespace wrun::rt
