#include "adapters/fhir/poll_bundle.hpp"

#include "adapters/fhir/poll_watermark.hpp"

namespace medgw::fhir {
namespace {

using rapidjson::Value;

const Value* member(const Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  const auto m = v.FindMember(name);
  return m == v.MemberEnd() ? nullptr : &m->value;
}

// A string member's text; empty when absent or not a string (numbers included: ids are strings).
std::string_view string_member(const JsonDocument& doc, const Value& v, const char* name) {
  const Value* x = member(v, name);
  return x != nullptr && doc.is_string(*x) ? text_of(*x) : std::string_view();
}

// FHIR ids: [A-Za-z0-9\-\.]{1,64}. Checked because the id goes into the watermark, the dedupe key
// and, as the business key, into the archive.
bool is_fhir_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Expected<BundlePage, std::string> parse_search_page(std::string_view body, std::string_view searched_type) {
  auto parsed = JsonDocument::parse(body);
  if (!parsed) return unexpected("the page is not JSON: " + parsed.error().diagnostics);
  BundlePage page{std::move(*parsed), {}, {}};
  const JsonDocument& doc = page.doc;
  const Value& root = doc.root();
  if (!root.IsObject() || string_member(doc, root, "resourceType") != "Bundle") {
    return unexpected(std::string("the page is not a Bundle"));
  }
  if (string_member(doc, root, "type") != "searchset") {
    return unexpected(std::string("the page is a Bundle but not a searchset"));
  }
  if (const Value* links = member(root, "link")) {
    if (!links->IsArray()) return unexpected(std::string("Bundle.link is not an array"));
    for (const Value& l : links->GetArray()) {
      if (string_member(doc, l, "relation") == "next") page.next = std::string(string_member(doc, l, "url"));
    }
  }
  const Value* entries = member(root, "entry");
  if (entries == nullptr) return page;
  if (!entries->IsArray()) return unexpected(std::string("Bundle.entry is not an array"));
  std::size_t index = 0;
  for (const Value& e : entries->GetArray()) {
    const std::string where = "Bundle.entry[" + std::to_string(index++) + "]";
    if (const Value* search = member(e, "search")) {
      const std::string_view mode = string_member(doc, *search, "mode");
      if (!mode.empty() && mode != "match") continue;
    }
    const Value* resource = member(e, "resource");
    if (resource == nullptr || !resource->IsObject()) return unexpected(where + " has no resource");
    PolledEntry p;
    p.type = std::string(string_member(doc, *resource, "resourceType"));
    if (p.type != searched_type) {
      return unexpected(where + ".resource is a " + (p.type.empty() ? std::string("resource without type") : p.type) +
                        ", not a " + std::string(searched_type));
    }
    p.id = std::string(string_member(doc, *resource, "id"));
    if (!is_fhir_id(p.id)) return unexpected(where + ".resource.id is missing or not a FHIR id");
    const Value* meta = member(*resource, "meta");
    if (meta != nullptr) {
      p.version_id = std::string(string_member(doc, *meta, "versionId"));
      p.last_updated = std::string(string_member(doc, *meta, "lastUpdated"));
    }
    if (p.last_updated.empty()) return unexpected(where + ".resource.meta.lastUpdated is missing");
    if (!parse_instant(p.last_updated)) return unexpected(where + ".resource.meta.lastUpdated is not an instant");
    p.resource = resource;
    page.entries.push_back(std::move(p));
  }
  return page;
}

}  // namespace medgw::fhir
