// FdTable: lookup with rights, lowest-free allocation, renumbering.
#include "wasi/fd_table.h"

namespace wrun::wasi {

FdEntry* FdTable::get(uint32_t fd) const { return fd < fds_.size() ? fds_[fd].get() : nullptr; }

Errno FdTable::get(uint32_t fd, uint64_t base, FdEntry** out) const {
  FdEntry* e = get(fd);
  if (!e) return Errno::BADF;
  if ((e->rights_base & base) != base) return Errno::NOTCAPABLE;
  *out = e;
  return Errno::SUCCESS;
}

Errno FdTable::insert(std::unique_ptr<FdEntry> entry, uint32_t* fd) {
  for (uint32_t i = 0; i < fds_.size(); ++i) {
    if (!fds_[i]) {
      fds_[i] = std::move(entry);
      *fd = i;
      return Errno::SUCCESS;
    }
  }
  if (fds_.size() >= kMaxFds) return Errno::MFILE;
  fds_.push_back(std::move(entry));
  *fd = static_cast<uint32_t>(fds_.size() - 1);
  return Errno::SUCCESS;
}

void FdTable::insert_at(uint32_t fd, std::unique_ptr<FdEntry> entry) {
  if (fd >= fds_.size()) fds_.resize(fd + 1);
  fds_[fd] = std::move(entry);
}

std::unique_ptr<FdEntry> FdTable::remove(uint32_t fd) {
  if (fd >= fds_.size()) return nullptr;
  std::unique_ptr<FdEntry> e = std::move(fds_[fd]);
  while (!fds_.empty() && !fds_.back()) fds_.pop_back();
  return e;
}

Errno FdTable::renumber(uint32_t from, uint32_t to) {
  if (!get(from) || !get(to)) return Errno::BADF;
  if (from == to) return Errno::SUCCESS;
  fds_[to] = std::move(fds_[from]);  // closes what `to` held
  remove(from);
  return Errno::SUCCESS;
}

}  // namespace wrun::wasi
