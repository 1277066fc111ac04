// Names and descriptions of WASI errnos, for messages and tests.
#include "wasi/abi.h"

#include <iterator>

namespace wrun::wasi {

namespace {
constexpr const char* kNames[] = {
#define WRUN_X(name, value) #name,
    WRUN_WASI_ERRNOS(WRUN_X)
#undef WRUN_X
};

// Short descriptions, by value (after witx's).
constexpr const char* kDescriptions[] = {
    "success",                                         // SUCCESS
    "argument list too long",                          // TOOBIG
    "permission denied",                               // ACCES
    "address in use",                                  // ADDRINUSE
    "address not available",                           // ADDRNOTAVAIL
    "address family not supported",                    // AFNOSUPPORT
    "resource unavailable, or operation would block",  // AGAIN
    "connection already in progress",                  // ALREADY
    "bad file descriptor",                             // BADF
    "bad message",                                     // BADMSG
    "device or resource busy",                         // BUSY
    "operation canceled",                              // CANCELED
    "no child processes",                              // CHILD
    "connection aborted",                              // CONNABORTED
    "connection refused",                              // CONNREFUSED
    "connection reset",                                // CONNRESET
    "resource deadlock would occur",                   // DEADLK
    "destination address required",                    // DESTADDRREQ
    "argument out of domain",                          // DOM
    "disk quota exceeded",                             // DQUOT
    "file exists",                                     // EXIST
    "bad address",                                     // FAULT
    "file too large",                                  // FBIG
    "host is unreachable",                             // HOSTUNREACH
    "identifier removed",                              // IDRM
    "illegal byte sequence",                           // ILSEQ
    "operation in progress",                           // INPROGRESS
    "interrupted function",                            // INTR
    "invalid argument",                                // INVAL
    "I/O error",                                       // IO
    "socket is connected",                             // ISCONN
    "is a directory",                                  // ISDIR
    "too many levels of symbolic links",               // LOOP
    "too many open file descriptors",                  // MFILE
    "too many links",                                  // MLINK
    "message too large",                               // MSGSIZE
    "multihop attempted",                              // MULTIHOP
    "filename too long",                               // NAMETOOLONG
    "network is down",                                 // NETDOWN
    "connection aborted by network",                   // NETRESET
    "network unreachable",                             // NETUNREACH
    "too many files open in system",                   // NFILE
    "no buffer space available",                       // NOBUFS
    "no such device",                                  // NODEV
    "no such file or directory",                       // NOENT
    "executable file format error",                    // NOEXEC
    "no locks available",                              // NOLCK
    "link has been severed",                           // NOLINK
    "not enough space",                                // NOMEM
    "no message of the desired type",                  // NOMSG
    "protocol not available",                          // NOPROTOOPT
    "no space left on device",                         // NOSPC
    "function not supported",                          // NOSYS
    "the socket is not connected",                     // NOTCONN
    "not a directory",                                 // NOTDIR
    "directory not empty",                             // NOTEMPTY
    "state not recoverable",                           // NOTRECOVERABLE
    "not a socket",                                    // NOTSOCK
    "not supported",                                   // NOTSUP
    "inappropriate I/O control operation",             // NOTTY
    "no such device or address",                       // NXIO
    "value too large to be stored in data type",       // OVERFLOW
    "previous owner died",                             // OWNERDEAD
    "operation not permitted",                         // PERM
    "broken pipe",                                     // PIPE
    "protocol error",                                  // PROTO
    "protocol not supported",                          // PROTONOSUPPORT
    "protocol wrong type for socket",                  // PROTOTYPE
    "result too large",                                // RANGE
    "read-only file system",                           // ROFS
    "invalid seek",                                    // SPIPE
    "no such process",                                 // SRCH
    "stale file handle",                               // STALE
    "connection timed out",                            // TIMEDOUT
    "text file busy",                                  // TXTBSY
    "cross-device link",                               // XDEV
    "capabilities insufficient",                       // NOTCAPABLE
};
static_assert(std::size(kNames) == 77 && std::size(kDescriptions) == 77);
}  // namespace

const char* errno_name(Errno e) {
  auto i = static_cast<size_t>(e);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

const char* errno_description(Errno e) {
  auto i = static_cast<size_t>(e);
  return i < std::size(kDescriptions) ? kDescriptions[i] : "unknown error";
}

}  // namespace wrun::wasi
