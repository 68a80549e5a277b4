#pragma once
// MLLP framing (release 1): <0x0B> payload <0x1C><0x0D>. An incremental decoder: feed it the bytes
// of each read, then take events until it needs more. It handles what real peers send:
// - several frames in one read, and a frame split across reads (any split point, even between
//   0x1C and 0x0D);
// - bytes before a start block (a stray LF between frames, junk): skipped and counted;
// - a start block inside a frame (the previous frame lost its end block): that frame is reported
//   as incomplete and the new one starts;
// - an end block 0x1C not followed by 0x0D: the frame ends there (lenient, the byte after it is
//   read as the next frame's first byte);
// - a frame over the size limit: reported once, its remaining bytes discarded up to its end block,
//   keeping its first bytes so the header can still be answered.
#include <cstddef>
#include <string>
#include <string_view>

namespace medgw::mllp {

inline constexpr char kStartBlock = 0x0B;
inline constexpr char kEndBlock = 0x1C;
inline constexpr char kCarriageReturn = 0x0D;

// MLLP release 2 commit acknowledgements, inside normal framing.
inline constexpr std::string_view kCommitAck{"\x0B\x06\x1C\x0D", 4};
inline constexpr std::string_view kCommitNak{"\x0B\x15\x1C\x0D", 4};

enum class FrameEvent {
  kNeedMore,      // nothing complete yet: read more bytes
  kFrame,         // payload() is a complete frame
  kIncomplete,    // payload() was cut short by a new start block (missing end block)
  kOversize,      // the frame exceeded the limit; payload() holds its first bytes only
};

class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_bytes, std::size_t keep_of_oversize = 4096)
      : max_frame_(max_frame_bytes), keep_(keep_of_oversize) {}

  // Appends received bytes. Must not be called while a returned payload() is still in use.
  void feed(std::string_view bytes);
  // The next event; payload() is valid until the next call to next() or feed().
  FrameEvent next();
  std::string_view payload() const { return payload_; }

  // Bytes skipped outside frames (stray CR/LF, junk) since construction.
  std::size_t skipped_bytes() const { return skipped_; }
  // True while a frame has started and not ended (a partial frame at a deadline).
  bool in_frame() const { return state_ != State::kOutside; }
  // Bytes buffered and not yet consumed.
  std::size_t buffered() const { return buffer_.size() - pos_; }

 private:
  enum class State { kOutside, kInside, kDiscarding };
  void compact();

  std::size_t max_frame_;
  std::size_t keep_;
  std::string buffer_;
  std::size_t pos_ = 0;          // first unconsumed byte
  std::size_t frame_begin_ = 0;  // payload start while kInside
  std::size_t scan_ = 0;         // where the search for the end block resumes
  State state_ = State::kOutside;
  std::string oversize_head_;
  std::string_view payload_;
  std::size_t skipped_ = 0;
};

}  // namespace medgw::mllp
