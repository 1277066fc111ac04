// The OS layer on Windows. Compiled only when CMake targets WIN32 (see CMakeLists.txt).
//
// STATUS: a skeleton. Handles, plain reads and writes, clocks, randomness and sleeping are
// real; every file-system and socket primitive below marked "TODO(win32)" returns NOSYS.
// Completing it touches this file only: the WASI logic (rights, sandboxed path walks,
// guest memory) is shared with POSIX and talks to the host only through os.h. Notes for
// whoever completes it:
//   - Handle::value holds a HANDLE (files, directories) or a SOCKET.
//   - open_at: NtCreateFile with OBJECT_ATTRIBUTES.RootDirectory = dir and
//     FILE_OPEN_REPARSE_POINT (never follow); directories need FILE_FLAG_BACKUP_SEMANTICS.
//   - readlink_at: DeviceIoControl(FSCTL_GET_REPARSE_POINT) on the opened reparse point.
//   - read_dir: GetFileInformationByHandleEx(FileIdBothDirectoryInfo), adding "." and "..".
//   - rename/unlink: SetFileInformationByHandle(FileRenameInfoEx / FileDispositionInfoEx).
// wasi/os.h first: <windows.h> defines macros (FD_READ, FD_WRITE, ...) that collide with
// WASI's names.
#include "wasi/os.h"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <bcrypt.h>
#include <io.h>
#include <windows.h>

#include <algorithm>

namespace wrun::wasi::os {

namespace {

HANDLE win(Handle h) { return reinterpret_cast<HANDLE>(h.value); }

Errno from_win32(DWORD e) {
  switch (e) {
    case ERROR_SUCCESS:
      return Errno::SUCCESS;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
      return Errno::NOENT;
    case ERROR_ACCESS_DENIED:
      return Errno::ACCES;
    case ERROR_INVALID_HANDLE:
      return Errno::BADF;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
      return Errno::NOMEM;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
      return Errno::EXIST;
    case ERROR_DIR_NOT_EMPTY:
      return Errno::NOTEMPTY;
    case ERROR_BROKEN_PIPE:
      return Errno::PIPE;
    case ERROR_DISK_FULL:
      return Errno::NOSPC;
    case ERROR_INVALID_PARAMETER:
      return Errno::INVAL;
    case ERROR_NOT_SUPPORTED:
      return Errno::NOTSUP;
    default:
      return Errno::IO;
  }
}

Errno last_error() { return from_win32(GetLastError()); }

// TODO(win32): not implemented yet.
constexpr Errno kTodo = Errno::NOSYS;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Descriptors

Errno close(Handle h) { return CloseHandle(win(h)) ? Errno::SUCCESS : last_error(); }

Errno duplicate(Handle h, Handle* out) {
  HANDLE dup = nullptr;
  if (!DuplicateHandle(GetCurrentProcess(), win(h), GetCurrentProcess(), &dup, 0, FALSE,
                       DUPLICATE_SAME_ACCESS)) {
    return last_error();
  }
  *out = Handle{reinterpret_cast<intptr_t>(dup)};
  return Errno::SUCCESS;
}

Errno duplicate_stdio(int fd, Handle* out) {
  intptr_t h = _get_osfhandle(fd);
  if (h == -1) return Errno::BADF;
  return duplicate(Handle{h}, out);
}

Errno open_directory(const std::string& host_path, Handle* out) {
  HANDLE h = CreateFileA(host_path.c_str(), GENERIC_READ,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
  if (h == INVALID_HANDLE_VALUE) return last_error();
  *out = Handle{reinterpret_cast<intptr_t>(h)};
  return Errno::SUCCESS;
}

Errno fstat(Handle h, FileStat* out) {
  BY_HANDLE_FILE_INFORMATION info;
  DWORD type = GetFileType(win(h));
  if (type == FILE_TYPE_CHAR) {
    *out = FileStat{};
    out->type = Filetype::CHARACTER_DEVICE;
    return Errno::SUCCESS;
  }
  if (type == FILE_TYPE_PIPE) {
    *out = FileStat{};
    return Errno::SUCCESS;
  }
  if (!GetFileInformationByHandle(win(h), &info)) return last_error();
  auto ns = [](FILETIME t) {
    uint64_t v = (uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime;
    constexpr uint64_t kEpochDelta = 116444736000000000ull;  // 1601 → 1970 in 100 ns units
    return v < kEpochDelta ? 0 : (v - kEpochDelta) * 100;
  };
  out->dev = info.dwVolumeSerialNumber;
  out->ino = (uint64_t{info.nFileIndexHigh} << 32) | info.nFileIndexLow;
  out->type = (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)       ? Filetype::DIRECTORY
              : (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ? Filetype::SYMBOLIC_LINK
                                                                       : Filetype::REGULAR_FILE;
  out->nlink = info.nNumberOfLinks;
  out->size = (uint64_t{info.nFileSizeHigh} << 32) | info.nFileSizeLow;
  out->atim = ns(info.ftLastAccessTime);
  out->mtim = ns(info.ftLastWriteTime);
  out->ctim = ns(info.ftCreationTime);
  return Errno::SUCCESS;
}

Errno get_fdflags(Handle, uint16_t* out) {
  *out = 0;
  return Errno::SUCCESS;
}
Errno set_fdflags(Handle, uint16_t) { return kTodo; }

// ---------------------------------------------------------------------------------------------
// I/O

Errno read(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait) {
  if (wait == Wait::Never) return kTodo;  // TODO(win32): PeekNamedPipe / console input
  size_t total = 0;
  for (const IoSlice& s : iov) {
    DWORD want = static_cast<DWORD>(std::min<size_t>(s.len, 0x7fffffff)), got = 0;
    if (!ReadFile(win(h), s.data, want, &got, nullptr)) {
      if (GetLastError() == ERROR_BROKEN_PIPE) break;  // end of a pipe
      if (total) break;
      return last_error();
    }
    total += got;
    if (got < want) break;
  }
  *n = total;
  return Errno::SUCCESS;
}

Errno write(Handle h, std::span<const IoSlice> iov, size_t* n, Wait wait) {
  if (wait == Wait::Never) return kTodo;  // TODO(win32)
  size_t total = 0;
  for (const IoSlice& s : iov) {
    DWORD want = static_cast<DWORD>(std::min<size_t>(s.len, 0x7fffffff)), put = 0;
    if (!WriteFile(win(h), s.data, want, &put, nullptr)) {
      if (total) break;
      return last_error();
    }
    total += put;
    if (put < want) break;
  }
  *n = total;
  return Errno::SUCCESS;
}

Errno pread(Handle, std::span<const IoSlice>, uint64_t, size_t*) { return kTodo; }
Errno pwrite(Handle, std::span<const IoSlice>, uint64_t, size_t*) { return kTodo; }

Errno seek(Handle h, int64_t delta, Whence whence, uint64_t* new_offset) {
  LARGE_INTEGER d, r;
  d.QuadPart = delta;
  DWORD w = whence == Whence::SET ? FILE_BEGIN : whence == Whence::CUR ? FILE_CURRENT : FILE_END;
  if (!SetFilePointerEx(win(h), d, &r, w)) return last_error();
  *new_offset = static_cast<uint64_t>(r.QuadPart);
  return Errno::SUCCESS;
}

Errno sync(Handle h) { return FlushFileBuffers(win(h)) ? Errno::SUCCESS : last_error(); }
Errno datasync(Handle h) { return sync(h); }
Errno advise(Handle, uint64_t, uint64_t, Advice) { return Errno::SUCCESS; }  // only a hint
Errno allocate(Handle, uint64_t, uint64_t) { return Errno::NOTSUP; }
Errno set_size(Handle, uint64_t) { return kTodo; }
Errno set_times(Handle, TimeSpec, TimeSpec) { return kTodo; }
Errno bytes_readable(Handle, uint64_t* out) {
  *out = 0;
  return Errno::SUCCESS;
}

// ---------------------------------------------------------------------------------------------
// One path component relative to a directory: TODO(win32)

Errno open_at(Handle, const std::string&, const OpenFlags&, Handle*) { return kTodo; }
Errno stat_at(Handle, const std::string&, FileStat*) { return kTodo; }
Errno set_times_at(Handle, const std::string&, TimeSpec, TimeSpec) { return kTodo; }
Errno mkdir_at(Handle, const std::string&) { return kTodo; }
Errno unlink_at(Handle, const std::string&) { return kTodo; }
Errno rmdir_at(Handle, const std::string&) { return kTodo; }
Errno rename_at(Handle, const std::string&, Handle, const std::string&) { return kTodo; }
Errno link_at(Handle, const std::string&, Handle, const std::string&) { return kTodo; }
Errno symlink_at(const std::string&, Handle, const std::string&) { return kTodo; }
Errno readlink_at(Handle, const std::string&, std::string*) { return kTodo; }
Errno DirStream::open(Handle, std::unique_ptr<DirStream>*) { return kTodo; }
DirStream::~DirStream() = default;
Errno DirStream::next(DirEntry*, bool*) { return kTodo; }
void DirStream::rewind() {}

// ---------------------------------------------------------------------------------------------
// Clocks, randomness, scheduling

Errno clock_res(ClockId id, uint64_t* ns) {
  if (static_cast<uint32_t>(id) > 3) return Errno::INVAL;
  *ns = id == ClockId::REALTIME ? 100 : 1000;
  return Errno::SUCCESS;
}

Errno clock_now(ClockId id, uint64_t* ns) {
  switch (id) {
    case ClockId::REALTIME: {
      FILETIME ft;
      GetSystemTimePreciseAsFileTime(&ft);
      uint64_t v = (uint64_t{ft.dwHighDateTime} << 32) | ft.dwLowDateTime;
      *ns = (v - 116444736000000000ull) * 100;
      return Errno::SUCCESS;
    }
    case ClockId::MONOTONIC: {
      LARGE_INTEGER c, f;
      QueryPerformanceCounter(&c);
      QueryPerformanceFrequency(&f);
      *ns = static_cast<uint64_t>(c.QuadPart / f.QuadPart) * 1000000000ull +
            static_cast<uint64_t>(c.QuadPart % f.QuadPart) * 1000000000ull /
                static_cast<uint64_t>(f.QuadPart);
      return Errno::SUCCESS;
    }
    case ClockId::PROCESS_CPUTIME:
    case ClockId::THREAD_CPUTIME: {
      FILETIME create, exit, kernel, user;
      BOOL ok = id == ClockId::PROCESS_CPUTIME
                    ? GetProcessTimes(GetCurrentProcess(), &create, &exit, &kernel, &user)
                    : GetThreadTimes(GetCurrentThread(), &create, &exit, &kernel, &user);
      if (!ok) return last_error();
      auto v = [](FILETIME t) { return (uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime; };
      *ns = (v(kernel) + v(user)) * 100;
      return Errno::SUCCESS;
    }
  }
  return Errno::INVAL;
}

Errno random_fill(uint8_t* data, size_t len) {
  while (len) {
    ULONG chunk = static_cast<ULONG>(std::min<size_t>(len, 1u << 30));
    if (BCryptGenRandom(nullptr, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
      return Errno::IO;
    }
    data += chunk;
    len -= chunk;
  }
  return Errno::SUCCESS;
}

void yield() { SwitchToThread(); }

Errno poll(std::span<const PollRequest>, std::optional<uint64_t>, std::vector<PollResult>*) {
  return kTodo;
}

void sleep(uint64_t ns) { Sleep(static_cast<DWORD>(std::min<uint64_t>(ns / 1000000, 0xfffffffe))); }

// ---------------------------------------------------------------------------------------------
// Sockets: TODO(win32) (Winsock: accept, WSARecv, WSASend, shutdown)

Errno sock_accept(Handle, bool, Handle*, Wait) { return kTodo; }
Errno sock_recv(Handle, std::span<const IoSlice>, bool, bool, size_t*, bool*, Wait) {
  return kTodo;
}
Errno sock_send(Handle, std::span<const IoSlice>, size_t*, Wait) { return kTodo; }
Errno wait_ready(Handle, bool) { return kTodo; }
Errno sock_shutdown(Handle, bool, bool) { return kTodo; }

}  // namespace wrun::wasi::os
