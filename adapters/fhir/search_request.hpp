#pragma once
// A search's query string -> crmstore::SearchQuery. Result parameters (_count, _sort, _include,
// _total, _summary=count, _cursor) are taken here; every other parameter goes to the archive
// reader, which refuses the ones it does not know (strict: a misspelt parameter must not silently
// widen a search over patient data).
#include <string>
#include <utility>
#include <vector>

#include "adapters/crmstore/search_query.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::fhir {

struct SearchRequestError {
  std::string parameter;
  std::string message;
};

// `_format` and `_pretty` are presentation, handled by the caller, and skipped here.
Expected<crmstore::SearchQuery, SearchRequestError> parse_search(
    const std::string& type, const std::vector<std::pair<std::string, std::string>>& query);

// The query string of a search's next page: the request's parameters without _cursor, plus it.
std::string next_page_query(const std::vector<std::pair<std::string, std::string>>& query, const std::string& cursor);

// Splits a parameter value on commas not escaped as "\," (FHIR search escaping).
std::vector<std::string> split_values(const std::string& value);

}  // namespace medgw::fhir
