#include "adapters/fhir/fhir_format.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>
#include <system_error>

namespace medgw::fhir {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// q of one media range's parameters ("q=0.5"), 1 when absent; -1 when malformed.
double quality(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const std::string_view p = trim(params.substr(0, semi));
    if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      double q = 0;
      const std::string_view text = p.substr(2);
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q);
      if (ec != std::errc() || end != text.data() + text.size()) return -1;
      return q;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return 1;
}

}  // namespace

std::optional<FhirFormat> format_of(std::string_view value) {
  const std::string v = lower(trim(value.substr(0, value.find(';'))));
  if (v == "json" || v == "application/fhir+json" || v == "application/json" || v == "application/json+fhir") {
    return FhirFormat::kJson;
  }
  if (v == "xml" || v == "application/fhir+xml" || v == "application/xml" || v == "text/xml" ||
      v == "application/xml+fhir") {
    return FhirFormat::kXml;
  }
  return std::nullopt;
}

std::optional<FhirFormat> response_format(const HttpRequest& req) {
  for (const auto& [name, value] : req.query) {
    if (name == "_format") return format_of(value);
  }
  const std::string* accept = req.header("accept");
  if (accept == nullptr || trim(*accept).empty()) return FhirFormat::kJson;
  std::optional<FhirFormat> best;
  double best_q = 0;
  std::string_view list = *accept;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view range = trim(list.substr(0, comma));
    const auto semi = range.find(';');
    const double q = semi == std::string_view::npos ? 1 : quality(range.substr(semi + 1));
    const std::string type = lower(trim(range.substr(0, semi)));
    std::optional<FhirFormat> f = format_of(type);
    if (!f && (type == "*/*" || type == "application/*")) f = FhirFormat::kJson;
    if (f && q > best_q) {  // strictly greater: between equal q, the first listed
      best = f;
      best_q = q;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return best;
}

std::optional<FhirFormat> body_format(const HttpRequest& req) {
  const std::string* ct = req.header("content-type");
  if (ct == nullptr || trim(*ct).empty()) {
    const auto first = req.body.find_first_not_of(" \t\r\n");
    return first != std::string::npos && req.body[first] == '<' ? FhirFormat::kXml : FhirFormat::kJson;
  }
  if (auto f = format_of(*ct)) return f;
  const std::string t = lower(trim(std::string_view(*ct).substr(0, ct->find(';'))));
  if (t.ends_with("+json") || t.ends_with("/json")) return FhirFormat::kJson;
  if (t.ends_with("+xml") || t.ends_with("/xml")) return FhirFormat::kXml;
  return std::nullopt;
}

}  // namespace medgw::fhir
