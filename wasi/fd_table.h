// The guest's descriptor table: each guest fd names a host handle with its WASI file type,
// fdflags and rights (base: what this fd may do; inheriting: what fds opened through it may
// get). Rights only ever shrink.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasi/abi.h"
#include "wasi/dir_listing.h"
#include "wasi/os.h"

namespace wrun::wasi {

struct FdEntry {
  os::OwnedHandle handle;
  Filetype type = Filetype::UNKNOWN;
  uint16_t fdflags = 0;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  std::optional<std::string> preopen;  // the guest's name for a preopened directory
  // The host shares this open file description with other processes (stdio, handed-in
  // sockets): its flags are never changed; `fdflags` is the guest's view, applied per call.
  bool shared_description = false;
  // fd_readdir's position in the directory, made by the first fd_readdir.
  std::unique_ptr<DirListing> listing;

  bool is_directory() const { return type == Filetype::DIRECTORY; }
  bool is_socket() const {
    return type == Filetype::SOCKET_STREAM || type == Filetype::SOCKET_DGRAM;
  }
};

class FdTable {
 public:
  // The entry behind `fd`, or nullptr.
  FdEntry* get(uint32_t fd) const;
  // The entry behind `fd` when it has every right in `base`: else BADF or NOTCAPABLE.
  Errno get(uint32_t fd, uint64_t base, FdEntry** out) const;

  // Installs at the lowest free number; MFILE when the table is full.
  Errno insert(std::unique_ptr<FdEntry> entry, uint32_t* fd);
  // Installs at exactly `fd` (the table grows as needed; an existing entry there is closed).
  void insert_at(uint32_t fd, std::unique_ptr<FdEntry> entry);
  std::unique_ptr<FdEntry> remove(uint32_t fd);
  // Moves `from` over `to` (closing what `to` had); both must be open.
  Errno renumber(uint32_t from, uint32_t to);

  static constexpr uint32_t kMaxFds = 1u << 16;

 private:
  std::vector<std::unique_ptr<FdEntry>> fds_;
};

}  // namespace wrun::wasi
