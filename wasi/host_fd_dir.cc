// Directory descriptors: fd_readdir, fd_prestat_get, fd_prestat_dir_name.
#include <algorithm>
#include <array>
#include <memory>

#include "wasi/host_functions.h"

namespace wrun::wasi {

Errno fd_prestat_get(Call& c, uint32_t fd, uint32_t out) {
  FdEntry* e = c.ctx.fds.get(fd);
  if (!e || !e->preopen) return Errno::BADF;
  std::array<uint8_t, layout::kPrestatSize> b{};
  b[layout::kPrestatTag] = kPreopentypeDir;
  auto len = static_cast<uint32_t>(e->preopen->size());
  std::memcpy(b.data() + layout::kPrestatNameLen, &len, 4);
  return c.mem().write_bytes(out, b);
}

Errno fd_prestat_dir_name(Call& c, uint32_t fd, uint32_t path, uint32_t path_len) {
  FdEntry* e = c.ctx.fds.get(fd);
  if (!e || !e->preopen) return Errno::BADF;
  const std::string& name = *e->preopen;
  WASI_TRY(c.mem().check(path, path_len));
  if (path_len < name.size()) return Errno::NAMETOOLONG;
  return c.mem().write_bytes(path, {reinterpret_cast<const uint8_t*>(name.data()), name.size()});
}

// Entries are laid out back to back: a 24-byte dirent, then the name (no NUL). The listing
// is cut at buf_len, possibly in the middle of an entry; a full buffer tells the guest to ask
// again from the last whole entry's d_next. Cookies are entry indices (dir_listing.h).
Errno fd_readdir(Call& c, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                 uint32_t out) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, right::FD_READDIR, &e));
  if (!e->is_directory()) return Errno::NOTDIR;
  auto dst = c.mem().span(buf, buf_len);
  if (!dst) return Errno::FAULT;
  WASI_TRY(c.mem().check(out, 4));

  if (!e->listing) e->listing = std::make_unique<DirListing>(c.ctx.dir_streams);
  DirListing& listing = *e->listing;
  WASI_TRY(listing.seek(e->handle.get(), cookie));

  size_t used = 0;
  auto put = [&](const uint8_t* p, size_t n) {
    size_t k = std::min(n, dst->size() - used);
    if (k) std::memcpy(dst->data() + used, p, k);
    used += k;
  };
  while (used < dst->size()) {
    const os::DirEntry* d;
    if (Errno err = listing.next(&d); err != Errno::SUCCESS) {
      if (used == 0) return err;
      break;  // keep what the guest already has; asking on meets the error again
    }
    if (!d) break;
    std::array<uint8_t, layout::kDirentSize> h{};
    const uint64_t next = listing.cookie();
    auto namlen = static_cast<uint32_t>(d->name.size());
    std::memcpy(h.data() + layout::kDirentNext, &next, 8);
    std::memcpy(h.data() + layout::kDirentIno, &d->ino, 8);
    std::memcpy(h.data() + layout::kDirentNamlen, &namlen, 4);
    h[layout::kDirentType] = static_cast<uint8_t>(d->type);
    put(h.data(), h.size());
    put(reinterpret_cast<const uint8_t*>(d->name.data()), d->name.size());
  }
  return c.mem().write<uint32_t>(out, static_cast<uint32_t>(used));
}

}  // namespace wrun::wasi
