#include "mappings/fhir/change_set_bundle.hpp"

#include <openssl/sha.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

#include "mappings/model/fhir_json.hpp"

namespace medgw::fhir {
namespace {

std::string hex_sha256(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

// The parts are joined with NUL, which none of them can hold, so ("a|b", "c") and ("a", "b|c")
// never hash alike.
std::string business_hash(std::string_view sender, std::string_view type, std::string_view key) {
  std::string joined;
  joined.append(sender).push_back('\0');
  joined.append(type).push_back('\0');
  joined.append(key);
  return hex_sha256(joined);
}

// A urn:uuid of the entry, derived from its business hash: the same change set gives the same
// Bundle (the tests compare Bundles; a receiving server's logs line up across redeliveries).
std::string full_url_of(const std::string& hash) {
  return "urn:uuid:" + hash.substr(0, 8) + "-" + hash.substr(8, 4) + "-5" + hash.substr(13, 3) + "-8" +
         hash.substr(17, 3) + "-" + hash.substr(20, 12);
}

// A token search value: FHIR's escapes (\ , | $) first, then percent-encoding for the URL.
std::string search_value(std::string_view text) {
  std::string fhir_escaped;
  for (char c : text) {
    if (c == '\\' || c == ',' || c == '|' || c == '$') fhir_escaped.push_back('\\');
    fhir_escaped.push_back(c);
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : fhir_escaped) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == ':' || c == '/';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string conditional_url(std::string_view type, std::string_view system, std::string_view value) {
  return std::string(type) + "?identifier=" + search_value(system) + "|" + search_value(value);
}

struct PendingEntry {
  std::string type;
  std::string key;  // "" for the patient
  std::string json;
  std::string full_url;
  std::string url;  // the conditional update's URL
};

// What the entries need to know of each other: the fullUrl of every "<Type>/<key>", and what a
// resource's empty subject becomes.
struct Links {
  std::map<std::string, std::string> full_urls;
  std::string subject;  // a fullUrl, a conditional reference "Patient?identifier=...", or ""
};

void relink(model::Reference& r, const Links& links) {
  auto f = links.full_urls.find(r.reference);
  if (f != links.full_urls.end()) r.reference = f->second;
}
void relink(std::vector<model::Reference>& refs, const Links& links) {
  for (auto& r : refs) relink(r, links);
}
void set_subject(model::Reference& subject, const Links& links) {
  if (subject.reference.empty() && !links.subject.empty()) subject.reference = links.subject;
  relink(subject, links);
}

// Each type's references: its subject (empty in a mapped change set: the patient) and those to
// resources of the same change set.
void relink_all(model::Encounter& r, const Links& l) {
  set_subject(r.subject, l);
}
void relink_all(model::ServiceRequest& r, const Links& l) {
  set_subject(r.subject, l);
  relink(r.encounter, l);
}
void relink_all(model::DiagnosticReport& r, const Links& l) {
  set_subject(r.subject, l);
  relink(r.encounter, l);
  relink(r.based_on, l);
  relink(r.result, l);
  relink(r.imaging_study, l);
}
void relink_all(model::Observation& r, const Links& l) {
  set_subject(r.subject, l);
  relink(r.encounter, l);
  relink(r.based_on, l);
}
void relink_all(model::DocumentReference& r, const Links& l) {
  set_subject(r.subject, l);
  relink(r.context_encounter, l);
}
void relink_all(model::ImagingStudy& r, const Links& l) {
  set_subject(r.subject, l);
  relink(r.encounter, l);
  relink(r.based_on, l);
}

template <class R>
void add_keys(Links& links, const char* type, const std::vector<model::Keyed<R>>& items, const std::string& sender) {
  for (const auto& k : items) {
    links.full_urls.emplace(std::string(type) + "/" + k.key, full_url_of(business_hash(sender, type, k.key)));
  }
}

template <class R>
void add_all(std::vector<PendingEntry>& out, const char* type, const std::vector<model::Keyed<R>>& items,
             const std::string& sender, const Links& links, const ChangeSetBundleOptions& options) {
  for (const auto& k : items) {
    const std::string hash = business_hash(sender, type, k.key);
    const std::string value = std::string(type) + "-" + hash.substr(0, 32);
    R resource = k.resource;
    resource.id.clear();
    model::Identifier business;
    business.system = options.key_system;
    business.value = value;
    resource.identifier.push_back(business);
    relink_all(resource, links);
    PendingEntry e;
    e.type = type;
    e.key = k.key;
    e.json = model::to_json(resource);
    e.full_url = full_url_of(hash);
    e.url = conditional_url(type, options.key_system, value);
    out.push_back(std::move(e));
  }
}

}  // namespace

Expected<ChangeSetBundle, std::string> change_set_bundle(const model::ChangeSet& changes,
                                                         const ChangeSetBundleOptions& options) {
  ChangeSetBundle result;
  std::vector<PendingEntry> entries;
  Links links;
  const std::string& sender = changes.sender;

  if (changes.patient) {
    const model::PatientRecord& p = *changes.patient;
    const model::Identifier* chosen = nullptr;
    for (const auto& id : p.patient.identifier) {
      if (!id.system.empty() && !id.value.empty()) {
        chosen = &id;
        break;
      }
    }
    const std::string first_value = p.patient.identifier.empty() ? std::string() : p.patient.identifier.front().value;
    const std::string hash =
        business_hash(p.sender, "Patient", chosen ? chosen->system + "|" + chosen->value : first_value);
    model::Patient patient = p.patient;
    patient.id.clear();
    patient.link.clear();  // links name medgw's own patients, meaningless on the receiving server
    PendingEntry e;
    e.type = "Patient";
    e.full_url = full_url_of(hash);
    if (chosen != nullptr) {
      e.url = conditional_url("Patient", chosen->system, chosen->value);
    } else {
      model::Identifier business;
      business.system = options.key_system;
      business.value = "Patient-" + hash.substr(0, 32);
      patient.identifier.push_back(business);
      e.url = conditional_url("Patient", options.key_system, business.value);
    }
    e.json = model::to_json(patient);
    links.subject = e.full_url;
    entries.push_back(std::move(e));
  } else if (changes.subject && changes.subject->identifier) {
    // A FHIR write that named its patient by identifier: a conditional reference, which the
    // receiving server resolves when it processes the transaction.
    const model::Identifier& id = *changes.subject->identifier;
    links.subject = "Patient?identifier=" + (id.system.empty() ? std::string() : search_value(id.system) + "|") +
                    search_value(id.value);
  } else if (changes.subject) {
    result.skipped.push_back("subject: a medgw patient id has no meaning on the receiving server");
  }

  add_keys(links, "Encounter", changes.encounters, sender);
  add_keys(links, "ServiceRequest", changes.orders, sender);
  add_keys(links, "DiagnosticReport", changes.reports, sender);
  add_keys(links, "Observation", changes.observations, sender);
  add_keys(links, "DocumentReference", changes.documents, sender);
  add_keys(links, "ImagingStudy", changes.studies, sender);
  add_all(entries, "Encounter", changes.encounters, sender, links, options);
  add_all(entries, "ServiceRequest", changes.orders, sender, links, options);
  add_all(entries, "DiagnosticReport", changes.reports, sender, links, options);
  add_all(entries, "Observation", changes.observations, sender, links, options);
  add_all(entries, "DocumentReference", changes.documents, sender, links, options);
  add_all(entries, "ImagingStudy", changes.studies, sender, links, options);
  if (!changes.merges.empty()) {
    result.skipped.push_back(std::to_string(changes.merges.size()) + " merge(s): not expressible in a transaction");
  }
  if (entries.empty()) return unexpected(std::string("nothing in the change set a FHIR server takes"));

  // The resources are written as the model serialises them (RawValue), so decimals keep the
  // sender's precision ("5.20").
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  w.String("transaction");
  w.Key("entry");
  w.StartArray();
  for (const auto& e : entries) {
    w.StartObject();
    w.Key("fullUrl");
    w.String(e.full_url.c_str(), static_cast<rapidjson::SizeType>(e.full_url.size()));
    w.Key("resource");
    w.RawValue(e.json.c_str(), e.json.size(), rapidjson::kObjectType);
    w.Key("request");
    w.StartObject();
    w.Key("method");
    w.String("PUT");
    w.Key("url");
    w.String(e.url.c_str(), static_cast<rapidjson::SizeType>(e.url.size()));
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  result.json.assign(buf.GetString(), buf.GetSize());
  result.entries = entries.size();
  return result;
}

}  // namespace medgw::fhir
