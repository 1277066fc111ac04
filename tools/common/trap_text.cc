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
  // A stack overflow has thousands of frames: show the innermost and the outermost ones.
  constexpr size_t kHead = 16, kTail = 4;
  const std::vector<Frame>& bt = trap.backtrace;
  if (bt.size() <= kHead + kTail + 1) {
    for (const Frame& f : bt) print_frame(out, f);
    return;
  }
  for (size_t i = 0; i < kHead; ++i) print_frame(out, bt[i]);
  std::fprintf(out, "  ... %zu more frames ...\n", bt.size() - kHead - kTail);
  for (size_t i = bt.size() - kTail; i < bt.size(); ++i) print_frame(out, bt[i]);
}

}  // namespace wrun::tools
