#pragma once
// One page of an upstream FHIR search (`GET <base>/<Type>?_lastUpdated=ge..&_sort=_lastUpdated`):
// a Bundle of type searchset whose `match` entries are the resources, and whose `next` link (if
// any) is the following page.
//
// What the poller needs of each resource: its id, meta.versionId (optional) and meta.lastUpdated
// (required: without it there is no watermark, so a page with a resource lacking it is refused as
// a whole rather than half-stored). Entries with search.mode "include" or "outcome" are not
// results and are left out; a match of another resource type than the one searched is refused
// (a server that ignores the path would otherwise feed the wrong table).
//
// Errors are sentences for the log: they name the entry index and the element, never content.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/json_document.hpp"

namespace medgw::fhir {

struct PolledEntry {
  std::string type;
  std::string id;
  std::string version_id;                      // meta.versionId; empty when the server sends none
  std::string last_updated;                    // meta.lastUpdated as written
  const rapidjson::Value* resource = nullptr;  // into BundlePage::doc
};

struct BundlePage {
  JsonDocument doc;
  std::vector<PolledEntry> entries;
  std::string next;  // the `next` link's url; empty on the last page
};

Expected<BundlePage, std::string> parse_search_page(std::string_view body, std::string_view searched_type);

}  // namespace medgw::fhir
