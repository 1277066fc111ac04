// The path_* functions. Every path is resolved beneath the directory fd it is given (see
// path_resolve.h); the operation itself is then one *_at call on the final component.
#include "wasi/host_functions.h"
#include "wasi/path_resolve.h"

namespace wrun::wasi {

namespace {

// The directory behind `fd` (with `rights`), and `path` read from guest memory and resolved
// beneath it.
Errno resolve(Call& c, uint32_t fd, uint64_t rights, uint32_t path, uint32_t path_len, bool follow,
              ResolvedPath* out, FdEntry** dir = nullptr) {
  FdEntry* e;
  WASI_TRY(c.ctx.fds.get(fd, rights, &e));
  if (!e->is_directory()) return Errno::NOTDIR;
  std::string_view p;
  WASI_TRY(c.mem().string(path, path_len, &p, kMaxPathLen));
  if (dir) *dir = e;
  return resolve_path(e->handle.get(), p, follow, out);
}

Errno follow_flag(uint32_t lookupflags, bool* follow) {
  if (lookupflags & ~lookupflag::SYMLINK_FOLLOW) return Errno::INVAL;
  *follow = (lookupflags & lookupflag::SYMLINK_FOLLOW) != 0;
  return Errno::SUCCESS;
}

// A path written with a trailing '/' must name a directory.
Errno require_directory(const ResolvedPath& r) {
  os::FileStat st;
  WASI_TRY(os::stat_at(r.dir, r.name, &st));
  return st.type == Filetype::DIRECTORY ? Errno::SUCCESS : Errno::NOTDIR;
}

// Where something new is to be created, a trailing '/' means "a directory that exists".
Errno creation_target_with_slash(const ResolvedPath& r) {
  os::FileStat st;
  Errno e = os::stat_at(r.dir, r.name, &st);
  if (e == Errno::SUCCESS) return Errno::EXIST;
  return e == Errno::NOENT ? Errno::NOENT : e;
}

}  // namespace

Errno path_create_directory(Call& c, uint32_t fd, uint32_t path, uint32_t path_len) {
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_CREATE_DIRECTORY, path, path_len, false, &r));
  return os::mkdir_at(r.dir, r.name);
}

Errno path_filestat_get(Call& c, uint32_t fd, uint32_t flags, uint32_t path, uint32_t path_len,
                        uint32_t out) {
  bool follow;
  WASI_TRY(follow_flag(flags, &follow));
  WASI_TRY(c.mem().check(out, layout::kFilestatSize));
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_FILESTAT_GET, path, path_len, follow, &r));
  os::FileStat st;
  WASI_TRY(os::stat_at(r.dir, r.name, &st));
  if (r.trailing_slash && st.type != Filetype::DIRECTORY) return Errno::NOTDIR;
  return write_filestat(c.mem(), out, st);
}

Errno path_filestat_set_times(Call& c, uint32_t fd, uint32_t flags, uint32_t path,
                              uint32_t path_len, uint64_t atim, uint64_t mtim, uint32_t fst) {
  bool follow;
  WASI_TRY(follow_flag(flags, &follow));
  os::TimeSpec a, m;
  WASI_TRY(times_from_flags(atim, mtim, fst, &a, &m));
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_FILESTAT_SET_TIMES, path, path_len, follow, &r));
  if (r.trailing_slash) WASI_TRY(require_directory(r));
  return os::set_times_at(r.dir, r.name, a, m);
}

Errno path_link(Call& c, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                uint32_t new_fd, uint32_t new_path, uint32_t new_len) {
  bool follow;
  WASI_TRY(follow_flag(old_flags, &follow));
  ResolvedPath from, to;
  WASI_TRY(resolve(c, old_fd, right::PATH_LINK_SOURCE, old_path, old_len, follow, &from));
  WASI_TRY(resolve(c, new_fd, right::PATH_LINK_TARGET, new_path, new_len, false, &to));
  if (from.trailing_slash) WASI_TRY(require_directory(from));
  if (to.trailing_slash) return creation_target_with_slash(to);
  return os::link_at(from.dir, from.name, to.dir, to.name);
}

Errno path_open(Call& c, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len,
                uint32_t oflags, uint64_t rights_base, uint64_t rights_inheriting, uint32_t fdflags,
                uint32_t out) {
  bool follow;
  WASI_TRY(follow_flag(dirflags, &follow));
  if (oflags & ~uint32_t{oflag::ALL}) return Errno::INVAL;
  if (fdflags & ~uint32_t{fdflag::ALL}) return Errno::INVAL;
  const bool want_dir = oflags & oflag::DIRECTORY;
  if (want_dir && (oflags & (oflag::CREAT | oflag::TRUNC))) return Errno::INVAL;

  uint64_t needed = right::PATH_OPEN;
  if (oflags & oflag::CREAT) needed |= right::PATH_CREATE_FILE;
  if (oflags & oflag::TRUNC) needed |= right::PATH_FILESTAT_SET_SIZE;
  WASI_TRY(c.mem().check(out, 4));
  ResolvedPath r;
  FdEntry* dir;
  WASI_TRY(resolve(c, fd, needed, path, path_len, follow, &r, &dir));

  // The new descriptor gets what it asked for, as far as the directory can pass it on.
  uint64_t base = rights_base & dir->rights_inheriting;
  uint64_t inheriting = rights_inheriting & dir->rights_inheriting;

  os::OpenFlags f;
  f.read = base & (right::FD_READ | right::FD_READDIR);
  f.write = base & (right::FD_WRITE | right::FD_DATASYNC | right::FD_ALLOCATE |
                    right::FD_FILESTAT_SET_SIZE);
  f.create = oflags & oflag::CREAT;
  f.exclusive = oflags & oflag::EXCL;
  f.truncate = oflags & oflag::TRUNC;
  if (f.truncate) f.write = true;  // truncating is writing, whatever rights the fd keeps
  f.directory = want_dir || r.trailing_slash;
  f.fdflags = static_cast<uint16_t>(fdflags);

  os::Handle h;
  WASI_TRY(os::open_at(r.dir, r.name, f, &h));
  auto entry = std::make_unique<FdEntry>();
  entry->handle = os::OwnedHandle(h);
  os::FileStat st;
  WASI_TRY(os::fstat(h, &st));
  entry->type = st.type;
  entry->rights_base = base & base_rights_for(st.type);
  entry->rights_inheriting = inheriting & inheriting_rights_for(st.type);
  entry->fdflags = static_cast<uint16_t>(fdflags);

  uint32_t new_fd;
  WASI_TRY(c.ctx.fds.insert(std::move(entry), &new_fd));
  return c.mem().write<uint32_t>(out, new_fd);
}

Errno path_readlink(Call& c, uint32_t fd, uint32_t path, uint32_t path_len, uint32_t buf,
                    uint32_t buf_len, uint32_t out) {
  auto dst = c.mem().span(buf, buf_len);
  if (!dst) return Errno::FAULT;
  WASI_TRY(c.mem().check(out, 4));
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_READLINK, path, path_len, false, &r));
  std::string target;
  WASI_TRY(os::readlink_at(r.dir, r.name, &target));
  // A buffer too small gets the start of the target (POSIX readlink does the same).
  size_t n = std::min<size_t>(target.size(), dst->size());
  if (n) std::memcpy(dst->data(), target.data(), n);
  return c.mem().write<uint32_t>(out, static_cast<uint32_t>(n));
}

Errno path_remove_directory(Call& c, uint32_t fd, uint32_t path, uint32_t path_len) {
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_REMOVE_DIRECTORY, path, path_len, false, &r));
  return os::rmdir_at(r.dir, r.name);
}

Errno path_rename(Call& c, uint32_t fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                  uint32_t new_path, uint32_t new_len) {
  ResolvedPath from, to;
  WASI_TRY(resolve(c, fd, right::PATH_RENAME_SOURCE, old_path, old_len, false, &from));
  WASI_TRY(resolve(c, new_fd, right::PATH_RENAME_TARGET, new_path, new_len, false, &to));
  // "dir/" on either side is fine when a directory is being renamed.
  if (from.trailing_slash || to.trailing_slash) WASI_TRY(require_directory(from));
  return os::rename_at(from.dir, from.name, to.dir, to.name);
}

Errno path_symlink(Call& c, uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                   uint32_t new_len) {
  std::string_view target;
  WASI_TRY(c.mem().string(old_path, old_len, &target, kMaxPathLen));
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_SYMLINK, new_path, new_len, false, &r));
  // An absolute target could only ever point outside the sandbox: refuse to make one.
  WASI_TRY(check_guest_path(target));
  if (r.trailing_slash) return creation_target_with_slash(r);
  return os::symlink_at(std::string(target), r.dir, r.name);
}

Errno path_unlink_file(Call& c, uint32_t fd, uint32_t path, uint32_t path_len) {
  ResolvedPath r;
  WASI_TRY(resolve(c, fd, right::PATH_UNLINK_FILE, path, path_len, false, &r));
  if (r.trailing_slash) {
    os::FileStat st;
    WASI_TRY(os::stat_at(r.dir, r.name, &st));
    return st.type == Filetype::DIRECTORY ? Errno::ISDIR : Errno::NOTDIR;
  }
  return os::unlink_at(r.dir, r.name);
}

}  // namespace wrun::wasi
