#include "adapters/fhir/fhir_response.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstdio>
#include <ctime>

#include "mappings/fhir/operation_outcome.hpp"

namespace medgw::fhir {
namespace {

// A JSON string literal, quotes included.
std::string quoted(std::string_view text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return {buf.GetString(), buf.GetSize()};
}

// A decimal in [0, 1] as FHIR JSON writes it: the shortest text that reads back as the same double.
std::string decimal(double v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.Double(v);
  return {buf.GetString(), buf.GetSize()};
}

}  // namespace

HttpResponse json_response(unsigned status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.set_header("Content-Type", kFhirJson);
  res.body = std::move(body);
  return res;
}

HttpResponse outcome_response(unsigned status, const char* code, std::string diagnostics, std::string expression) {
  return outcome_response(status, {Issue{Severity::kError, code, std::move(expression), std::move(diagnostics)}});
}

HttpResponse outcome_response(unsigned status, const std::vector<Issue>& issues) {
  return json_response(status, operation_outcome_json(issues));
}

std::string http_date(std::string_view instant) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  const std::string text(instant.substr(0, 19));
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) return {};
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t t = timegm(&tm);  // the store writes UTC ("Z")
  std::tm utc{};
  gmtime_r(&t, &utc);
  std::array<char, 64> out{};
  const std::size_t n = std::strftime(out.data(), out.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return {out.data(), n};
}

void set_version_headers(HttpResponse& res, const crmstore::StoredResource& r, const std::string& base_url,
                         bool location) {
  res.set_header("ETag", "W/\"" + std::to_string(r.version) + "\"");
  if (auto date = http_date(r.last_updated); !date.empty()) res.set_header("Last-Modified", date);
  if (location) {
    res.set_header("Location", base_url + "/" + r.type + "/" + r.id + "/_history/" + std::to_string(r.version));
  }
}

std::string bundle_json(std::string_view type, const std::vector<BundleEntry>& entries, const std::string& base_url,
                        const BundleLinks& links, std::optional<std::int64_t> total) {
  std::string out = R"({"resourceType":"Bundle","type":)" + quoted(type);
  if (total) out += R"(,"total":)" + std::to_string(*total);
  if (!links.self.empty() || !links.next.empty()) {
    out += R"(,"link":[)";
    bool first = true;
    for (const auto& [relation, url] : {std::pair<const char*, const std::string&>{"self", links.self},
                                        std::pair<const char*, const std::string&>{"next", links.next}}) {
      if (url.empty()) continue;
      if (!first) out += ',';
      first = false;
      out += R"({"relation":")" + std::string(relation) + R"(","url":)" + quoted(url) + "}";
    }
    out += ']';
  }
  // FHIR JSON has no empty arrays: a Bundle without entries has no "entry".
  if (entries.empty()) return out + "}";
  out += R"(,"entry":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const BundleEntry& e = entries[i];
    if (i) out += ',';
    out += '{';
    bool comma = false;
    if (e.resource) {
      out += R"("fullUrl":)" + quoted(base_url + "/" + e.resource->type + "/" + e.resource->id);
      out += R"(,"resource":)" + e.resource->json;
      comma = true;
    } else if (!e.inline_resource.empty()) {
      out += R"("resource":)" + e.inline_resource;
      comma = true;
    }
    if (e.search_mode) {
      out += std::string(comma ? "," : "") + R"("search":{)";
      if (e.match_grade) {
        out += R"("extension":[{"url":")" + std::string(kMatchGradeExtension) + R"(","valueCode":)" +
               quoted(e.match_grade) + "}],";
      }
      out += R"("mode":")" + std::string(e.search_mode) + "\"";
      if (e.search_score) out += R"(,"score":)" + decimal(*e.search_score);
      out += '}';
      comma = true;
    }
    if (!e.request_method.empty()) {
      out += std::string(comma ? "," : "") + R"("request":{"method":)" + quoted(e.request_method) + R"(,"url":)" +
             quoted(e.request_url) + "}";
      comma = true;
    }
    if (!e.response_status.empty()) {
      out += std::string(comma ? "," : "") + R"("response":{"status":)" + quoted(e.response_status);
      if (!e.response_location.empty()) out += R"(,"location":)" + quoted(e.response_location);
      if (!e.response_etag.empty()) out += R"(,"etag":)" + quoted(e.response_etag);
      if (!e.response_last_modified.empty()) out += R"(,"lastModified":)" + quoted(e.response_last_modified);
      if (!e.response_outcome.empty()) out += R"(,"outcome":)" + e.response_outcome;
      out += '}';
    }
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace medgw::fhir
