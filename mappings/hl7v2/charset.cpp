#include "mappings/hl7v2/charset.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

namespace medgw::hl7v2 {
namespace {

struct Entry {
  std::string_view key;  // upper-case lookup key
  Charset charset;
};

constexpr Charset kAscii{"ASCII", "", CharsetKind::kAscii, true};
constexpr Charset kUtf8{"UNICODE UTF-8", "", CharsetKind::kUtf8, true};

// HL7 table 0211 (UTG cs-v2-0211) first, then aliases seen in the field.
constexpr std::array kCharsets = {
    Entry{"ASCII", kAscii},
    Entry{"ISO IR6", {"ISO IR6", "", CharsetKind::kAscii, true}},
    Entry{"8859/1", {"8859/1", "ISO-8859-1", CharsetKind::kSingleByte, true}},
    Entry{"8859/2", {"8859/2", "ISO-8859-2", CharsetKind::kSingleByte, true}},
    Entry{"8859/3", {"8859/3", "ISO-8859-3", CharsetKind::kSingleByte, true}},
    Entry{"8859/4", {"8859/4", "ISO-8859-4", CharsetKind::kSingleByte, true}},
    Entry{"8859/5", {"8859/5", "ISO-8859-5", CharsetKind::kSingleByte, true}},
    Entry{"8859/6", {"8859/6", "ISO-8859-6", CharsetKind::kSingleByte, true}},
    Entry{"8859/7", {"8859/7", "ISO-8859-7", CharsetKind::kSingleByte, true}},
    Entry{"8859/8", {"8859/8", "ISO-8859-8", CharsetKind::kSingleByte, true}},
    Entry{"8859/9", {"8859/9", "ISO-8859-9", CharsetKind::kSingleByte, true}},
    Entry{"8859/15", {"8859/15", "ISO-8859-15", CharsetKind::kSingleByte, true}},
    Entry{"ISO IR14", {"ISO IR14", "JIS_X0201", CharsetKind::kSingleByte, true}},
    // ISO 2022 code extension (escape sequences switching sets mid-text) is not supported.
    Entry{"ISO IR87", {"ISO IR87", "", CharsetKind::kMultiByte, false}},
    Entry{"ISO IR159", {"ISO IR159", "", CharsetKind::kMultiByte, false}},
    Entry{"GB 18030-2000", {"GB 18030-2000", "GB18030", CharsetKind::kMultiByte, true}},
    Entry{"KS X 1001", {"KS X 1001", "EUC-KR", CharsetKind::kMultiByte, true}},
    Entry{"CNS 11643-1992", {"CNS 11643-1992", "EUC-TW", CharsetKind::kMultiByte, true}},
    Entry{"BIG-5", {"BIG-5", "BIG5", CharsetKind::kMultiByte, true}},
    // "UNICODE" (deprecated in 2.5) is read as UTF-8, as HAPI's HL7Charsets does; analyzers that
    // send it (Mindray BC-5000) send UTF-8 bytes.
    Entry{"UNICODE", {"UNICODE", "", CharsetKind::kUtf8, true}},
    Entry{"UNICODE UTF-8", kUtf8},
    // UTF-16/32 put NUL bytes and CR halves in the stream; MLLP framing cannot carry them.
    Entry{"UNICODE UTF-16", {"UNICODE UTF-16", "", CharsetKind::kMultiByte, false}},
    Entry{"UNICODE UTF-32", {"UNICODE UTF-32", "", CharsetKind::kMultiByte, false}},
    // Aliases.
    Entry{"UTF-8", {"UTF-8", "", CharsetKind::kUtf8, true}},
    Entry{"UTF8", {"UTF8", "", CharsetKind::kUtf8, true}},
    Entry{"US-ASCII", {"US-ASCII", "", CharsetKind::kAscii, true}},
    Entry{"ISO-8859-1", {"ISO-8859-1", "ISO-8859-1", CharsetKind::kSingleByte, true}},
    Entry{"ISO8859_1", {"ISO8859_1", "ISO-8859-1", CharsetKind::kSingleByte, true}},
    Entry{"LATIN1", {"LATIN1", "ISO-8859-1", CharsetKind::kSingleByte, true}},
    Entry{"WINDOWS-1252", {"WINDOWS-1252", "WINDOWS-1252", CharsetKind::kSingleByte, true}},
    Entry{"CP1252", {"CP1252", "WINDOWS-1252", CharsetKind::kSingleByte, true}},
    Entry{"GBK", {"GBK", "GBK", CharsetKind::kMultiByte, true}},
    Entry{"CP936", {"CP936", "GBK", CharsetKind::kMultiByte, true}},
    // GB2312 text is a subset of GBK; decoding as GBK also accepts the GBK-only characters that
    // "GB2312" senders emit in practice.
    Entry{"GB2312", {"GB2312", "GBK", CharsetKind::kMultiByte, true}},
    Entry{"GB18030", {"GB18030", "GB18030", CharsetKind::kMultiByte, true}},
    Entry{"BIG5", {"BIG5", "BIG5", CharsetKind::kMultiByte, true}},
};

std::string normalise_key(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  std::string key(name);
  for (char& c : key) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return key;
}

// iconv descriptors are costly to open; keep one per thread and target.
class IconvCache {
 public:
  ~IconvCache() {
    for (auto& [name, cd] : cds_) iconv_close(cd);
  }
  iconv_t get(const std::string& to, const std::string& from) {
    std::string key = to + "<" + from;
    auto it = cds_.find(key);
    if (it != cds_.end()) {
      iconv(it->second, nullptr, nullptr, nullptr, nullptr);  // reset shift state
      return it->second;
    }
    iconv_t cd = iconv_open(to.c_str(), from.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return cd;
    cds_.emplace(key, cd);
    return cd;
  }

 private:
  std::map<std::string, iconv_t> cds_;
};

iconv_t cached_iconv(const std::string& to, const std::string& from) {
  thread_local IconvCache cache;
  return cache.get(to, from);
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

Expected<std::string, DecodeFailure> run_iconv(std::string_view in, const std::string& to,
                                               const std::string& from, InvalidBytes invalid) {
  iconv_t cd = cached_iconv(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return unexpected(DecodeFailure{0, "iconv cannot convert from " + from + " to " + to});
  }
  std::string out;
  out.resize(in.size() * 2 + 16);
  char* src = const_cast<char*>(in.data());  // iconv's signature is not const-correct
  std::size_t src_left = in.size();
  std::size_t used = 0;
  while (src_left > 0) {
    char* dst = out.data() + used;
    std::size_t dst_left = out.size() - used;
    std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    used = out.size() - dst_left;
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // EILSEQ (invalid sequence) or EINVAL (truncated at the end).
    std::size_t offset = in.size() - src_left;
    if (invalid == InvalidBytes::kError) {
      return unexpected(DecodeFailure{
          offset, (errno == EINVAL ? "truncated multi-byte sequence in " : "invalid byte sequence in ") +
                      from});
    }
    if (out.size() - used < kReplacement.size()) out.resize(out.size() * 2);
    std::memcpy(out.data() + used, kReplacement.data(), kReplacement.size());
    used += kReplacement.size();
    ++src;
    --src_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  out.resize(used);
  return out;
}

std::string replace_invalid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + 8);
  while (!bytes.empty()) {
    std::size_t bad = find_invalid_utf8(bytes);
    if (bad == std::string_view::npos) {
      out.append(bytes);
      break;
    }
    out.append(bytes.substr(0, bad));
    out.append(kReplacement);
    bytes.remove_prefix(bad + 1);
  }
  return out;
}

}  // namespace

std::optional<Charset> find_charset(std::string_view name) {
  std::string key = normalise_key(name);
  for (const Entry& e : kCharsets) {
    if (e.key == key) return e.charset;
  }
  return std::nullopt;
}

Charset default_charset() { return {"UTF-8", "", CharsetKind::kUtf8, true}; }

std::size_t find_invalid_utf8(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes at a time.
    if (i + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p + i, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;   // overlong
      if (c == 0xED) hi = 0x9F;   // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;   // overlong
      if (c == 0xF4) hi = 0x8F;   // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

Expected<std::string, DecodeFailure> decode_to_utf8(std::string_view bytes, const Charset& charset,
                                                    InvalidBytes invalid) {
  if (!charset.supported) {
    return unexpected(DecodeFailure{0, std::string(charset.name) + " is not supported"});
  }
  switch (charset.kind) {
    case CharsetKind::kUtf8: {
      std::size_t bad = find_invalid_utf8(bytes);
      if (bad == std::string_view::npos) return std::string(bytes);
      if (invalid == InvalidBytes::kError) {
        return unexpected(DecodeFailure{bad, "invalid UTF-8 byte sequence"});
      }
      return replace_invalid_utf8(bytes);
    }
    case CharsetKind::kAscii: {
      std::string out;
      out.reserve(bytes.size());
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (static_cast<unsigned char>(bytes[i]) >= 0x80) {
          if (invalid == InvalidBytes::kError) {
            return unexpected(DecodeFailure{i, "byte above 0x7F in an ASCII message"});
          }
          out.append(kReplacement);
        } else {
          out.push_back(bytes[i]);
        }
      }
      return out;
    }
    case CharsetKind::kSingleByte:
    case CharsetKind::kMultiByte:
      return run_iconv(bytes, "UTF-8", std::string(charset.iconv_name), invalid);
  }
  return unexpected(DecodeFailure{0, "unreachable charset kind"});
}

Expected<std::string, DecodeFailure> encode_from_utf8(std::string_view utf8, const Charset& charset) {
  if (!charset.supported) {
    return unexpected(DecodeFailure{0, std::string(charset.name) + " is not supported"});
  }
  if (charset.kind == CharsetKind::kUtf8) return std::string(utf8);
  if (charset.kind == CharsetKind::kAscii) {
    for (std::size_t i = 0; i < utf8.size(); ++i) {
      if (static_cast<unsigned char>(utf8[i]) >= 0x80) {
        return unexpected(DecodeFailure{i, "character outside ASCII"});
      }
    }
    return std::string(utf8);
  }
  return run_iconv(utf8, std::string(charset.iconv_name), "UTF-8", InvalidBytes::kError);
}

}  // namespace medgw::hl7v2
