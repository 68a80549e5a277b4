#include "mappings/fhir/entries.hpp"

#include <charconv>
#include <set>

namespace medgw::fhir {
namespace {

using rapidjson::Value;

constexpr std::string_view kMappable[] = {"Patient",        "Encounter",         "Observation", "DiagnosticReport",
                                          "ServiceRequest", "DocumentReference", "ImagingStudy"};

const Value* member(const Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  const auto m = v.FindMember(name);
  return m == v.MemberEnd() ? nullptr : &m->value;
}

std::string string_member(const JsonDocument& doc, const Value& v, const char* name) {
  const Value* x = member(v, name);
  return x != nullptr && doc.is_string(*x) ? std::string(text_of(*x)) : std::string();
}

// If-Match carries an ETag: W/"3" (or "3", or 3): the version number.
std::optional<std::int64_t> etag_version(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  std::int64_t v = 0;
  const auto r = std::from_chars(etag.data(), etag.data() + etag.size(), v);
  if (etag.empty() || r.ec != std::errc() || r.ptr != etag.data() + etag.size() || v < 1) return std::nullopt;
  return v;
}

void single(const Interaction& in, const JsonDocument& doc, Problems& problems, std::vector<Entry>& out) {
  const Value& root = doc.root();
  Entry e;
  e.type = string_member(doc, root, "resourceType");
  e.path = e.type;
  e.resource = &root;
  if (e.type != in.type) {
    problems.invalid(issue_code::kInvalid, e.path, "the resource type of the body is not the one of the URL");
    return;
  }
  if (in.kind == InteractionKind::kUpdate) {
    if (string_member(doc, root, "id") != in.id) {
      // FHIR RESTful API, update: the body's id must be present and equal to the URL's.
      problems.invalid(issue_code::kInvalid, e.path + ".id",
                       "the resource id must be present and equal to the id of the URL");
      return;
    }
    e.key = "id:" + in.id;
    e.target = {in.id, in.if_match};
  } else {
    e.key = in.key;
  }
  out.push_back(std::move(e));
}

void transaction_entry(const Interaction& in, const JsonDocument& doc, const Value& entry, std::size_t index,
                       Problems& problems, std::vector<Entry>& out) {
  const std::string entry_path = "Bundle.entry[" + std::to_string(index) + "]";
  const Value* request = member(entry, "request");
  const Value* resource = member(entry, "resource");
  if (request == nullptr) {
    problems.invalid(issue_code::kRequired, entry_path + ".request", "a transaction entry needs a request");
    return;
  }
  const std::string method = string_member(doc, *request, "method");
  const std::string url = string_member(doc, *request, "url");
  if (method != "POST" && method != "PUT") {
    problems.unsupported(entry_path + ".request.method", "only POST and PUT entries are supported in a transaction");
    return;
  }
  if (resource == nullptr) {
    problems.invalid(issue_code::kRequired, entry_path + ".resource", "a POST or PUT entry needs a resource");
    return;
  }
  Entry e;
  e.path = entry_path + ".resource";
  e.full_url = string_member(doc, entry, "fullUrl");
  e.type = string_member(doc, *resource, "resourceType");
  e.resource = resource;
  if (!is_mappable_type(e.type)) {
    problems.unsupported(e.path, "medgw does not take this resource type");
    return;
  }
  if (member(*request, "ifNoneExist") != nullptr || url.find('?') != std::string::npos) {
    problems.unsupported(entry_path + ".request", "conditional create and update are not supported yet");
    return;
  }
  if (method == "POST") {
    if (url != e.type) {
      problems.invalid(issue_code::kInvalid, entry_path + ".request.url",
                       "a POST entry's url must be its resource type");
      return;
    }
    e.key = in.key + "#" + std::to_string(index);
  } else {
    const std::size_t slash = url.find('/');
    const std::string id = slash == std::string::npos ? std::string() : url.substr(slash + 1);
    if (slash == std::string::npos || url.substr(0, slash) != e.type || id.empty() ||
        id.find('/') != std::string::npos) {
      problems.invalid(issue_code::kInvalid, entry_path + ".request.url", "a PUT entry's url must be <type>/<id>");
      return;
    }
    const Value* body_id = member(*resource, "id");
    if (body_id != nullptr && string_member(doc, *resource, "id") != id) {
      problems.invalid(issue_code::kInvalid, e.path + ".id", "the resource id must equal the id of the entry's url");
      return;
    }
    e.key = "id:" + id;
    e.target.id = id;
    if (member(*request, "ifMatch") != nullptr) {
      e.target.if_match = etag_version(string_member(doc, *request, "ifMatch"));
      if (!e.target.if_match) {
        problems.invalid(issue_code::kValue, entry_path + ".request.ifMatch",
                         "ifMatch must be a version ETag (W/\"<n>\")");
        return;
      }
    }
  }
  out.push_back(std::move(e));
}

void transaction(const Interaction& in, const JsonDocument& doc, Problems& problems, std::vector<Entry>& out) {
  const Value& root = doc.root();
  if (string_member(doc, root, "resourceType") != "Bundle" || (!in.type.empty() && in.type != "Bundle")) {
    problems.invalid(issue_code::kInvalid, "Bundle", "a transaction is a Bundle posted to the base URL");
    return;
  }
  const std::string type = string_member(doc, root, "type");
  if (type == "batch") {
    problems.unsupported("Bundle.type", "a batch is split into its entries by the server, not mapped as one");
    return;
  }
  if (type != "transaction") {
    problems.invalid(issue_code::kValue, "Bundle.type",
                     "the Bundle posted to the base URL must be a transaction or a batch");
    return;
  }
  const Value* entries = member(root, "entry");
  if (entries == nullptr || !entries->IsArray()) return;  // an empty transaction changes nothing
  if (entries->Size() > kMaxTransactionEntries) {
    problems.invalid(issue_code::kTooCostly, "Bundle.entry",
                     "a transaction may have at most " + std::to_string(kMaxTransactionEntries) + " entries");
    return;
  }
  std::set<std::string> full_urls;
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    const std::string full_url = string_member(doc, (*entries)[i], "fullUrl");
    if (!full_url.empty() && !full_urls.insert(full_url).second) {
      problems.invalid(issue_code::kInvalid, "Bundle.entry[" + std::to_string(i) + "].fullUrl",
                       "two entries have the same fullUrl");
      continue;
    }
    transaction_entry(in, doc, (*entries)[i], i, problems, out);
  }
}

}  // namespace

bool is_mappable_type(std::string_view type) {
  for (std::string_view t : kMappable) {
    if (t == type) return true;
  }
  return false;
}

std::vector<Entry> collect_entries(const Interaction& in, const JsonDocument& doc, Problems& problems) {
  std::vector<Entry> out;
  if (in.kind == InteractionKind::kTransaction) {
    transaction(in, doc, problems, out);
  } else {
    single(in, doc, problems, out);
  }
  return out;
}

}  // namespace medgw::fhir
