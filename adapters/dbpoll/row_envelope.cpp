#include "adapters/dbpoll/row_envelope.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

namespace medgw::dbpoll {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string base64(std::string_view in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string hex(std::string_view in) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : in) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view in) {
  if (in.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 2) {
    int h = nibble(in[i]), l = nibble(in[i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    out += static_cast<char>(h * 16 + l);
  }
  return out;
}

// Watermark and key values go into dedupe and ordering keys as text: the decoded form when it
// decodes, else the bytes in hex (a key is rarely anything but ASCII).
std::string key_text(std::string_view bytes, const hl7v2::Charset& charset) {
  auto d = hl7v2::decode_to_utf8(bytes, charset, hl7v2::InvalidBytes::kError);
  return d ? std::move(*d) : "hex:" + hex(bytes);
}

}  // namespace

Expected<RowLayout, std::string> find_layout(const std::vector<std::string>& raw_names, const hl7v2::Charset& charset,
                                             const std::string& timestamp_column, const std::string& key_column,
                                             const std::string& ordering_column) {
  RowLayout layout;
  std::optional<std::size_t> ts, key, ordering;
  for (std::size_t i = 0; i < raw_names.size(); ++i) {
    auto name = hl7v2::decode_to_utf8(raw_names[i], charset, hl7v2::InvalidBytes::kReplace);
    std::string n = name ? std::move(*name) : raw_names[i];
    for (const auto& seen : layout.names) {
      if (iequals(seen, n)) return unexpected("the query returns two columns named '" + n + "' (alias one of them)");
    }
    if (iequals(n, timestamp_column)) ts = i;
    if (iequals(n, key_column)) key = i;
    if (!ordering_column.empty() && iequals(n, ordering_column)) ordering = i;
    layout.names.push_back(std::move(n));
  }
  if (!ts) return unexpected("the query returns no column '" + timestamp_column + "' (timestamp_column)");
  if (!key) return unexpected("the query returns no column '" + key_column + "' (key_column)");
  if (!ordering_column.empty() && !ordering) {
    return unexpected("the query returns no column '" + ordering_column + "' (ordering_column)");
  }
  layout.timestamp = *ts;
  layout.key = *key;
  layout.ordering = ordering;
  return layout;
}

Expected<Envelope, std::string> row_envelope(const std::string& source, const RowLayout& layout, const Row& row,
                                             const hl7v2::Charset& charset, std::int64_t now_ms) {
  if (row.size() != layout.names.size()) return unexpected(std::string("a row has more or fewer values than columns"));
  if (!row[layout.timestamp])
    return unexpected("a row has NULL in the timestamp column '" + layout.names[layout.timestamp] + "'");
  if (!row[layout.key]) return unexpected("a row has NULL in the key column '" + layout.names[layout.key] + "'");
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("source");
  write_string(w, source);
  w.Key("columns");
  w.StartObject();
  for (std::size_t i = 0; i < row.size(); ++i) {
    write_string(w, layout.names[i]);
    if (!row[i]) {
      w.Null();
      continue;
    }
    auto decoded = hl7v2::decode_to_utf8(*row[i], charset, hl7v2::InvalidBytes::kError);
    if (decoded) {
      write_string(w, *decoded);
    } else {
      w.StartObject();
      w.Key("undecodable_base64");
      write_string(w, base64(*row[i]));
      w.EndObject();
    }
  }
  w.EndObject();
  w.EndObject();

  Envelope e;
  e.source = source;
  e.received_at_ms = now_ms;
  e.content_type = kContentTypeDbRow;
  e.raw.assign(buf.GetString(), buf.GetSize());
  const std::string key = key_text(*row[layout.key], charset);
  e.dedupe_key = "dbpoll|" + source + "|" + key + "|" + key_text(*row[layout.timestamp], charset);
  if (layout.ordering && row[*layout.ordering]) {
    e.ordering_key = "dbpoll|" + source + "|" + key_text(*row[*layout.ordering], charset);
  } else {
    e.ordering_key = "dbpoll|" + source + "|" + key;
  }
  return e;
}

std::string encode_watermark(const Watermark& wm) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  auto field = [&](const char* name, const std::string& v) {
    if (hl7v2::find_invalid_utf8(v) == std::string::npos) {
      w.Key(name);
      write_string(w, v);
    } else {
      w.Key((std::string(name) + "_hex").c_str());
      write_string(w, hex(v));
    }
  };
  field("timestamp", wm.timestamp);
  field("key", wm.key);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::optional<Watermark> decode_watermark(std::string_view text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  auto field = [&](const char* name) -> std::optional<std::string> {
    auto it = d.FindMember(name);
    if (it != d.MemberEnd() && it->value.IsString())
      return std::string(it->value.GetString(), it->value.GetStringLength());
    auto h = d.FindMember((std::string(name) + "_hex").c_str());
    if (h != d.MemberEnd() && h->value.IsString()) return unhex({h->value.GetString(), h->value.GetStringLength()});
    return std::nullopt;
  };
  auto ts = field("timestamp");
  auto key = field("key");
  if (!ts || !key) return std::nullopt;
  return Watermark{std::move(*ts), std::move(*key)};
}

}  // namespace medgw::dbpoll
