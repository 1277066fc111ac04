#include "tools/common/trap_text.h"

namespace wrun::tools {
namespace {

void print_frame(std::FILE* out, const Frame& f) {
  std::fprintf(out, "  at %s (func %u, offset 0x%x)\n", frame_name(f).c_str(), f.func_index,
               f.code_offset);
}

}  // namespace

std::string trap_text(const Trap& trap) {
  return escape_name(trap.message.empty() ? trap_kind_message(trap.kind) : trap.message);
}

std::string frame_name(const Frame& frame) {
  if (frame.func_name.empty()) return "func[" + std::to_string(frame.func_index) + "]";
  return escape_name(frame.func_name);
}

void print_trap(std::FILE* out, const Trap& trap, const std::string& prefix) {
  std::fprintf(out, "%strap: %s\n", prefix.c_str(), trap_text(trap).c_str());
  // A stack overflow has thousands of frames: show the innermost and the outermost ones. The
  // frames the trap itself left out lie between those, so they are counted with the gap.
  constexpr size_t kHead = 16, kTail = 4;
  static_assert(kHead <= Trap::kInnerFrames && kTail <= Trap::kOuterFrames);
  const std::vector<Frame>& bt = trap.backtrace;
  const bool shorten =
      bt.size() > kHead + kTail + 1 || (trap.frames_omitted > 0 && bt.size() >= kHead + kTail);
  if (!shorten) {
    for (const Frame& f : bt) print_frame(out, f);
    return;
  }
  for (size_t i = 0; i < kHead; ++i) print_frame(out, bt[i]);
  std::fprintf(out, "  ... %llu more frames ...\n",
               static_cast<unsigned long long>(bt.size() - kHead - kTail + trap.frames_omitted));
  for (size_t i = bt.size() - kTail; i < bt.size(); ++i) print_frame(out, bt[i]);
}

}  // namespace wrun::tools
