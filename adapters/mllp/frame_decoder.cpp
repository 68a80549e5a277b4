#include "adapters/mllp/frame_decoder.hpp"

#include <cstring>

namespace medgw::mllp {

void FrameDecoder::compact() {
  // Drop consumed bytes when they are most of the buffer, so memory stays bounded by one frame.
  if (pos_ > 0 && (pos_ == buffer_.size() || pos_ >= buffer_.size() / 2)) {
    std::size_t shift = state_ == State::kInside ? frame_begin_ : pos_;
    if (shift == 0) return;
    buffer_.erase(0, shift);
    pos_ -= shift;
    if (state_ != State::kOutside) scan_ -= shift;
    if (state_ == State::kInside) frame_begin_ = 0;
  }
}

void FrameDecoder::feed(std::string_view bytes) {
  payload_ = {};
  compact();
  buffer_.append(bytes);
}

FrameEvent FrameDecoder::next() {
  payload_ = {};
  while (true) {
    const std::size_t size = buffer_.size();
    if (state_ == State::kOutside) {
      const void* hit = pos_ < size ? std::memchr(buffer_.data() + pos_, kStartBlock, size - pos_) : nullptr;
      if (hit == nullptr) {
        skipped_ += size - pos_;
        pos_ = size;
        return FrameEvent::kNeedMore;
      }
      std::size_t at = static_cast<const char*>(hit) - buffer_.data();
      skipped_ += at - pos_;
      state_ = State::kInside;
      frame_begin_ = at + 1;
      scan_ = frame_begin_;
      pos_ = frame_begin_;
      continue;
    }
    // Inside a frame (or discarding one): look for the end block, or a start block that means
    // the end block was lost.
    // Two memchr passes (vectorised) instead of a byte loop: the end block first, then a start
    // block before it.
    std::size_t i = size;
    if (scan_ < size) {
      const char* base = buffer_.data();
      const void* end_hit = std::memchr(base + scan_, kEndBlock, size - scan_);
      i = end_hit ? static_cast<std::size_t>(static_cast<const char*>(end_hit) - base) : size;
      const void* start_hit = std::memchr(base + scan_, kStartBlock, i - scan_);
      if (start_hit) i = static_cast<std::size_t>(static_cast<const char*>(start_hit) - base);
    }
    if (state_ == State::kInside && i - frame_begin_ > max_frame_) {
      oversize_head_.assign(buffer_, frame_begin_, keep_);
      state_ = State::kDiscarding;
      pos_ = i;
      scan_ = i;
      payload_ = oversize_head_;
      return FrameEvent::kOversize;
    }
    if (i == size) {
      scan_ = i;
      if (state_ == State::kDiscarding) {
        pos_ = size;  // nothing of a discarded frame is kept
        scan_ = size;
      }
      return FrameEvent::kNeedMore;
    }
    if (buffer_[i] == kStartBlock) {
      // A new frame starts before this one ended.
      const bool discarding = state_ == State::kDiscarding;
      std::size_t begin = frame_begin_;
      state_ = State::kInside;
      frame_begin_ = i + 1;
      scan_ = frame_begin_;
      pos_ = frame_begin_;
      if (discarding) continue;
      payload_ = std::string_view(buffer_).substr(begin, i - begin);
      return FrameEvent::kIncomplete;
    }
    // buffer_[i] == kEndBlock
    if (i + 1 == size) {
      scan_ = i;  // wait to see whether a CR follows
      if (state_ == State::kDiscarding) pos_ = i;
      return FrameEvent::kNeedMore;
    }
    const std::size_t after = buffer_[i + 1] == kCarriageReturn ? i + 2 : i + 1;
    const bool discarding = state_ == State::kDiscarding;
    std::size_t begin = frame_begin_;
    state_ = State::kOutside;
    pos_ = after;
    if (discarding) continue;
    payload_ = std::string_view(buffer_).substr(begin, i - begin);
    return FrameEvent::kFrame;
  }
}

}  // namespace medgw::mllp
