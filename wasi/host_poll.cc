// poll_oneoff: clock subscriptions (relative or absolute, realtime or monotonic) and fd
// readiness. Regular files are always ready; other descriptors go to the host's poll. A
// subscription that cannot be honoured (bad fd, missing rights, unknown clock) is reported
// at once as an event carrying its error.
//
// Host memory does not grow with the guest's subscription count: the subscriptions are read
// twice in place, once to find what to wait for (the host handles, deduplicated, so at most
// two per open descriptor) and once, after the wait, to write each one's event. Event k is
// written after subscription k is read, so an event array that starts at or before the
// subscriptions may overlap them; one that starts inside them would overwrite subscriptions
// not yet read, and keeping a copy would cost the host memory in proportion: that is INVAL.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

// More subscriptions than this in one call is INVAL, as poll() refuses more descriptors than
// the process may open: a guest has at most FdTable::kMaxFds descriptors to wait on, each for
// reading and writing, and one clock is as good as many.
constexpr uint32_t kMaxSubscriptions = 2 * FdTable::kMaxFds;

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::SUCCESS;
  EventType type = EventType::CLOCK;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void store_event(uint8_t* p, const Event& ev) {
  std::array<uint8_t, layout::kEventSize> b{};
  std::memcpy(b.data() + layout::kEventUserdata, &ev.userdata, 8);
  auto err = static_cast<uint16_t>(ev.error);
  std::memcpy(b.data() + layout::kEventError, &err, 2);
  b[layout::kEventType] = static_cast<uint8_t>(ev.type);
  std::memcpy(b.data() + layout::kEventNbytes, &ev.nbytes, 8);
  std::memcpy(b.data() + layout::kEventFlags, &ev.flags, 2);
  std::memcpy(p, b.data(), b.size());
}

// What one subscription asks for, decided the same way on both passes.
struct Sub {
  enum class Kind { Invalid, Failed, Clock, FileReady, Wait } kind = Kind::Invalid;
  Event event;           // userdata, type and (Failed) error
  uint64_t wait_ns = 0;  // Clock: from the start of the call
  os::Handle handle;     // FileReady, Wait
  bool read = false;     // FileReady, Wait: FD_READ
};

// The clocks as they read when the call began: absolute timeouts count from these.
struct Clocks {
  uint64_t monotonic = 0;
  uint64_t realtime = 0;
};

Sub classify(const Call& c, const uint8_t* s, const Clocks& now) {
  Sub sub;
  sub.event.userdata = load<uint64_t>(s + layout::kSubUserdata);
  const uint8_t tag = s[layout::kSubTag];
  if (tag == static_cast<uint8_t>(EventType::CLOCK)) {
    sub.event.type = EventType::CLOCK;
    const uint32_t id = load<uint32_t>(s + layout::kSubClockId);
    const uint64_t timeout = load<uint64_t>(s + layout::kSubClockTimeout);
    const uint16_t flags = load<uint16_t>(s + layout::kSubClockFlags);
    const bool realtime = id == static_cast<uint32_t>(ClockId::REALTIME);
    if ((flags & ~subclockflag::ABSTIME) ||
        (!realtime && id != static_cast<uint32_t>(ClockId::MONOTONIC))) {
      sub.kind = Sub::Kind::Failed;
      sub.event.error = Errno::INVAL;
      return sub;
    }
    sub.kind = Sub::Kind::Clock;
    sub.wait_ns = timeout;
    if (flags & subclockflag::ABSTIME) {
      const uint64_t base = realtime ? now.realtime : now.monotonic;
      sub.wait_ns = timeout > base ? timeout - base : 0;
    }
    return sub;
  }
  if (tag != static_cast<uint8_t>(EventType::FD_READ) &&
      tag != static_cast<uint8_t>(EventType::FD_WRITE)) {
    return sub;  // Invalid: the whole call is INVAL
  }
  sub.event.type = static_cast<EventType>(tag);
  sub.read = sub.event.type == EventType::FD_READ;
  const FdEntry* e = c.ctx.fds.get(load<uint32_t>(s + layout::kSubFd));
  const uint64_t io_right = sub.read ? right::FD_READ : right::FD_WRITE;
  sub.kind = Sub::Kind::Failed;
  if (!e) {
    sub.event.error = Errno::BADF;
  } else if (!(e->rights_base & (right::POLL_FD_READWRITE | io_right))) {
    sub.event.error = Errno::NOTCAPABLE;
  } else {
    // Files never block: ready now, with what is left to read.
    const bool file = e->type == Filetype::REGULAR_FILE || e->type == Filetype::DIRECTORY;
    sub.kind = file ? Sub::Kind::FileReady : Sub::Kind::Wait;
    sub.handle = e->handle.get();
  }
  return sub;
}

uint64_t wait_key(os::Handle h, bool read) {
  return static_cast<uint64_t>(h.value) << 1 | (read ? 1 : 0);
}

bool overlaps_after(uint64_t in, uint64_t in_len, uint64_t out, uint64_t out_len) {
  return out > in && out < in + in_len && out_len > 0;
}

}  // namespace

Errno poll_oneoff(Call& c, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                  uint32_t nevents_out) {
  if (nsubscriptions == 0) return Errno::INVAL;
  const GuestMemory& m = c.mem();
  const uint64_t subs_len = uint64_t{nsubscriptions} * layout::kSubscriptionSize;
  const uint64_t events_len = uint64_t{nsubscriptions} * layout::kEventSize;
  auto subs = m.span(in, subs_len);
  auto events_dst = m.span(out, events_len);
  if (!subs || !events_dst) return Errno::FAULT;
  WASI_TRY(m.check(nevents_out, 4));
  if (nsubscriptions > kMaxSubscriptions) return Errno::INVAL;

  if (overlaps_after(in, subs_len, out, events_len)) return Errno::INVAL;
  const uint8_t* sub_bytes = subs->data();
  auto sub_at = [&](uint32_t i) { return sub_bytes + uint64_t{i} * layout::kSubscriptionSize; };

  Clocks start;
  WASI_TRY(os::clock_now(ClockId::MONOTONIC, &start.monotonic));
  WASI_TRY(os::clock_now(ClockId::REALTIME, &start.realtime));

  // Pass 1: what is ready already, the earliest clock, and the host handles to wait on.
  bool ready_now = false;
  std::optional<uint64_t> first_clock;
  std::vector<os::PollRequest> requests;
  std::unordered_map<uint64_t, size_t> request_of;  // wait_key -> index in requests
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    const Sub sub = classify(c, sub_at(i), start);
    switch (sub.kind) {
      case Sub::Kind::Invalid:
        return Errno::INVAL;
      case Sub::Kind::Failed:
      case Sub::Kind::FileReady:
        ready_now = true;
        break;
      case Sub::Kind::Clock:
        first_clock = first_clock ? std::min(*first_clock, sub.wait_ns) : sub.wait_ns;
        break;
      case Sub::Kind::Wait:
        if (request_of.emplace(wait_key(sub.handle, sub.read), requests.size()).second) {
          requests.push_back({sub.handle, sub.read});
        }
        break;
    }
  }

  // The wait: until something is ready or the earliest clock has passed.
  std::vector<os::PollResult> results(requests.size());
  uint64_t elapsed = 0;
  for (;;) {
    std::optional<uint64_t> timeout;
    if (first_clock) timeout = *first_clock > elapsed ? *first_clock - elapsed : 0;
    if (ready_now) timeout = 0;  // something is ready already: just collect the rest

    bool fd_ready = false;
    if (!requests.empty()) {
      WASI_TRY(os::poll(requests, timeout, &results));
      fd_ready = std::any_of(results.begin(), results.end(),
                             [](const os::PollResult& r) { return r.ready; });
    } else if (timeout && *timeout > 0) {
      os::sleep(*timeout);
    } else if (!timeout) {
      return Errno::INVAL;  // nothing could ever happen (unreachable: nsubscriptions > 0)
    }

    uint64_t now;
    WASI_TRY(os::clock_now(ClockId::MONOTONIC, &now));
    elapsed = now - start.monotonic;
    if (ready_now || fd_ready || (first_clock && elapsed >= *first_clock)) break;
  }

  // Pass 2: one event per subscription that is ready, in subscription order.
  uint32_t nevents = 0;
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    const Sub sub = classify(c, sub_at(i), start);
    Event ev = sub.event;
    switch (sub.kind) {
      case Sub::Kind::Invalid:
      case Sub::Kind::Failed:
        break;
      case Sub::Kind::Clock:
        if (elapsed < sub.wait_ns) continue;
        break;
      case Sub::Kind::FileReady:
        if (sub.read) os::bytes_readable(sub.handle, &ev.nbytes);
        break;
      case Sub::Kind::Wait: {
        const os::PollResult& r = results[request_of.at(wait_key(sub.handle, sub.read))];
        if (!r.ready) continue;
        ev.error = r.error;
        if (r.hangup) ev.flags = eventrwflag::HANGUP;
        if (sub.read && ev.error == Errno::SUCCESS) os::bytes_readable(sub.handle, &ev.nbytes);
        break;
      }
    }
    store_event(events_dst->data() + uint64_t{nevents} * layout::kEventSize, ev);
    ++nevents;
  }
  return m.write<uint32_t>(nevents_out, nevents);
}

}  // namespace wrun::wasi
