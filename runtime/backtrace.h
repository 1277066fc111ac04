// The one builder of trap backtraces that every executor feeds (and host re-entries, whose
// inner activation's frames are already in the trap): a trap keeps its innermost
// Trap::kInnerFrames and outermost Trap::kOuterFrames frames and counts the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wrun/trap.h"

namespace wrun::rt {

// Appends n frames of one activation (innermost first) to trap.backtrace within the bounds
// Trap documents. frame_at(i) gives a FrameSource for frame i and is called only for the frames
// kept, so a 20000-frame stack costs 80 frames, not 20000 name copies.
struct FrameSource {
  uint32_t func_index = 0;
  std::string_view func_name;
  uint32_t code_offset = 0;
};
// Which of n new frames a trap keeps: [0, inner) and [outer_from, n). Makes room for them,
// dropping outer frames kept before that are no longer outermost, and counts what is left out.
struct KeptFrames {
  size_t inner = 0, outer_from = 0;
};
KeptFrames keep_frames(Trap& trap, size_t n);
Frame backtrace_frame(const FrameSource& source);  // the name cut to Trap::kMaxFrameName
template <class FrameAt>
void append_backtrace(Trap& trap, size_t n, FrameAt&& frame_at) {
  const KeptFrames keep = keep_frames(trap, n);
  for (size_t i = 0; i < keep.inner; ++i) trap.backtrace.push_back(backtrace_frame(frame_at(i)));
  for (size_t i = keep.outer_from; i < n; ++i)
    trap.backtrace.push_back(backtrace_frame(frame_at(i)));
}

}  // namespace wrun::rt
