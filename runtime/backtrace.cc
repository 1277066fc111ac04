// The bounded backtrace of a trap.
#include <algorithm>
#include <string>
#include <vector>

#include "runtime/backtrace.h"

namespace wrun {

namespace rt {

namespace {

// A copy of `name` of at most Trap::kMaxFrameName bytes: a module may name a function with
// megabytes, and every kept frame holds its own copy.
std::string frame_name(std::string_view name) {
  if (name.size() <= Trap::kMaxFrameName) return std::string(name);
  size_t cut = Trap::kMaxFrameName - 3;
  while (cut > 0 && (static_cast<uint8_t>(name[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
  std::string out(name.substr(0, cut));
  out += "...";
  return out;
}

}  // namespace

Frame backtrace_frame(const FrameSource& s) {
  return Frame{s.func_index, frame_name(s.func_name), s.code_offset};
}

KeptFrames keep_frames(Trap& trap, size_t n) {
  std::vector<Frame>& bt = trap.backtrace;
  const size_t inner =
      bt.size() < Trap::kInnerFrames ? std::min(n, Trap::kInnerFrames - bt.size()) : 0;
  const size_t rest = n - inner;
  if (rest == 0) {
    bt.reserve(bt.size() + inner);
    return KeptFrames{inner, n};
  }
  // The rest are outer frames: of those kept so far (an inner activation's, when this one
  // called a host function that called wasm) and these, only the outermost kOuterFrames stay.
  // (With inner frames to add there are no outer ones yet: bt.size() + inner == kInnerFrames.)
  const size_t outer_now = bt.size() + inner - Trap::kInnerFrames;
  const size_t keep_new = std::min(rest, Trap::kOuterFrames);
  const size_t keep_old = std::min(outer_now, Trap::kOuterFrames - keep_new);
  if (outer_now > keep_old) {
    const auto first_old = bt.begin() + static_cast<ptrdiff_t>(Trap::kInnerFrames);
    bt.erase(first_old, first_old + static_cast<ptrdiff_t>(outer_now - keep_old));
  }
  trap.frames_omitted += static_cast<uint32_t>((outer_now - keep_old) + (rest - keep_new));
  bt.reserve(bt.size() + inner + keep_new);
  return KeptFrames{inner, n - keep_new};
}

}  // namespace rt

}  // namespace wrun
