// args_get, args_sizes_get, environ_get, environ_sizes_get.
#include <limits>

#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

// Writes `strings` as a table of pointers at `table` and NUL-terminated bytes at `buf`.
Errno write_strings(Call& c, const std::vector<std::string>& strings, uint32_t table,
                    uint32_t buf) {
  const GuestMemory& m = c.mem();
  uint64_t bytes = 0;
  for (const auto& s : strings) bytes += s.size() + 1;
  // Check both whole regions first, so a fault leaves guest memory untouched.
  WASI_TRY(m.check(table, uint64_t{4} * strings.size()));
  WASI_TRY(m.check(buf, bytes));
  uint64_t at = buf;
  for (size_t i = 0; i < strings.size(); ++i) {
    const auto& s = strings[i];
    WASI_TRY(m.write<uint32_t>(table + uint64_t{4} * i, static_cast<uint32_t>(at)));
    WASI_TRY(m.write_bytes(at, {reinterpret_cast<const uint8_t*>(s.data()), s.size()}));
    WASI_TRY(m.write<uint8_t>(at + s.size(), 0));
    at += s.size() + 1;
  }
  return Errno::SUCCESS;
}

Errno write_sizes(Call& c, const std::vector<std::string>& strings, uint32_t count_out,
                  uint32_t size_out) {
  const GuestMemory& m = c.mem();
  uint64_t bytes = 0;
  for (const auto& s : strings) bytes += s.size() + 1;
  if (bytes > std::numeric_limits<uint32_t>::max()) return Errno::OVERFLOW;
  WASI_TRY(m.check(count_out, 4));
  WASI_TRY(m.check(size_out, 4));
  WASI_TRY(m.write<uint32_t>(count_out, static_cast<uint32_t>(strings.size())));
  return m.write<uint32_t>(size_out, static_cast<uint32_t>(bytes));
}

}  // namespace

Errno args_get(Call& c, uint32_t argv, uint32_t argv_buf) {
  return write_strings(c, c.ctx.args, argv, argv_buf);
}
Errno args_sizes_get(Call& c, uint32_t argc_out, uint32_t size_out) {
  return write_sizes(c, c.ctx.args, argc_out, size_out);
}
Errno environ_get(Call& c, uint32_t environ, uint32_t environ_buf) {
  return write_strings(c, c.ctx.env, environ, environ_buf);
}
Errno environ_sizes_get(Call& c, uint32_t count_out, uint32_t size_out) {
  return write_sizes(c, c.ctx.env, count_out, size_out);
}

}  // namespace wrun::wasi
