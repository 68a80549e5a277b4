#include "adapters/fhir/search_request.hpp"

#include <charconv>

#include "adapters/fhir/http_message.hpp"

namespace medgw::fhir {

std::vector<std::string> split_values(const std::string& value) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ',') {
      out.back() += ',';
      ++i;
    } else if (value[i] == ',') {
      out.emplace_back();
    } else {
      out.back() += value[i];
    }
  }
  return out;
}

Expected<crmstore::SearchQuery, SearchRequestError> parse_search(
    const std::string& type, const std::vector<std::pair<std::string, std::string>>& query) {
  crmstore::SearchQuery q;
  q.type = type;
  for (const auto& [name, value] : query) {
    if (name == "_format" || name == "_pretty") continue;
    if (name == "_count") {
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return unexpected(SearchRequestError{name, "_count must be a whole number"});
      }
      q.count = std::min(n, crmstore::kMaxSearchCount);
    } else if (name == "_sort") {
      q.sort = value;
    } else if (name == "_include") {
      if (type != "DiagnosticReport" || value != "DiagnosticReport:result") {
        return unexpected(SearchRequestError{name, "only _include=DiagnosticReport:result is supported"});
      }
      q.include_results = true;
    } else if (name == "_total") {
      if (value == "accurate") {
        q.total = true;
      } else if (value != "none" && value != "estimate") {
        return unexpected(SearchRequestError{name, "_total must be none, estimate or accurate"});
      }
    } else if (name == "_summary") {
      if (value != "count") return unexpected(SearchRequestError{name, "only _summary=count is supported"});
      q.count = 0;
      q.total = true;
    } else if (name == "_cursor") {
      q.cursor = value;
    } else {
      crmstore::SearchParam p;
      const auto colon = name.find(':');
      p.name = name.substr(0, colon);
      if (colon != std::string::npos) p.modifier = name.substr(colon + 1);
      for (auto& v : split_values(value)) {
        if (!v.empty()) p.values.push_back(std::move(v));
      }
      if (!p.values.empty()) q.params.push_back(std::move(p));  // FHIR: a parameter without a value is ignored
    }
  }
  return q;
}

std::string next_page_query(const std::vector<std::pair<std::string, std::string>>& query, const std::string& cursor) {
  std::string out;
  for (const auto& [name, value] : query) {
    if (name == "_cursor") continue;
    if (!out.empty()) out += '&';
    out += percent_encode(name) + "=" + percent_encode(value);
  }
  if (!out.empty()) out += '&';
  return out + "_cursor=" + percent_encode(cursor);
}

}  // namespace medgw::fhir
