// fd_readdir's state for directory descriptors, with bounded host memory.
//
// A cookie is the index of an entry in the directory's stream order (entry i's d_next is
// i + 1). Each directory descriptor that is listed gets a DirListing: a host stream
// positioned at some index, and the entry read last, because a guest whose buffer cut that
// entry asks again from its cookie. Asking from where the listing stands (the usual loop)
// reads on; from 0 reads the directory afresh; from anywhere else the stream is rewound and
// skips ahead. So a listing holds one entry and one host stream, whatever the directory's
// size, and DirStreams keeps at most kMaxOpen streams open per context: past that the least
// recently used one is closed, and its listing reopens and skips ahead when next asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "wasi/os.h"

namespace wrun::wasi {

class DirListing;

// The open host streams of one context's listings, least recently used first.
class DirStreams {
 public:
  static constexpr size_t kMaxOpen = 16;
  size_t open_count() const { return in_use_.size(); }

 private:
  friend class DirListing;
  void touch(DirListing* l);   // marks `l`'s stream as just used, closing another if needed
  void forget(DirListing* l);  // `l` closed its stream
  std::vector<DirListing*> in_use_;
};

class DirListing {
 public:
  explicit DirListing(DirStreams& streams) : streams_(streams) {}
  ~DirListing();
  DirListing(const DirListing&) = delete;
  DirListing& operator=(const DirListing&) = delete;

  // Positions the listing of `dir` so that next() returns entry `cookie` (or the end).
  Errno seek(os::Handle dir, uint64_t cookie);
  // The next entry, or nullptr at the end; valid until the next call. Its d_next is cookie().
  Errno next(const os::DirEntry** out);
  uint64_t cookie() const { return index_; }

 private:
  friend class DirStreams;
  void close_stream();
  Errno skip_to(uint64_t cookie);

  DirStreams& streams_;
  std::unique_ptr<os::DirStream> stream_;  // null: not opened yet, or closed by DirStreams
  uint64_t index_ = 0;                     // the index of the entry the stream returns next
  std::optional<os::DirEntry> last_;       // entry index_ - 1
  bool replay_last_ = false;               // next() returns last_ before reading on
};

}  // namespace wrun::wasi
