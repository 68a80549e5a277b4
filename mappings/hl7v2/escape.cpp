#include "mappings/hl7v2/escape.hpp"

#include <cstring>

#include "mappings/hl7v2/charset.hpp"

namespace medgw::hl7v2 {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Parses the optional count of \.sp n\ and \.sk n\; HL7 says a missing count means 1.
int formatting_count(std::string_view arg) {
  while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  if (arg.empty()) return 1;
  if (arg.front() == '+') arg.remove_prefix(1);
  int n = 0;
  for (char c : arg) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
    if (n > 100) return -1;  // a bound: "\.sp 999999999\" must not allocate a gigabyte
  }
  return n;
}

// Tries to decode one escape body (the text between the escape characters). Returns false when
// the sequence is not one medgw interprets, so the caller keeps it verbatim.
bool decode_sequence(std::string_view body, const Delimiters& d, std::string& out,
                     FormattingEscapes formatting) {
  if (body.size() == 1) {
    switch (body[0]) {
      case 'F': out.push_back(d.field); return true;
      case 'S': out.push_back(d.component); return true;
      case 'T': out.push_back(d.subcomponent); return true;
      case 'R': out.push_back(d.repetition); return true;
      case 'E': out.push_back(d.escape); return true;
      case 'P':
        if (d.truncation == 0) return false;
        out.push_back(d.truncation);
        return true;
      case 'H':
      case 'N':
        return formatting == FormattingEscapes::kToText;  // highlighting has no plain-text form
      default: return false;
    }
  }
  if (body.size() >= 3 && body[0] == 'X') {
    std::string_view hex = body.substr(1);
    if (hex.size() % 2 != 0) return false;
    std::string bytes;
    bytes.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      int hi = hex_value(hex[i]);
      int lo = hex_value(hex[i + 1]);
      if (hi < 0 || lo < 0) return false;
      bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    // The bytes are in the sender's character set, which medgw has already left behind; accept
    // them when they are valid UTF-8 (ASCII control characters included) and keep the escape
    // otherwise rather than guess.
    if (find_invalid_utf8(bytes) != std::string_view::npos) return false;
    out.append(bytes);
    return true;
  }
  if (!body.empty() && body[0] == '.') {
    if (formatting == FormattingEscapes::kPreserve) return false;
    std::string_view cmd = body.substr(1, 2);
    std::string_view arg = body.size() > 3 ? body.substr(3) : std::string_view{};
    if (cmd == "br" && arg.empty()) {
      out.push_back('\n');
      return true;
    }
    if (cmd == "sp" || cmd == "sk") {
      int n = formatting_count(arg);
      if (n < 0) return false;
      out.append(static_cast<std::size_t>(n), cmd == "sp" ? '\n' : ' ');
      return true;
    }
    if ((cmd == "fi" || cmd == "nf") && arg.empty()) return true;  // fill mode: no text
    if (cmd == "ce" && arg.empty()) {
      out.push_back('\n');  // centring starts a new line
      return true;
    }
    if (cmd == "in" || cmd == "ti") {
      // Indentation has no plain-text form; accept it when its argument is a signed number.
      while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
      if (!arg.empty() && arg.front() == '-') arg.remove_prefix(1);
      return formatting_count(arg) >= 0;
    }
    return false;
  }
  return false;
}

}  // namespace

void unescape_append(std::string_view raw, const Delimiters& d, std::string& out,
                     UnescapeOptions options) {
  const char e = d.escape;
  std::size_t pos = 0;
  while (pos < raw.size()) {  // pos < size implies data() is not null
    const void* hit = std::memchr(raw.data() + pos, e, raw.size() - pos);
    if (hit == nullptr) {
      out.append(raw.substr(pos));
      return;
    }
    std::size_t open = static_cast<const char*>(hit) - raw.data();
    out.append(raw.substr(pos, open - pos));
    std::size_t close = raw.find(e, open + 1);
    if (close == std::string_view::npos) {
      out.append(raw.substr(open));  // an unterminated escape is kept as text
      return;
    }
    std::string_view body = raw.substr(open + 1, close - open - 1);
    if (!decode_sequence(body, d, out, options.formatting)) {
      out.append(raw.substr(open, close - open + 1));
    }
    pos = close + 1;
  }
}

std::string unescape(std::string_view raw, const Delimiters& d, UnescapeOptions options) {
  std::string out;
  if (raw.empty()) return out;
  if (std::memchr(raw.data(), d.escape, raw.size()) == nullptr) {
    out.assign(raw);
    return out;
  }
  out.reserve(raw.size());
  unescape_append(raw, d, out, options);
  return out;
}

std::string escape(std::string_view text, const Delimiters& d, EscapeOptions options) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 8);
  // \.br\ is unreadable when '.', 'b' or 'r' is itself a delimiter: use the hex form then.
  if (d.is_delimiter('.') || d.is_delimiter('b') || d.is_delimiter('r')) options.line_breaks = LineBreaks::kHex;
  auto put = [&](char code) {
    out.push_back(d.escape);
    out.push_back(code);
    out.push_back(d.escape);
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == d.escape) {
      put('E');
    } else if (c == d.field) {
      put('F');
    } else if (c == d.component) {
      put('S');
    } else if (c == d.subcomponent) {
      put('T');
    } else if (c == d.repetition) {
      put('R');
    } else if (d.truncation != 0 && c == d.truncation) {
      put('P');
    } else if ((c == '\r' || c == '\n') && options.line_breaks == LineBreaks::kFormatted) {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out.push_back(d.escape);
      out.append(".br");
      out.push_back(d.escape);
    } else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      out.push_back(d.escape);
      out.push_back('X');
      out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xF]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
      out.push_back(d.escape);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace medgw::hl7v2
