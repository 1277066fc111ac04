// DirListing and DirStreams (see dir_listing.h).
#include "wasi/dir_listing.h"

#include <algorithm>

namespace wrun::wasi {

void DirStreams::touch(DirListing* l) {
  auto it = std::find(in_use_.begin(), in_use_.end(), l);
  if (it != in_use_.end()) {
    std::rotate(it, it + 1, in_use_.end());  // to the back: most recently used
    return;
  }
  if (in_use_.size() >= kMaxOpen) in_use_.front()->close_stream();  // erases it from in_use_
  in_use_.push_back(l);
}

void DirStreams::forget(DirListing* l) {
  in_use_.erase(std::remove(in_use_.begin(), in_use_.end(), l), in_use_.end());
}

DirListing::~DirListing() { close_stream(); }

void DirListing::close_stream() {
  if (!stream_) return;
  stream_.reset();
  streams_.forget(this);
  index_ = 0;
  last_.reset();
  replay_last_ = false;
}

Errno DirListing::seek(os::Handle dir, uint64_t cookie) {
  replay_last_ = false;
  if (!stream_) {
    std::unique_ptr<os::DirStream> s;
    if (Errno err = os::DirStream::open(dir, &s); err != Errno::SUCCESS) return err;
    streams_.touch(this);  // before taking the stream: touching may close the oldest one
    stream_ = std::move(s);
    index_ = 0;
    last_.reset();
  } else {
    streams_.touch(this);
    if (cookie == index_ && cookie != 0) return Errno::SUCCESS;  // the usual loop: read on
    if (last_ && cookie + 1 == index_) {
      replay_last_ = true;  // the guest's buffer cut the entry read last
      return Errno::SUCCESS;
    }
    if (cookie == 0 || cookie < index_) {  // from the start: the directory is read afresh
      stream_->rewind();
      index_ = 0;
      last_.reset();
    }
  }
  return skip_to(cookie);
}

Errno DirListing::skip_to(uint64_t cookie) {
  const os::DirEntry* e = nullptr;
  while (index_ < cookie) {
    if (Errno err = next(&e); err != Errno::SUCCESS) return err;
    if (!e) break;  // past the end: next() keeps answering the end
  }
  return Errno::SUCCESS;
}

Errno DirListing::next(const os::DirEntry** out) {
  if (replay_last_) {
    replay_last_ = false;
    *out = &*last_;
    return Errno::SUCCESS;
  }
  os::DirEntry e;
  bool end = false;
  if (Errno err = stream_->next(&e, &end); err != Errno::SUCCESS) return err;
  if (end) {
    *out = nullptr;
    return Errno::SUCCESS;
  }
  last_ = std::move(e);
  ++index_;
  *out = &*last_;
  return Errno::SUCCESS;
}

}  // namespace wrun::wasi
