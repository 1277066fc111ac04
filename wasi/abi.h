// The wasi_snapshot_preview1 ABI as data: errno values, rights bits, flags, enums, and the
// byte layout of every struct the guest reads or writes (witx typenames.witx). Nothing here
// does anything; the host functions and the OS layer share these names.
#pragma once

#include <cstdint>

namespace wrun::wasi {

// clang-format off
// X(name, value): every errno of typenames.witx, in order.
#define WRUN_WASI_ERRNOS(X)                                                                    \
  X(SUCCESS, 0) X(TOOBIG, 1) X(ACCES, 2) X(ADDRINUSE, 3) X(ADDRNOTAVAIL, 4) X(AFNOSUPPORT, 5) \
  X(AGAIN, 6) X(ALREADY, 7) X(BADF, 8) X(BADMSG, 9) X(BUSY, 10) X(CANCELED, 11) X(CHILD, 12)  \
  X(CONNABORTED, 13) X(CONNREFUSED, 14) X(CONNRESET, 15) X(DEADLK, 16) X(DESTADDRREQ, 17)     \
  X(DOM, 18) X(DQUOT, 19) X(EXIST, 20) X(FAULT, 21) X(FBIG, 22) X(HOSTUNREACH, 23)            \
  X(IDRM, 24) X(ILSEQ, 25) X(INPROGRESS, 26) X(INTR, 27) X(INVAL, 28) X(IO, 29)               \
  X(ISCONN, 30) X(ISDIR, 31) X(LOOP, 32) X(MFILE, 33) X(MLINK, 34) X(MSGSIZE, 35)             \
  X(MULTIHOP, 36) X(NAMETOOLONG, 37) X(NETDOWN, 38) X(NETRESET, 39) X(NETUNREACH, 40)         \
  X(NFILE, 41) X(NOBUFS, 42) X(NODEV, 43) X(NOENT, 44) X(NOEXEC, 45) X(NOLCK, 46)             \
  X(NOLINK, 47) X(NOMEM, 48) X(NOMSG, 49) X(NOPROTOOPT, 50) X(NOSPC, 51) X(NOSYS, 52)         \
  X(NOTCONN, 53) X(NOTDIR, 54) X(NOTEMPTY, 55) X(NOTRECOVERABLE, 56) X(NOTSOCK, 57)           \
  X(NOTSUP, 58) X(NOTTY, 59) X(NXIO, 60) X(OVERFLOW, 61) X(OWNERDEAD, 62) X(PERM, 63)         \
  X(PIPE, 64) X(PROTO, 65) X(PROTONOSUPPORT, 66) X(PROTOTYPE, 67) X(RANGE, 68) X(ROFS, 69)    \
  X(SPIPE, 70) X(SRCH, 71) X(STALE, 72) X(TIMEDOUT, 73) X(TXTBSY, 74) X(XDEV, 75)             \
  X(NOTCAPABLE, 76)
// clang-format on

// `errno` is a macro in <cerrno>, so the type is Errno and the names drop the leading E
// (TOOBIG is witx's "2big").
enum class Errno : uint16_t {
#define WRUN_X(name, value) name = value,
  WRUN_WASI_ERRNOS(WRUN_X)
#undef WRUN_X
};
const char* errno_name(Errno e);         // "NOENT", ...; "UNKNOWN" for other values
const char* errno_description(Errno e);  // "no such file or directory", ...

// ---------------------------------------------------------------------------------------------
// Rights (u64 flags)

namespace right {
constexpr uint64_t FD_DATASYNC = 1ull << 0;
constexpr uint64_t FD_READ = 1ull << 1;
constexpr uint64_t FD_SEEK = 1ull << 2;
constexpr uint64_t FD_FDSTAT_SET_FLAGS = 1ull << 3;
constexpr uint64_t FD_SYNC = 1ull << 4;
constexpr uint64_t FD_TELL = 1ull << 5;
constexpr uint64_t FD_WRITE = 1ull << 6;
constexpr uint64_t FD_ADVISE = 1ull << 7;
constexpr uint64_t FD_ALLOCATE = 1ull << 8;
constexpr uint64_t PATH_CREATE_DIRECTORY = 1ull << 9;
constexpr uint64_t PATH_CREATE_FILE = 1ull << 10;
constexpr uint64_t PATH_LINK_SOURCE = 1ull << 11;
constexpr uint64_t PATH_LINK_TARGET = 1ull << 12;
constexpr uint64_t PATH_OPEN = 1ull << 13;
constexpr uint64_t FD_READDIR = 1ull << 14;
constexpr uint64_t PATH_READLINK = 1ull << 15;
constexpr uint64_t PATH_RENAME_SOURCE = 1ull << 16;
constexpr uint64_t PATH_RENAME_TARGET = 1ull << 17;
constexpr uint64_t PATH_FILESTAT_GET = 1ull << 18;
constexpr uint64_t PATH_FILESTAT_SET_SIZE = 1ull << 19;
constexpr uint64_t PATH_FILESTAT_SET_TIMES = 1ull << 20;
constexpr uint64_t FD_FILESTAT_GET = 1ull << 21;
constexpr uint64_t FD_FILESTAT_SET_SIZE = 1ull << 22;
constexpr uint64_t FD_FILESTAT_SET_TIMES = 1ull << 23;
constexpr uint64_t PATH_SYMLINK = 1ull << 24;
constexpr uint64_t PATH_REMOVE_DIRECTORY = 1ull << 25;
constexpr uint64_t PATH_UNLINK_FILE = 1ull << 26;
constexpr uint64_t POLL_FD_READWRITE = 1ull << 27;
constexpr uint64_t SOCK_SHUTDOWN = 1ull << 28;
constexpr uint64_t SOCK_ACCEPT = 1ull << 29;
constexpr uint64_t ALL = (1ull << 30) - 1;

// What each kind of descriptor can ever have (a descriptor's rights are masked by these).
constexpr uint64_t DIRECTORY_BASE =
    FD_FDSTAT_SET_FLAGS | FD_SYNC | FD_ADVISE | PATH_CREATE_DIRECTORY | PATH_CREATE_FILE |
    PATH_LINK_SOURCE | PATH_LINK_TARGET | PATH_OPEN | FD_READDIR | PATH_READLINK |
    PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_GET | PATH_FILESTAT_SET_SIZE |
    PATH_FILESTAT_SET_TIMES | FD_FILESTAT_GET | FD_FILESTAT_SET_TIMES | PATH_SYMLINK |
    PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE | POLL_FD_READWRITE;
constexpr uint64_t REGULAR_FILE_BASE = FD_DATASYNC | FD_READ | FD_SEEK | FD_FDSTAT_SET_FLAGS |
                                       FD_SYNC | FD_TELL | FD_WRITE | FD_ADVISE | FD_ALLOCATE |
                                       FD_FILESTAT_GET | FD_FILESTAT_SET_SIZE |
                                       FD_FILESTAT_SET_TIMES | POLL_FD_READWRITE;
constexpr uint64_t DIRECTORY_INHERITING = DIRECTORY_BASE | REGULAR_FILE_BASE;
// Terminals, pipes and other character streams: no seeking (wasi-libc's isatty looks at this).
constexpr uint64_t STREAM_BASE =
    FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET | POLL_FD_READWRITE;
constexpr uint64_t SOCKET_BASE = FD_READ | FD_WRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET |
                                 POLL_FD_READWRITE | SOCK_SHUTDOWN | SOCK_ACCEPT;
// Everything that changes the file system or a file: dropped for read-only preopens.
constexpr uint64_t WRITES = FD_DATASYNC | FD_WRITE | FD_ALLOCATE | PATH_CREATE_DIRECTORY |
                            PATH_CREATE_FILE | PATH_LINK_SOURCE | PATH_LINK_TARGET |
                            PATH_RENAME_SOURCE | PATH_RENAME_TARGET | PATH_FILESTAT_SET_SIZE |
                            PATH_FILESTAT_SET_TIMES | FD_FILESTAT_SET_SIZE | FD_FILESTAT_SET_TIMES |
                            PATH_SYMLINK | PATH_REMOVE_DIRECTORY | PATH_UNLINK_FILE;
}  // namespace right

// ---------------------------------------------------------------------------------------------
// Enums and flags

enum class Filetype : uint8_t {
  UNKNOWN = 0,
  BLOCK_DEVICE = 1,
  CHARACTER_DEVICE = 2,
  DIRECTORY = 3,
  REGULAR_FILE = 4,
  SOCKET_DGRAM = 5,
  SOCKET_STREAM = 6,
  SYMBOLIC_LINK = 7,
};

enum class ClockId : uint32_t {
  REALTIME = 0,
  MONOTONIC = 1,
  PROCESS_CPUTIME = 2,
  THREAD_CPUTIME = 3
};

enum class Whence : uint8_t { SET = 0, CUR = 1, END = 2 };

enum class Advice : uint8_t {
  NORMAL = 0,
  SEQUENTIAL = 1,
  RANDOM = 2,
  WILLNEED = 3,
  DONTNEED = 4,
  NOREUSE = 5,
};

namespace fdflag {  // fdflags, u16
constexpr uint16_t APPEND = 1 << 0;
constexpr uint16_t DSYNC = 1 << 1;
constexpr uint16_t NONBLOCK = 1 << 2;
constexpr uint16_t RSYNC = 1 << 3;
constexpr uint16_t SYNC = 1 << 4;
constexpr uint16_t ALL = (1 << 5) - 1;
}  // namespace fdflag

namespace fstflag {  // fstflags, u16
constexpr uint16_t ATIM = 1 << 0;
constexpr uint16_t ATIM_NOW = 1 << 1;
constexpr uint16_t MTIM = 1 << 2;
constexpr uint16_t MTIM_NOW = 1 << 3;
constexpr uint16_t ALL = (1 << 4) - 1;
}  // namespace fstflag

namespace lookupflag {  // lookupflags, u32
constexpr uint32_t SYMLINK_FOLLOW = 1 << 0;
}

namespace oflag {  // oflags, u16
constexpr uint16_t CREAT = 1 << 0;
constexpr uint16_t DIRECTORY = 1 << 1;
constexpr uint16_t EXCL = 1 << 2;
constexpr uint16_t TRUNC = 1 << 3;
constexpr uint16_t ALL = (1 << 4) - 1;
}  // namespace oflag

enum class EventType : uint8_t { CLOCK = 0, FD_READ = 1, FD_WRITE = 2 };

namespace subclockflag {  // subclockflags, u16
constexpr uint16_t ABSTIME = 1 << 0;
}
namespace eventrwflag {  // eventrwflags, u16
constexpr uint16_t HANGUP = 1 << 0;
}
namespace riflag {  // riflags, u16
constexpr uint16_t RECV_PEEK = 1 << 0;
constexpr uint16_t RECV_WAITALL = 1 << 1;
}  // namespace riflag
namespace roflag {  // roflags, u16
constexpr uint16_t RECV_DATA_TRUNCATED = 1 << 0;
}
namespace sdflag {  // sdflags, u8
constexpr uint8_t RD = 1 << 0;
constexpr uint8_t WR = 1 << 1;
}  // namespace sdflag

constexpr uint8_t kPreopentypeDir = 0;

// ---------------------------------------------------------------------------------------------
// Struct layouts (size, alignment, field offsets) in guest memory. Read and written with
// memcpy at these offsets; the guest's pointers need not be aligned.

namespace layout {
constexpr uint32_t kIovecSize = 8;  // iovec / ciovec: buf u32 @0, buf_len u32 @4
constexpr uint32_t kIovecBuf = 0, kIovecLen = 4;

constexpr uint32_t kFdstatSize = 24;  // fdstat
constexpr uint32_t kFdstatFiletype = 0, kFdstatFlags = 2, kFdstatRightsBase = 8,
                   kFdstatRightsInheriting = 16;

constexpr uint32_t kFilestatSize = 64;  // filestat
constexpr uint32_t kFilestatDev = 0, kFilestatIno = 8, kFilestatFiletype = 16, kFilestatNlink = 24,
                   kFilestatSize_ = 32, kFilestatAtim = 40, kFilestatMtim = 48, kFilestatCtim = 56;

constexpr uint32_t kDirentSize = 24;  // dirent (the name follows it)
constexpr uint32_t kDirentNext = 0, kDirentIno = 8, kDirentNamlen = 16, kDirentType = 20;

constexpr uint32_t kPrestatSize = 8;  // prestat: tag u8 @0, pr_name_len u32 @4
constexpr uint32_t kPrestatTag = 0, kPrestatNameLen = 4;

constexpr uint32_t kSubscriptionSize = 48;  // subscription
constexpr uint32_t kSubUserdata = 0, kSubTag = 8, kSubClockId = 16, kSubClockTimeout = 24,
                   kSubClockPrecision = 32, kSubClockFlags = 40, kSubFd = 16;

constexpr uint32_t kEventSize = 32;  // event
constexpr uint32_t kEventUserdata = 0, kEventError = 8, kEventType = 10, kEventNbytes = 16,
                   kEventFlags = 24;
}  // namespace layout

}  // namespace wrun::wasi
