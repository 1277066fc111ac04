// The sandboxed path walk (see path_resolve.h).
#include "wasi/path_resolve.h"

#include <deque>

namespace wrun::wasi {

namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// The non-empty components of `path`, in order.
std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

}  // namespace

Errno check_guest_path(std::string_view path) {
  if (path.empty()) return Errno::NOENT;
  if (path.find('\0') != std::string_view::npos) return Errno::INVAL;
  if (!valid_utf8(path)) return Errno::ILSEQ;
  if (path.front() == '/') return Errno::NOTCAPABLE;
  return Errno::SUCCESS;
}

Errno resolve_path(os::Handle start, std::string_view path, bool follow_final, ResolvedPath* out) {
  if (Errno e = check_guest_path(path); e != Errno::SUCCESS) return e;
  out->chain.clear();
  out->name.clear();
  out->trailing_slash = path.back() == '/';

  std::deque<std::string> pending;
  for (auto& c : split(path)) pending.push_back(std::move(c));
  if (pending.empty()) pending.push_back(".");  // unreachable for a relative non-empty path

  auto top = [&] { return out->chain.empty() ? start : out->chain.back().get(); };
  int links = 0;
  // Replaces the symlink just taken from `pending` by its target's components.
  auto expand = [&](const std::string& target, bool was_last) -> Errno {
    if (++links > kMaxSymlinks) return Errno::LOOP;
    if (target.empty()) return Errno::NOENT;
    if (target.front() == '/') return Errno::NOTCAPABLE;  // absolute: outside by definition
    auto parts = split(target);
    if (parts.empty()) parts.push_back(".");
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_front(std::move(*it));
    if (was_last && target.back() == '/') out->trailing_slash = true;
    return Errno::SUCCESS;
  };

  while (!pending.empty()) {
    std::string c = std::move(pending.front());
    pending.pop_front();
    const bool last = pending.empty();

    if (c == ".") {
      if (last) out->name = ".";
      continue;
    }
    if (c == "..") {
      if (out->chain.empty()) return Errno::NOTCAPABLE;  // above the starting directory
      out->chain.pop_back();
      if (last) out->name = ".";
      continue;
    }

    if (!last) {
      // A directory to walk through: open it without following; a symlink is expanded here.
      os::OpenFlags dir_flags;
      dir_flags.directory = true;
      dir_flags.search_only = true;
      os::Handle h;
      Errno e = os::open_at(top(), c, dir_flags, &h);
      if (e == Errno::SUCCESS) {
        out->chain.emplace_back(h);
        continue;
      }
      if (e == Errno::LOOP || e == Errno::NOTDIR || e == Errno::MLINK) {
        std::string target;
        if (os::readlink_at(top(), c, &target) == Errno::SUCCESS) {
          if (Errno x = expand(target, false); x != Errno::SUCCESS) return x;
          continue;
        }
        return Errno::NOTDIR;
      }
      return e;
    }

    if (follow_final) {
      std::string target;
      Errno e = os::readlink_at(top(), c, &target);
      if (e == Errno::SUCCESS) {
        if (Errno x = expand(target, true); x != Errno::SUCCESS) return x;
        continue;
      }
      // INVAL: not a symlink; NOENT: nothing there yet (the caller may create it).
      if (e != Errno::INVAL && e != Errno::NOENT) return e;
    }
    out->name = std::move(c);
  }
  out->dir = top();
  return Errno::SUCCESS;
}

}  // namespace wrun::wasi
