// What a WASI instance has: its arguments, environment and descriptor table.
#pragma once

#include <string>
#include <vector>

#include "wasi/fd_table.h"
#include "wasi/wasi.h"

namespace wrun::wasi {

class ContextImpl : public Context {
 public:
  std::vector<std::string> args;
  std::vector<std::string> env;  // "KEY=VALUE"
  DirStreams dir_streams;        // before fds: their listings unregister from it when closed
  FdTable fds;

  static ContextImpl& of(Context& ctx) { return static_cast<ContextImpl&>(ctx); }
};

// The rights a descriptor of this type can ever hold.
uint64_t base_rights_for(Filetype type);
uint64_t inheriting_rights_for(Filetype type);

}  // namespace wrun::wasi
