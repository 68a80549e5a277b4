#include "adapters/fhir/poll_watermark.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

namespace medgw::fhir {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<InstantKey> parse_instant(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) ||
      s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  // FHIR allows a leap second (60); it sorts as the next second's start, which is all we need.
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int32_t scale = 100'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 14 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;  // an instant always has a zone
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  InstantKey k;
  k.seconds = days * 86'400 + hour * 3600 + minute * 60 + second - offset_s;
  k.nanoseconds = nanos;
  return k;
}

std::optional<Watermark> Watermark::at(std::string last_updated) {
  Watermark w;
  if (!last_updated.empty()) {
    auto k = parse_instant(last_updated);
    if (!k) return std::nullopt;
    w.key_ = *k;
  }
  w.last_updated_ = std::move(last_updated);
  return w;
}

bool Watermark::seen(const InstantKey& at, std::string_view id) const {
  return !last_updated_.empty() && at == key_ && ids_.find(id) != ids_.end();
}

void Watermark::record(const InstantKey& at, std::string_view last_updated_text, std::string_view id) {
  if (last_updated_.empty() || at > key_) {
    last_updated_.assign(last_updated_text);
    key_ = at;
    ids_.clear();
    ids_.emplace(id);
    return;
  }
  if (at == key_ && ids_.size() < kMaxIdsAtTimestamp) ids_.emplace(id);
}

std::string Watermark::encode() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("v");
  w.Int(1);
  w.Key("lastUpdated");
  w.String(last_updated_.data(), static_cast<rapidjson::SizeType>(last_updated_.size()));
  w.Key("ids");
  w.StartArray();
  for (const auto& id : ids_) w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
  w.EndArray();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<Watermark> Watermark::decode(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto v = doc.FindMember("v");
  const auto lu = doc.FindMember("lastUpdated");
  const auto ids = doc.FindMember("ids");
  if (v == doc.MemberEnd() || !v->value.IsInt() || v->value.GetInt() != 1 || lu == doc.MemberEnd() ||
      !lu->value.IsString() || ids == doc.MemberEnd() || !ids->value.IsArray()) {
    return std::nullopt;
  }
  auto w = Watermark::at(std::string(lu->value.GetString(), lu->value.GetStringLength()));
  if (!w) return std::nullopt;
  for (const auto& id : ids->value.GetArray()) {
    if (!id.IsString()) return std::nullopt;
    if (w->ids_.size() < kMaxIdsAtTimestamp) w->ids_.emplace(id.GetString(), id.GetStringLength());
  }
  if (w->empty() && !w->ids_.empty()) return std::nullopt;
  return w;
}

}  // namespace medgw::fhir
