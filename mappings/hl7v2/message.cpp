#include "mappings/hl7v2/message.hpp"

#include <cstdio>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mappings/hl7v2/escape.hpp"

namespace medgw::hl7v2 {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_id_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_batch_or_header(std::string_view id) {
  return id == "MSH" || id == "FHS" || id == "BHS" || id == "BTS" || id == "FTS";
}

ParseError error(ParseErrorCode code, std::size_t offset, std::string message, std::string segment = {},
                 std::size_t segment_index = 0, std::size_t field = 0) {
  ParseError e;
  e.code = code;
  e.offset = offset;
  e.message = std::move(message);
  e.segment = std::move(segment);
  e.segment_index = segment_index;
  e.field = field;
  return e;
}

bool all_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// MSH-18's first repetition, read from the raw header line. Valid only when raw delimiter bytes
// are trustworthy (ASCII header, or a charset whose trail bytes never look like delimiters).
std::string_view charset_field(std::string_view header_line, const Delimiters& d) {
  // Pieces split on the field separator: [0] "MSH", [1] MSH-2, [k] MSH-(k+1). MSH-18 is piece 17.
  std::string_view msh18 = nth_piece(header_line, d.field, 18);
  std::string_view first = nth_piece(msh18, d.repetition, 1);
  return nth_piece(first, d.component, 1);
}

bool has_high_bytes(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace

Expected<Delimiters, ParseError> read_delimiters(std::string_view line) {
  std::string_view id = line.substr(0, 3);
  if (line.size() < 4) {
    return unexpected(error(ParseErrorCode::kBadDelimiters, 0,
                            std::string(id) + " ends before its field separator (" + std::string(id) + "-1)",
                            std::string(id), 1, 1));
  }
  Delimiters d;
  d.field = line[3];
  std::size_t i = 4;
  std::string enc;
  while (i < line.size() && line[i] != d.field && line[i] != '\r' && line[i] != '\n') enc.push_back(line[i++]);
  auto bad = [&](std::size_t field, std::string why) {
    return unexpected(error(ParseErrorCode::kBadDelimiters, field == 1 ? 3 : 4, std::move(why), std::string(id), 1, field));
  };
  // HL7 asks receivers to accept whatever the header declares. Refused are only characters that
  // would make the message unreadable: capital letters and digits (segment ids and the escape
  // codes \F\ \S\ \X0D\ are made of them), spaces (too common in text to delimit anything, and a
  // header like "MSH ^~\&" is far likelier corruption than intent), line ends, control and
  // non-ASCII bytes.
  auto unusable = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || static_cast<unsigned char>(c) <= 0x20 ||
           static_cast<unsigned char>(c) >= 0x7F;
  };
  if (unusable(d.field)) {
    return bad(1, std::string(id) + "-1 (the field separator) must be printable ASCII, not a space, capital letter or digit");
  }
  if (enc.size() < 4 || enc.size() > 5) {
    return bad(2, std::string(id) + "-2 (the encoding characters) must be 4 characters, or 5 with the truncation character; found " +
                      std::to_string(enc.size()));
  }
  d.component = enc[0];
  d.repetition = enc[1];
  d.escape = enc[2];
  d.subcomponent = enc[3];
  d.truncation = enc.size() == 5 ? enc[4] : 0;
  std::string all = std::string(1, d.field) + enc;
  for (std::size_t a = 0; a < all.size(); ++a) {
    if (unusable(all[a])) {
      return bad(2, std::string(id) + "-2 contains a capital letter, digit, space, control character or non-ASCII byte");
    }
    for (std::size_t b = a + 1; b < all.size(); ++b) {
      if (all[a] == all[b]) {
        return bad(2, std::string(id) + "-1 and " + std::string(id) + "-2 declare the same delimiter twice");
      }
    }
  }
  return d;
}

// Splits text into segments and fields in one pass, recording only offsets. Events (a field
// separator, a CR or LF) are found 16 bytes at a time with SSE2 where available; the same pass
// notes whether any byte is above 0x7F, so pure-ASCII messages skip charset work entirely.
class Splitter {
 public:
  Splitter(Message& m, std::size_t base, const ParseLimits& limits, std::vector<std::uint32_t>& pieces,
           std::vector<Message::SegmentSpan>& segments)
      : text_(m.text()), fs_(m.delimiters().field), base_(base), limits_(limits), pieces_(pieces), segments_(segments) {}

  std::optional<ParseError> run(bool& high_bytes) {
    const char* p = text_.data();
    const std::size_t n = text_.size();
    std::size_t i = 0;
    unsigned high = 0;
#if defined(__SSE2__)
    const __m128i vfs = _mm_set1_epi8(fs_);
    const __m128i vcr = _mm_set1_epi8('\r');
    const __m128i vlf = _mm_set1_epi8('\n');
    for (; i + 16 <= n; i += 16) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      high |= static_cast<unsigned>(_mm_movemask_epi8(b));
      const auto mfs = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(b, vfs)));
      const auto meol = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(b, vcr), _mm_cmpeq_epi8(b, vlf))));
      unsigned events = mfs | meol;
      while (events != 0) {
        const unsigned k = static_cast<unsigned>(__builtin_ctz(events));
        events &= events - 1;
        if ((mfs >> k) & 1u) {
          on_field_separator(i + k);
        } else if (!on_end_of_line(i + k)) {
          return error_;
        }
      }
    }
#endif
    for (; i < n; ++i) {
      const char c = p[i];
      high |= static_cast<unsigned char>(c) & 0x80u;
      if (c == fs_) {
        on_field_separator(i);
      } else if (c == '\r' || c == '\n') {
        if (!on_end_of_line(i)) return error_;
      }
    }
    if (!in_segment_ && next_start_ < n) start(next_start_);
    if (in_segment_ && !finish(n)) return error_;
    high_bytes = high != 0;
    return std::nullopt;
  }

 private:
  void start(std::size_t at) {
    in_segment_ = true;
    segment_begin_ = at;
    first_piece_ = static_cast<std::uint32_t>(pieces_.size());
    pieces_.push_back(static_cast<std::uint32_t>(at));
  }
  void on_field_separator(std::size_t pos) {
    if (!in_segment_) start(next_start_);
    pieces_.push_back(static_cast<std::uint32_t>(pos + 1));
  }
  bool on_end_of_line(std::size_t pos) {
    if (!in_segment_) {
      if (pos == next_start_) {  // a blank line, or the LF of a CRLF
        next_start_ = pos + 1;
        return true;
      }
      start(next_start_);
    }
    next_start_ = pos + 1;
    return finish(pos);
  }
  bool finish(std::size_t end) {
    in_segment_ = false;
    std::string_view line = text_.substr(segment_begin_, end - segment_begin_);
    const std::size_t seg_number = segments_.size() + 1;
    if (all_blank(line)) {
      pieces_.resize(first_piece_);
      return true;
    }
    if (line.size() < 3 || !is_id_char(line[0]) || !is_id_char(line[1]) || !is_id_char(line[2]) ||
        (line.size() > 3 && line[3] != fs_)) {
      error_ = error(ParseErrorCode::kBadSegmentId, base_ + segment_begin_,
                     "segment " + std::to_string(seg_number) +
                         " does not start with a segment id of three capital letters or digits followed by the field "
                         "separator",
                     "", seg_number);
      return false;
    }
    if (seg_number > 1 && is_batch_or_header(line.substr(0, 3))) {
      error_ = error(ParseErrorCode::kUnexpectedHeader, base_ + segment_begin_,
                     std::string(line.substr(0, 3)) +
                         " inside a message: several messages or a batch must be read with the batch reader",
                     std::string(line.substr(0, 3)), seg_number);
      error_->occurrence = occurrences(line.substr(0, 3)) + 1;
      return false;
    }
    if (seg_number > limits_.max_segments) {
      error_ = error(ParseErrorCode::kTooManySegments, base_ + segment_begin_,
                     "more than " + std::to_string(limits_.max_segments) + " segments");
      return false;
    }
    segments_.push_back({static_cast<std::uint32_t>(segment_begin_), static_cast<std::uint32_t>(end), first_piece_,
                         static_cast<std::uint32_t>(pieces_.size() - first_piece_)});
    return true;
  }

  // How many segments with this id were already split.
  std::size_t occurrences(std::string_view id) const {
    std::size_t n = 0;
    for (const auto& seg : segments_) n += text_.substr(seg.begin, 3) == id;
    return n;
  }

  std::string_view text_;
  char fs_;
  std::size_t base_;
  const ParseLimits& limits_;
  std::vector<std::uint32_t>& pieces_;
  std::vector<Message::SegmentSpan>& segments_;
  bool in_segment_ = false;
  std::size_t segment_begin_ = 0;
  std::uint32_t first_piece_ = 0;
  std::size_t next_start_ = 0;
  std::optional<ParseError> error_;
};

struct MessageParser {
  static Expected<Message, ParseError> run(std::string_view input, const ParseOptions& options) {
    if (input.size() > options.limits.max_message_bytes) {
      return unexpected(error(ParseErrorCode::kTooLarge, options.limits.max_message_bytes,
                              "message is " + std::to_string(input.size()) + " bytes; the limit is " +
                                  std::to_string(options.limits.max_message_bytes)));
    }
    std::size_t base = 0;
    if (input.substr(0, 3) == kBom) base = 3;
    // Blank lines (terminators, or only spaces and tabs) before the header are skipped, as they
    // are between segments.
    for (std::size_t i = base; i < input.size(); ++i) {
      const char c = input[i];
      if (c == '\r' || c == '\n') {
        base = i + 1;
      } else if (c != ' ' && c != '\t') {
        break;
      }
    }
    std::string_view text = input.substr(base);
    if (all_blank(text)) return unexpected(error(ParseErrorCode::kEmptyInput, base, "no message: the input is empty"));
    if (text.substr(0, 3) != "MSH") {
      std::string why = text.substr(0, 3) == "FHS" || text.substr(0, 3) == "BHS"
                            ? "this is a batch (FHS/BHS); read it with the batch reader"
                            : "a message must start with an MSH segment";
      return unexpected(error(ParseErrorCode::kNoHeader, base, why));
    }

    Message m;
    {
      auto d = read_delimiters(text);
      if (!d) {
        ParseError e = std::move(d).error();
        e.offset += base;
        return unexpected(std::move(e));
      }
      m.delimiters_ = *d;
    }
    m.text_ = text;

    // Split the raw bytes first. That is exact for ASCII and UTF-8 (no multi-byte sequence holds
    // an ASCII byte) and is redone on the decoded text for every other charset.
    bool high_bytes = false;
    if (auto e = split(m, base, options.limits, high_bytes)) return unexpected(std::move(*e));

    const Charset fallback = options.default_charset.value_or(default_charset());
    auto resolved = resolve_charset(m, fallback, high_bytes, base);
    if (!resolved) return unexpected(std::move(resolved).error());
    m.charset_ = *resolved;
    if (!high_bytes) return m;  // pure ASCII reads the same in every supported charset

    if (m.charset_.kind == CharsetKind::kUtf8) {
      std::size_t bad = find_invalid_utf8(text);
      if (bad == std::string_view::npos) return m;
      if (options.invalid_bytes == InvalidBytes::kError) {
        return unexpected(locate_invalid(text, bad, base, "invalid UTF-8 byte sequence", m.charset_));
      }
    } else if (m.charset_.kind == CharsetKind::kAscii && options.invalid_bytes == InvalidBytes::kError) {
      std::size_t bad = 0;
      while (static_cast<unsigned char>(text[bad]) < 0x80) ++bad;
      return unexpected(locate_invalid(text, bad, base, "byte above 0x7F in a message whose charset is ASCII", m.charset_));
    }

    // Decode to UTF-8, then split again: offsets below are in the decoded text.
    auto decoded = decode_to_utf8(text, m.charset_, options.invalid_bytes);
    if (!decoded) {
      return unexpected(locate_invalid(text, decoded.error().offset, base, decoded.error().reason, m.charset_));
    }
    m.owned_ = std::make_unique<std::string>(std::move(*decoded));
    m.text_ = *m.owned_;
    m.segments_.clear();
    m.piece_begin_.clear();
    if (auto e = split(m, 0, options.limits, high_bytes)) return unexpected(std::move(*e));
    return m;
  }

  // MSH-18 of a header line, or "" when the header does not split into 18 fields.
  static std::string msh18_of(std::string_view header, const Delimiters& d) { return std::string(charset_field(header, d)); }

  // The charset a message is in: MSH-18 when it names one, else the source's default.
  //
  // With an ASCII header the raw MSH-18 is exact. When the header holds non-ASCII bytes, the raw
  // split is exact only for charsets whose bytes never look like delimiters (UTF-8, ISO 8859);
  // in GBK, GB 18030 or Big5 a trail byte may be '|' and shift every field after it. So a charset
  // is accepted only when it reads the header consistently: the header is valid in it and,
  // decoded with it, names it in MSH-18.
  static Expected<Charset, ParseError> resolve_charset(const Message& m, const Charset& fallback, bool high_bytes,
                                                      std::size_t base) {
    const std::string_view header = m.segment(0).raw();
    const std::string_view raw18 = m.segment(0).field(18).repetition(1).component(1).raw();
    const std::optional<Charset> named = raw18.empty() ? std::nullopt : find_charset(raw18);
    auto unknown = [&] {
      return error(ParseErrorCode::kUnknownCharset, base,
                   "MSH-18 names a character set that is not in HL7 table 0211 nor a known alias, and the message "
                   "holds non-ASCII bytes",
                   "MSH", 1, 18);
    };
    auto unsupported = [&](const Charset& cs) {
      ParseError e = error(ParseErrorCode::kUnsupportedCharset, base,
                           "MSH-18 character set " + std::string(cs.name) +
                               " cannot be carried over a byte stream or uses ISO 2022 switching",
                           "MSH", 1, 18);
      e.occurrence = 1;
      return e;
    };
    auto valid_in = [&](const Charset& cs) { return decode_to_utf8(header, cs, InvalidBytes::kError).has_value(); };
    auto names_itself = [&](const Charset& cs) {
      auto decoded = decode_to_utf8(header, cs, InvalidBytes::kError);
      if (!decoded) return false;
      auto declared = find_charset(msh18_of(*decoded, m.delimiters_));
      return declared && declared->iconv_name == cs.iconv_name && declared->kind == cs.kind;
    };

    if (!has_high_bytes(header)) {
      if (!named) {
        if (raw18.empty()) return fallback;
        if (!high_bytes) return Charset{"unknown MSH-18, ASCII content", "", CharsetKind::kAscii, true};
        return unexpected(unknown());
      }
      if (!named->supported) return unexpected(unsupported(*named));
      return *named;
    }
    // The header holds non-ASCII bytes.
    if (named && named->supported && named->raw_delimiters_safe() && valid_in(*named)) return *named;
    if (raw18.empty() && fallback.raw_delimiters_safe() && valid_in(fallback)) return fallback;
    if (named && named->supported && !named->raw_delimiters_safe() && names_itself(*named)) return *named;
    std::vector<Charset> candidates;
    if (!fallback.raw_delimiters_safe()) candidates.push_back(fallback);
    for (const char* name : {"GB18030", "BIG5"}) candidates.push_back(*find_charset(name));
    for (const Charset& cs : candidates) {
      auto decoded = decode_to_utf8(header, cs, InvalidBytes::kError);
      if (!decoded) continue;
      std::string declared = msh18_of(*decoded, m.delimiters_);
      if (declared.empty()) {
        if (cs.iconv_name == fallback.iconv_name) return fallback;
        continue;
      }
      auto other = find_charset(declared);
      if (other && other->supported && !other->raw_delimiters_safe() && names_itself(*other)) return *other;
    }
    if (!named) {
      if (raw18.empty()) return fallback;  // decoding reports the invalid bytes, located
      return unexpected(unknown());
    }
    if (!named->supported) return unexpected(unsupported(*named));
    return *named;
  }

  // A located error for an invalid byte: which segment, which occurrence of it and which field it
  // falls in. Fields are counted in the decoded prefix for multi-byte charsets, whose trail bytes
  // may equal the field separator.
  static ParseError locate_invalid(std::string_view text, std::size_t bad, std::size_t base, std::string why,
                                   const Charset& charset) {
    std::size_t seg_index = 1;
    std::size_t seg_begin = 0;
    for (std::size_t i = 0; i < bad && i < text.size(); ++i) {
      if (text[i] == '\r' || text[i] == '\n') {
        while (i + 1 < bad && (text[i + 1] == '\r' || text[i + 1] == '\n')) ++i;
        ++seg_index;
        seg_begin = i + 1;
      }
    }
    std::string name(text.substr(seg_begin, 3));
    for (char c : name) {
      if (!is_id_char(c)) name.clear();
    }
    std::size_t field = 0;
    char fs = text.size() > 3 ? text[3] : '|';
    std::string_view prefix = text.substr(seg_begin, bad - seg_begin);
    std::string decoded_prefix;
    if (!charset.raw_delimiters_safe()) {
      if (auto d = decode_to_utf8(prefix, charset, InvalidBytes::kReplace)) {
        decoded_prefix = std::move(*d);
        prefix = decoded_prefix;
      }
    }
    for (char c : prefix) field += (c == fs);
    if (name == "MSH") ++field;  // MSH-1 is the separator itself
    std::size_t occurrence = 0;
    if (!name.empty()) {
      // Count lines starting with this id up to and including the bad one.
      std::size_t line = 0;
      while (line <= seg_begin && line < text.size()) {
        if (text.compare(line, 3, name) == 0) ++occurrence;
        std::size_t eol = text.find_first_of("\r\n", line);
        if (eol == std::string_view::npos) break;
        line = eol + 1;
        while (line < text.size() && (text[line] == '\r' || text[line] == '\n')) ++line;
      }
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(text[bad < text.size() ? bad : 0]));
    ParseError e = error(ParseErrorCode::kInvalidEncoding, base + bad, why + " (byte " + hex + ")", name, seg_index, field);
    e.occurrence = occurrence;
    return e;
  }

  static std::optional<ParseError> split(Message& m, std::size_t base, const ParseLimits& limits, bool& high_bytes) {
    m.segments_.reserve(16);
    m.piece_begin_.reserve(m.text_.size() / 6 + 16);
    return Splitter(m, base, limits, m.piece_begin_, m.segments_).run(high_bytes);
  }
};

Expected<Message, ParseError> Message::parse(std::string_view input, const ParseOptions& options) {
  return MessageParser::run(input, options);
}

std::optional<Segment> Message::find(std::string_view name, std::size_t occurrence) const {
  if (occurrence == 0) return std::nullopt;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const SegmentSpan& s = segments_[i];
    if (name.size() == 3 && s.end - s.begin >= 3 && std::memcmp(text_.data() + s.begin, name.data(), 3) == 0) {
      if (--occurrence == 0) return Segment{this, i};
    }
  }
  return std::nullopt;
}

std::string_view Message::raw_at(const Path& path) const {
  auto seg = find(path.segment, path.occurrence);
  if (!seg) return {};
  Field f = seg->field(path.field);
  if (path.component == 0) {
    // The whole field: every repetition for repetition 1 of a non-repeating reading would be
    // surprising, so a field path always means one repetition.
    return f.repetition(path.repetition).raw();
  }
  Component c = f.repetition(path.repetition).component(path.component);
  if (path.subcomponent == 0) return c.raw();
  return c.subcomponent(path.subcomponent);
}

std::string Message::value_at(const Path& path) const { return unescape(raw_at(path), delimiters_); }

std::string_view Segment::name() const {
  const auto& s = message_->segments_[index_];
  return message_->text_.substr(s.begin, 3);
}

std::string_view Segment::raw() const {
  const auto& s = message_->segments_[index_];
  return message_->text_.substr(s.begin, s.end - s.begin);
}

std::size_t Segment::field_count() const {
  const auto& s = message_->segments_[index_];
  std::size_t pieces = s.piece_count - 1;  // the id is not a field
  return name() == "MSH" || name() == "FHS" || name() == "BHS" ? pieces + 1 : pieces;
}

Field Segment::field(std::size_t n) const {
  const auto& s = message_->segments_[index_];
  const Delimiters* d = &message_->delimiters_;
  const std::string_view text = message_->text_;
  const bool header = name() == "MSH" || name() == "FHS" || name() == "BHS";
  std::size_t piece = n;
  if (header) {
    if (n == 1) return {text.substr(s.begin + 3, 1), d, true};
    piece = n - 1;
    if (n == 2) {
      std::uint32_t b = message_->piece_begin_[s.first_piece + 1];
      std::uint32_t e = s.piece_count > 2 ? message_->piece_begin_[s.first_piece + 2] - 1 : s.end;
      return {text.substr(b, e - b), d, true};
    }
  }
  if (n == 0 || piece >= s.piece_count) return {};
  std::uint32_t b = message_->piece_begin_[s.first_piece + piece];
  std::uint32_t e = piece + 1 < s.piece_count ? message_->piece_begin_[s.first_piece + piece + 1] - 1 : s.end;
  return {text.substr(b, e - b), d, false};
}

}  // namespace medgw::hl7v2
