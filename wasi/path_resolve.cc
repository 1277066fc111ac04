// The sandboxed path walk (see path_resolve.h).
#include "wasi/path_resolve.h"

#include <algorithm>

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

  // What is left to walk, from `pos`: the path with each symlink met replaced by its target.
  // It never grows past kMaxPathLen, so neither guest paths nor links can make the walk
  // hold more host memory than that.
  std::string rest(path);
  size_t pos = 0;
  auto next_component = [&](std::string* c) {
    pos = std::min(rest.find_first_not_of('/', pos), rest.size());
    if (pos == rest.size()) return false;
    const size_t end = std::min(rest.find('/', pos), rest.size());
    c->assign(rest, pos, end - pos);
    pos = end;
    return true;
  };
  auto is_last = [&] { return rest.find_first_not_of('/', pos) == std::string::npos; };

  auto top = [&] { return out->chain.empty() ? start : out->chain.back().get(); };
  int links = 0;
  // Replaces the symlink just taken from `rest` by its target.
  auto expand = [&](const std::string& target, bool was_last) -> Errno {
    if (++links > kMaxSymlinks) return Errno::LOOP;
    if (target.empty()) return Errno::NOENT;
    if (target.front() == '/') return Errno::NOTCAPABLE;  // absolute: outside by definition
    if (target.size() + 1 + (rest.size() - pos) > kMaxPathLen) return Errno::NAMETOOLONG;
    rest = target + "/" + rest.substr(pos);
    pos = 0;
    if (was_last && target.back() == '/') out->trailing_slash = true;
    return Errno::SUCCESS;
  };

  std::string c;
  while (next_component(&c)) {
    const bool last = is_last();

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
  if (out->name.empty()) out->name = ".";  // unreachable for a relative non-empty path
  out->dir = top();
  return Errno::SUCCESS;
}

}  // namespace wrun::wasi
