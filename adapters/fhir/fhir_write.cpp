// Writes: create (conditional with If-None-Exist), update (If-Match), transaction and batch. Every
// write is mapped first (mappings/fhir) to answer a bad request at once, checked against the
// archive where the answer is knowable now (the subject exists, the version matches), then stored
// durably and awaited until the pipeline applied it (ingest.hpp).
#include <openssl/rand.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <functional>

#include "adapters/crmstore/crm_store.hpp"
#include "adapters/fhir/fhir_api_impl.hpp"
#include "adapters/fhir/search_request.hpp"
#include "mappings/fhir/map_interaction.hpp"
#include "mappings/fhir/operation_outcome.hpp"
#include "mappings/mpi/identity.hpp"

namespace medgw::fhir {
namespace {

enum class ReturnPreference { kRepresentation, kMinimal, kOutcome };

ReturnPreference return_preference(const HttpRequest& req) {
  const std::string* prefer = req.header("prefer");
  if (prefer == nullptr) return ReturnPreference::kRepresentation;
  if (prefer->find("return=minimal") != std::string::npos) return ReturnPreference::kMinimal;
  if (prefer->find("return=OperationOutcome") != std::string::npos) return ReturnPreference::kOutcome;
  return ReturnPreference::kRepresentation;
}

// A random (version 4) UUID: the key of a request, so the store can name what it wrote.
std::string new_uuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no randomness for a request id");
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

// If-Match: W/"3" (or "3", or 3) -> 3.
std::optional<std::int64_t> parse_version_tag(std::string_view tag, bool& malformed) {
  malformed = false;
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), v);
  if (ec != std::errc() || end != tag.data() + tag.size() || v < 1) {
    malformed = true;
    return std::nullopt;
  }
  return v;
}

// The resourceType of a JSON body; nullopt when the body is not a JSON object with one (the
// mapping then says what is wrong with it).
std::optional<std::string> resource_type_of(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError() || !d.IsObject()) return std::nullopt;
  auto rt = d.FindMember("resourceType");
  if (rt == d.MemberEnd() || !rt->value.IsString()) return std::nullopt;
  return std::string(rt->value.GetString(), rt->value.GetStringLength());
}

// 400 for a body that is not FHIR at all (not JSON, unknown elements, wrong types); 422 for FHIR
// that medgw cannot take (a rule broken, an unsupported type or interaction).
unsigned status_for(const MapError& e) {
  for (const auto& i : e.issues) {
    if (i.code == issue_code::kStructure && e.kind == MapErrorKind::kInvalid) return 400;
  }
  return 422;
}

unsigned status_for_refusal(std::string_view code) {
  if (code == crmstore::kRefusedVersionConflict) return 412;
  if (code == crmstore::kRefusedNotFound) return 404;
  return 422;
}

std::string status_text(unsigned status) {
  switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 202: return "202 Accepted";
    case 400: return "400 Bad Request";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 409: return "409 Conflict";
    case 412: return "412 Precondition Failed";
    case 422: return "422 Unprocessable Entity";
    case 503: return "503 Service Unavailable";
    default: return std::to_string(status);
  }
}

// The types a change set writes: the token needs write access to each.
std::vector<std::string> written_types(const model::ChangeSet& c) {
  std::vector<std::string> t;
  if (c.patient) t.emplace_back("Patient");
  if (!c.encounters.empty()) t.emplace_back("Encounter");
  if (!c.orders.empty()) t.emplace_back("ServiceRequest");
  if (!c.reports.empty()) t.emplace_back("DiagnosticReport");
  if (!c.observations.empty()) t.emplace_back("Observation");
  if (!c.documents.empty()) t.emplace_back("DocumentReference");
  if (!c.studies.empty()) t.emplace_back("ImagingStudy");
  return t;
}

std::string first_key(const model::ChangeSet& c, const std::string& type) {
  auto key_of = [](const auto& items) { return items.empty() ? std::string() : items.front().key; };
  if (type == "Encounter") return key_of(c.encounters);
  if (type == "ServiceRequest") return key_of(c.orders);
  if (type == "DiagnosticReport") return key_of(c.reports);
  if (type == "Observation") return key_of(c.observations);
  if (type == "DocumentReference") return key_of(c.documents);
  if (type == "ImagingStudy") return key_of(c.studies);
  return {};
}

}  // namespace

// The result of one write, before it becomes an HTTP answer or a batch entry.
struct WriteAnswer {
  unsigned status = 201;
  std::optional<crmstore::StoredResource> resource;  // 200/201
  std::vector<Issue> issues;                         // failures, and the note of a 202
  std::vector<crmstore::StoredResource> written;     // a transaction: every entry's resource, in order
};

namespace {

WriteAnswer failure(unsigned status, const char* code, std::string diagnostics, std::string expression = {}) {
  WriteAnswer a;
  a.status = status;
  a.issues.push_back(Issue{Severity::kError, code, std::move(expression), std::move(diagnostics)});
  return a;
}

HttpResponse to_response(const WriteAnswer& a, ReturnPreference pref, const std::string& base) {
  if (a.status >= 400) return outcome_response(a.status, a.issues);
  if (!a.resource) {
    return json_response(a.status, operation_outcome_json(a.issues));  // 202: what happens next
  }
  HttpResponse res;
  res.status = a.status;
  if (pref == ReturnPreference::kRepresentation) {
    res = json_response(a.status, a.resource->json);
  } else if (pref == ReturnPreference::kOutcome) {
    res = json_response(a.status, operation_outcome_json({Issue{Severity::kInformation, issue_code::kInformational, {},
                                                                "written to the archive"}}));
  }
  set_version_headers(res, *a.resource, base, true);
  return res;
}

}  // namespace

// Prechecks, then ingest and the lookup of what was written. `lookup` names the stored resource
// once applied (nullopt: not found, which should not happen after an apply).
static WriteAnswer write_interaction(FhirApi::Impl& api, const Principal& who, const Interaction& in,
                                     const model::ChangeSet& mapped,
                                     const std::function<crmstore::ArchiveResult<std::optional<crmstore::StoredResource>>()>&
                                         lookup) {
  if (api.ingest == nullptr) return failure(405, issue_code::kNotSupported, "this server is read-only");
  for (const auto& t : written_types(mapped)) {
    if (!scope_allows(who.scopes, t, Access::kWrite)) {
      return failure(403, "forbidden", "the token's scopes do not allow writing " + t);
    }
  }
  // The subject must be a patient the archive knows: the store would refuse it too, but only
  // after the request is queued; asking now gives the client a clear answer at once.
  if (mapped.subject) {
    if (!mapped.subject->patient_id.empty()) {
      auto p = api.reader.read("Patient", mapped.subject->patient_id);
      if (!p) return failure(503, "exception", "the archive is busy; retry");
      if (!*p) return failure(422, issue_code::kInvalid, "the subject is not a Patient of this server", "subject");
    } else if (mapped.subject->identifier) {
      crmstore::SearchQuery q;
      q.type = "Patient";
      q.count = 1;
      const auto& id = *mapped.subject->identifier;
      q.params.push_back({"identifier", "", {id.system.empty() ? id.value : id.system + "|" + id.value}});
      auto page = api.reader.search(q);
      if (!page) return failure(503, "exception", "the archive is busy; retry");
      if (page->matches.empty()) {
        return failure(422, issue_code::kInvalid, "no patient holds the subject's identifier", "subject.identifier");
      }
    }
  }
  if (in.kind == InteractionKind::kUpdate) {
    auto current = api.reader.read(in.type, in.id);
    if (!current) return failure(503, "exception", "the archive is busy; retry");
    if (!*current) {
      return failure(404, "not-found",
                     "no " + in.type + " with this id (medgw assigns ids: create with POST)");
    }
    if (in.if_match && (*current)->version != *in.if_match) {
      return failure(412, "conflict",
                     "If-Match names version " + std::to_string(*in.if_match) + " but the current version is " +
                         std::to_string((*current)->version));
    }
  }
  IngestOutcome outcome = api.ingest->submit(in, mapped);
  switch (outcome.kind) {
    case IngestOutcome::Kind::kNotStored:
      return failure(503, "transient", outcome.reason);
    case IngestOutcome::Kind::kAccepted: {
      WriteAnswer a;
      a.status = 202;
      a.issues.push_back(Issue{Severity::kInformation, issue_code::kInformational, {},
                               "stored durably as envelope " + std::to_string(outcome.envelope_id) +
                                   "; not yet in the archive: it will be applied"});
      return a;
    }
    case IngestOutcome::Kind::kRefused:
      return failure(status_for_refusal(outcome.code),
                     outcome.code == crmstore::kRefusedVersionConflict ? "conflict" : issue_code::kInvalid,
                     outcome.reason);
    case IngestOutcome::Kind::kApplied:
      break;
  }
  auto stored = lookup();
  if (!stored || !*stored) return failure(500, "exception", "the write was applied but cannot be read back");
  WriteAnswer a;
  a.resource = std::move(**stored);
  a.status = in.kind == InteractionKind::kUpdate || a.resource->version > 1 ? 200 : 201;
  return a;
}

namespace {

// What a request body was mapped to, or the answer refusing it.
struct Mapped {
  Interaction interaction;
  std::optional<model::ChangeSet> changes;
  WriteAnswer refusal;
};

Mapped map_request(Interaction in) {
  Mapped m;
  auto changes = map_interaction(in);
  if (!changes) {
    m.refusal.status = status_for(changes.error());
    m.refusal.issues = changes.error().issues;
  } else {
    m.changes = std::move(*changes);
  }
  m.interaction = std::move(in);
  return m;
}

// How to find, once applied, the resource a create or update wrote.
std::function<crmstore::ArchiveResult<std::optional<crmstore::StoredResource>>()> lookup_for(
    crmstore::ArchiveReader& reader, const Interaction& in, const model::ChangeSet& changes) {
  if (in.kind == InteractionKind::kUpdate) {
    return [&reader, type = in.type, id = in.id] { return reader.read(type, id); };
  }
  if (in.type == "Patient") {
    std::string system, value;
    if (changes.patient) {
      if (auto k = mpi::source_key(changes.patient->patient.identifier)) {
        system = k->system;
        value = k->value;
      }
    }
    return [&reader, sender = changes.sender, system, value] {
      return reader.find_source_record(sender, system, value);
    };
  }
  return [&reader, type = in.type, sender = changes.sender, key = first_key(changes, in.type)] {
    return reader.find_by_key(type, sender, key);
  };
}

}  // namespace

HttpResponse FhirApi::Impl::create(const HttpRequest& req, const Principal& who, const std::string& type,
                                   const std::string& base, const RequestBody& body) {
  if (auto body_type = resource_type_of(body.json); body_type && *body_type != type) {
    return outcome_response(400, issue_code::kInvalid, "the body is not a " + type + " (POST it to its own type)",
                            "resourceType");
  }
  Interaction in;
  in.kind = InteractionKind::kCreate;
  in.client = who.client;
  in.type = type;
  in.key = new_uuid();
  in.body_content_type = body.content_type;
  in.body = std::string(body.raw);
  Mapped m = map_request(std::move(in));
  if (!m.changes) return to_response(m.refusal, ReturnPreference::kRepresentation, base);

  const std::string* criteria = req.header("if-none-exist");
  if (criteria == nullptr) {
    return to_response(write_interaction(*this, who, m.interaction, *m.changes,
                                         lookup_for(reader, m.interaction, *m.changes)),
                       return_preference(req), base);
  }
  // Conditional create: search, and create only when nothing matches, atomically with respect to
  // other conditional creates of the same criteria (the lock is held until the archive has it).
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  if (!parse_target("?" + *criteria, path, params)) {
    return outcome_response(400, issue_code::kStructure, "If-None-Exist has a malformed percent-escape");
  }
  auto q = parse_search(type, params);
  if (!q) return outcome_response(400, issue_code::kInvalid, q.error().message, "If-None-Exist");
  q->count = 2;
  std::lock_guard lock(conditional_locks[std::hash<std::string>{}(type + "?" + *criteria) % conditional_locks.size()]);
  auto page = reader.search(*q);
  if (!page) return archive_error_response(page.error());
  if (page->matches.size() > 1) {
    return outcome_response(412, "multiple-matches", "If-None-Exist matches more than one " + type);
  }
  if (page->matches.size() == 1) {
    audit(who, "search", type, {page->matches.front().golden}, req, 200);
    WriteAnswer a;
    a.status = 200;
    a.resource = std::move(page->matches.front());
    // A Patient search finds the golden patient; the resource this client's create made is its
    // own source record: answer that one when it exists, so every conditional create of the
    // same patient by a client names the same resource.
    if (type == "Patient") {
      auto own = lookup_for(reader, m.interaction, *m.changes)();
      if (own && *own) a.resource = std::move(**own);
    }
    return to_response(a, return_preference(req), base);
  }
  return to_response(
      write_interaction(*this, who, m.interaction, *m.changes, lookup_for(reader, m.interaction, *m.changes)),
      return_preference(req), base);
}

HttpResponse FhirApi::Impl::update(const HttpRequest& req, const Principal& who, const Route& route,
                                   const std::string& base, const RequestBody& body) {
  Interaction in;
  in.kind = InteractionKind::kUpdate;
  in.client = who.client;
  in.type = route.type;
  in.id = route.id;
  in.key = new_uuid();
  in.body_content_type = body.content_type;
  in.body = std::string(body.raw);
  if (const std::string* tag = req.header("if-match")) {
    bool malformed = false;
    in.if_match = parse_version_tag(*tag, malformed);
    if (malformed) return outcome_response(400, issue_code::kValue, "If-Match must be a version tag like W/\"3\"");
  }
  // FHIR: the body's id must be the URL's.
  {
    rapidjson::Document d;
    d.Parse(body.json.c_str(), body.json.size());
    if (d.IsObject()) {
      auto id = d.FindMember("id");
      if (id == d.MemberEnd() || !id->value.IsString() || route.id != id->value.GetString()) {
        return outcome_response(400, issue_code::kInvalid, "the resource's id must be the id of the URL", "id");
      }
      auto rt = d.FindMember("resourceType");
      if (rt != d.MemberEnd() && rt->value.IsString() && route.type != rt->value.GetString()) {
        return outcome_response(400, issue_code::kInvalid, "the body is not a " + route.type, "resourceType");
      }
    }
  }
  // A golden patient is composed from its source records, not stored: updates go to a record.
  if (route.type == "Patient" && route.id.rfind("src-", 0) != 0) {
    return outcome_response(405, issue_code::kNotSupported,
                            "Patient/" + route.id + " is a golden patient, composed from its source records: "
                            "update one of them (Patient/src-<n>, listed in its link)");
  }
  Mapped m = map_request(std::move(in));
  if (!m.changes) return to_response(m.refusal, ReturnPreference::kRepresentation, base);
  return to_response(
      write_interaction(*this, who, m.interaction, *m.changes, lookup_for(reader, m.interaction, *m.changes)),
      return_preference(req), base);
}

namespace {

std::string member_text(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string to_text(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

BundleEntry entry_for(const WriteAnswer& a, const crmstore::StoredResource* r, const std::string& base) {
  BundleEntry e;
  e.resource = r;
  e.response_status = status_text(a.status);
  if (r != nullptr) {
    e.response_location = base + "/" + r->type + "/" + r->id + "/_history/" + std::to_string(r->version);
    e.response_etag = "W/\"" + std::to_string(r->version) + "\"";
    e.response_last_modified = r->last_updated;
  }
  if (a.status >= 300 || r == nullptr) e.response_outcome = operation_outcome_json(a.issues);
  return e;
}

}  // namespace

HttpResponse FhirApi::Impl::system_bundle(const Principal& who, const std::string& base, const RequestBody& body) {
  rapidjson::Document bundle;
  bundle.Parse(body.json.c_str(), body.json.size());
  if (bundle.HasParseError() || !bundle.IsObject() || member_text(bundle, "resourceType") != "Bundle") {
    return outcome_response(400, issue_code::kStructure, "POST a Bundle of type transaction or batch here");
  }
  const std::string type = member_text(bundle, "type");
  auto entries_it = bundle.FindMember("entry");
  const bool has_entries = entries_it != bundle.MemberEnd() && entries_it->value.IsArray();
  if (has_entries && entries_it->value.Size() > config.max_batch_entries) {
    return outcome_response(413, issue_code::kTooCostly,
                            "a Bundle may have at most " + std::to_string(config.max_batch_entries) + " entries");
  }

  if (type == "transaction") {
    Interaction in;
    in.kind = InteractionKind::kTransaction;
    in.client = who.client;
    in.type = "Bundle";
    in.key = new_uuid();
    in.body_content_type = body.content_type;
    in.body = std::string(body.raw);
    Mapped m = map_request(std::move(in));
    if (!m.changes) return to_response(m.refusal, ReturnPreference::kRepresentation, base);
    // Every entry, in order, is found again after the apply: a Patient by its record key, an
    // update by its id, a create by the key the mapping gave it ("<request key>#<index>").
    const model::ChangeSet& changes = *m.changes;
    std::vector<std::function<crmstore::ArchiveResult<std::optional<crmstore::StoredResource>>()>> lookups;
    if (has_entries) {
      for (rapidjson::SizeType i = 0; i < entries_it->value.Size(); ++i) {
        const auto& entry = entries_it->value[i];
        const auto resource = entry.IsObject() ? entry.FindMember("resource") : entry.MemberEnd();
        const std::string rtype = resource != entry.MemberEnd() ? member_text(resource->value, "resourceType") : "";
        const auto request = entry.IsObject() ? entry.FindMember("request") : entry.MemberEnd();
        const std::string method = request != entry.MemberEnd() ? member_text(request->value, "method") : "";
        const std::string url = request != entry.MemberEnd() ? member_text(request->value, "url") : "";
        Interaction sub;
        sub.type = rtype;
        if (method == "PUT") {
          sub.kind = InteractionKind::kUpdate;
          sub.id = url.substr(url.find('/') == std::string::npos ? url.size() : url.find('/') + 1);
        } else {
          sub.kind = InteractionKind::kCreate;
        }
        if (rtype == "Patient" || sub.kind == InteractionKind::kUpdate) {
          lookups.push_back(lookup_for(reader, sub, changes));
        } else {
          lookups.push_back([this, rtype, sender = changes.sender, key = m.interaction.key + "#" + std::to_string(i)] {
            return reader.find_by_key(rtype, sender, key);
          });
        }
      }
    }
    WriteAnswer a = write_interaction(*this, who, m.interaction, changes, [] {
      return crmstore::ArchiveResult<std::optional<crmstore::StoredResource>>(
          std::optional<crmstore::StoredResource>(crmstore::StoredResource{}));
    });
    if (a.status >= 300 || a.status == 202) return to_response(a, ReturnPreference::kRepresentation, base);
    std::vector<crmstore::StoredResource> written;
    for (auto& lookup : lookups) {
      auto r = lookup();
      if (!r || !*r) return outcome_response(500, "exception", "the transaction was applied but cannot be read back");
      written.push_back(std::move(**r));
    }
    std::vector<BundleEntry> out;
    for (const auto& r : written) {
      WriteAnswer one;
      one.status = r.version > 1 ? 200 : 201;
      out.push_back(entry_for(one, &r, base));
    }
    return json_response(200, bundle_json("transaction-response", out, base));
  }

  if (type == "batch") {
    // Each entry on its own: one failing does not stop the others (FHIR batch semantics).
    std::vector<WriteAnswer> answers;
    if (has_entries) {
      for (rapidjson::SizeType i = 0; i < entries_it->value.Size(); ++i) {
        const auto& entry = entries_it->value[i];
        const auto resource = entry.IsObject() ? entry.FindMember("resource") : entry.MemberEnd();
        const auto request = entry.IsObject() ? entry.FindMember("request") : entry.MemberEnd();
        if (resource == entry.MemberEnd() || request == entry.MemberEnd() || !resource->value.IsObject()) {
          answers.push_back(failure(400, issue_code::kRequired, "a batch entry needs a resource and a request",
                                    "Bundle.entry[" + std::to_string(i) + "]"));
          continue;
        }
        const std::string method = member_text(request->value, "method");
        const std::string url = member_text(request->value, "url");
        const std::string rtype = member_text(resource->value, "resourceType");
        Interaction in;
        in.client = who.client;
        in.type = rtype;
        in.key = new_uuid();
        in.body = to_text(resource->value);
        if (method == "POST" && url == rtype && member_text(request->value, "ifNoneExist").empty()) {
          in.kind = InteractionKind::kCreate;
        } else if (method == "PUT" && url.rfind(rtype + "/", 0) == 0) {
          in.kind = InteractionKind::kUpdate;
          in.id = url.substr(rtype.size() + 1);
          const std::string tag = member_text(request->value, "ifMatch");
          if (!tag.empty()) {
            bool malformed = false;
            in.if_match = parse_version_tag(tag, malformed);
            if (malformed) {
              answers.push_back(failure(400, issue_code::kValue, "ifMatch must be a version tag",
                                        "Bundle.entry[" + std::to_string(i) + "].request.ifMatch"));
              continue;
            }
          }
          if (member_text(resource->value, "id") != in.id) {
            answers.push_back(failure(400, issue_code::kInvalid, "the resource's id must be the id of the URL",
                                      "Bundle.entry[" + std::to_string(i) + "].resource.id"));
            continue;
          }
        } else {
          answers.push_back(failure(422, issue_code::kNotSupported,
                                    "batch entries may be POST <Type> (create) or PUT <Type>/<id> (update)",
                                    "Bundle.entry[" + std::to_string(i) + "].request"));
          continue;
        }
        if (!is_supported_type(rtype)) {
          answers.push_back(failure(422, issue_code::kNotSupported, "resource type not supported by this server",
                                    "Bundle.entry[" + std::to_string(i) + "].resource"));
          continue;
        }
        Mapped m = map_request(std::move(in));
        if (!m.changes) {
          answers.push_back(std::move(m.refusal));
          continue;
        }
        answers.push_back(
            write_interaction(*this, who, m.interaction, *m.changes, lookup_for(reader, m.interaction, *m.changes)));
      }
    }
    std::vector<BundleEntry> out;
    for (const auto& a : answers) out.push_back(entry_for(a, a.resource ? &*a.resource : nullptr, base));
    return json_response(200, bundle_json("batch-response", out, base));
  }
  return outcome_response(400, issue_code::kValue, "the Bundle type must be transaction or batch", "Bundle.type");
}

}  // namespace medgw::fhir
