// Clocks, randomness, scheduling and the process: clock_res_get, clock_time_get, random_get,
// sched_yield, proc_exit, proc_raise.
#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {
Errno clock_id(uint32_t raw, ClockId* out) {
  if (raw > static_cast<uint32_t>(ClockId::THREAD_CPUTIME)) return Errno::INVAL;
  *out = static_cast<ClockId>(raw);
  return Errno::SUCCESS;
}
}  // namespace

Errno clock_res_get(Call& c, uint32_t id, uint32_t out) {
  ClockId clock;
  WASI_TRY(clock_id(id, &clock));
  WASI_TRY(c.mem().check(out, 8));
  uint64_t ns;
  WASI_TRY(os::clock_res(clock, &ns));
  return c.mem().write<uint64_t>(out, ns);
}

Errno clock_time_get(Call& c, uint32_t id, uint64_t /*precision*/, uint32_t out) {
  ClockId clock;
  WASI_TRY(clock_id(id, &clock));
  WASI_TRY(c.mem().check(out, 8));
  uint64_t ns;
  WASI_TRY(os::clock_now(clock, &ns));
  return c.mem().write<uint64_t>(out, ns);
}

Errno random_get(Call& c, uint32_t buf, uint32_t len) {
  auto s = c.mem().span(buf, len);
  if (!s) return Errno::FAULT;
  return os::random_fill(s->data(), s->size());
}

Errno sched_yield(Call&) {
  os::yield();
  return Errno::SUCCESS;
}

// Signals are not delivered to WASI programs (Wasmtime answers the same).
Errno proc_raise(Call&, uint32_t) { return Errno::NOTSUP; }

std::optional<Trap> proc_exit(Call&, uint32_t code) {
  Trap t = Trap::make(TrapKind::Exit, "exit with status " + std::to_string(code));
  t.exit_code = static_cast<int32_t>(code);
  return t;
}

}  // namespace wrun::wasi
