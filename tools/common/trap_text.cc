#include "tools/common/trap_text.h"

namespace wrun::tools {
namespace {

void print_frame(std::FILE* out, const Frame& f) {
  std::string name =
      f.func_name.empty() ? "func[" + std::to_string(f.func_index) + "]" : f.func_name;
  std::fprintf(out, "  at %s (func %u, offset 0x%x)\n", name.c_str(), f.func_index, f.code_offset);
}

}  // namespace

std::string trap_text(const Trap& trap) {
  return trap.message.empty() ? trap_kind_message(trap.kind) : trap.message;
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
