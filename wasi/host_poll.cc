// poll_oneoff: clock subscriptions (relative or absolute, realtime or monotonic) and fd
// readiness. Regular files are always ready; other descriptors go to the host's poll. A
// subscription that cannot be honoured (bad fd, missing rights, unknown clock) is reported
// at once as an event carrying its error.
#include <algorithm>
#include <array>

#include "wasi/host_functions.h"

namespace wrun::wasi {

namespace {

struct Event {
  uint64_t userdata = 0;
  Errno error = Errno::SUCCESS;
  EventType type = EventType::CLOCK;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

struct ClockSub {
  uint64_t userdata;
  uint64_t wait_ns;  // from the start of the call
};

struct FdSub {
  uint64_t userdata;
  EventType type;
  os::Handle handle;
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

}  // namespace

Errno poll_oneoff(Call& c, uint32_t in, uint32_t out, uint32_t nsubscriptions,
                  uint32_t nevents_out) {
  if (nsubscriptions == 0) return Errno::INVAL;
  const GuestMemory& m = c.mem();
  auto subs = m.span(in, uint64_t{nsubscriptions} * layout::kSubscriptionSize);
  auto events_dst = m.span(out, uint64_t{nsubscriptions} * layout::kEventSize);
  if (!subs || !events_dst) return Errno::FAULT;
  WASI_TRY(m.check(nevents_out, 4));

  uint64_t start;
  WASI_TRY(os::clock_now(ClockId::MONOTONIC, &start));

  std::vector<Event> events;
  std::vector<ClockSub> clocks;
  std::vector<FdSub> fds;
  for (uint32_t i = 0; i < nsubscriptions; ++i) {
    const uint8_t* s = subs->data() + uint64_t{i} * layout::kSubscriptionSize;
    Event ev;
    ev.userdata = load<uint64_t>(s + layout::kSubUserdata);
    uint8_t tag = s[layout::kSubTag];
    if (tag == static_cast<uint8_t>(EventType::CLOCK)) {
      ev.type = EventType::CLOCK;
      uint32_t id = load<uint32_t>(s + layout::kSubClockId);
      uint64_t timeout = load<uint64_t>(s + layout::kSubClockTimeout);
      uint16_t flags = load<uint16_t>(s + layout::kSubClockFlags);
      if ((flags & ~subclockflag::ABSTIME) || (id != static_cast<uint32_t>(ClockId::REALTIME) &&
                                               id != static_cast<uint32_t>(ClockId::MONOTONIC))) {
        ev.error = Errno::INVAL;
        events.push_back(ev);
        continue;
      }
      uint64_t wait = timeout;
      if (flags & subclockflag::ABSTIME) {
        uint64_t now;
        WASI_TRY(os::clock_now(static_cast<ClockId>(id), &now));
        wait = timeout > now ? timeout - now : 0;
      }
      clocks.push_back({ev.userdata, wait});
    } else if (tag == static_cast<uint8_t>(EventType::FD_READ) ||
               tag == static_cast<uint8_t>(EventType::FD_WRITE)) {
      ev.type = static_cast<EventType>(tag);
      uint32_t fd = load<uint32_t>(s + layout::kSubFd);
      FdEntry* e = c.ctx.fds.get(fd);
      const uint64_t io_right = ev.type == EventType::FD_READ ? right::FD_READ : right::FD_WRITE;
      if (!e) {
        ev.error = Errno::BADF;
      } else if (!(e->rights_base & (right::POLL_FD_READWRITE | io_right))) {
        ev.error = Errno::NOTCAPABLE;
      } else if (e->type == Filetype::REGULAR_FILE || e->type == Filetype::DIRECTORY) {
        // Files never block: ready now, with what is left to read.
        if (ev.type == EventType::FD_READ) os::bytes_readable(e->handle.get(), &ev.nbytes);
      } else {
        fds.push_back({ev.userdata, ev.type, e->handle.get()});
        continue;
      }
      events.push_back(ev);
    } else {
      return Errno::INVAL;
    }
  }

  std::vector<os::PollRequest> requests;
  for (const FdSub& f : fds) requests.push_back({f.handle, f.type == EventType::FD_READ});

  for (;;) {
    uint64_t now;
    WASI_TRY(os::clock_now(ClockId::MONOTONIC, &now));
    const uint64_t elapsed = now - start;
    std::optional<uint64_t> timeout;
    for (const ClockSub& cs : clocks) {
      uint64_t left = cs.wait_ns > elapsed ? cs.wait_ns - elapsed : 0;
      timeout = timeout ? std::min(*timeout, left) : left;
    }
    if (!events.empty()) timeout = 0;  // something is ready already: just collect the rest

    if (!requests.empty()) {
      std::vector<os::PollResult> results;
      WASI_TRY(os::poll(requests, timeout, &results));
      for (size_t i = 0; i < results.size(); ++i) {
        if (!results[i].ready) continue;
        Event ev;
        ev.userdata = fds[i].userdata;
        ev.type = fds[i].type;
        ev.error = results[i].error;
        if (results[i].hangup) ev.flags = eventrwflag::HANGUP;
        if (ev.type == EventType::FD_READ && ev.error == Errno::SUCCESS) {
          os::bytes_readable(fds[i].handle, &ev.nbytes);
        }
        events.push_back(ev);
      }
    } else if (timeout && *timeout > 0) {
      os::sleep(*timeout);
    } else if (!timeout) {
      return Errno::INVAL;  // nothing could ever happen (unreachable: nsubscriptions > 0)
    }

    WASI_TRY(os::clock_now(ClockId::MONOTONIC, &now));
    for (const ClockSub& cs : clocks) {
      if (now - start >= cs.wait_ns) {
        Event ev;
        ev.userdata = cs.userdata;
        ev.type = EventType::CLOCK;
        events.push_back(ev);
      }
    }
    if (!events.empty()) break;
  }

  events.resize(std::min<size_t>(events.size(), nsubscriptions));
  for (size_t i = 0; i < events.size(); ++i) {
    store_event(events_dst->data() + i * layout::kEventSize, events[i]);
  }
  return m.write<uint32_t>(nevents_out, static_cast<uint32_t>(events.size()));
}

}  // namespace wrun::wasi
