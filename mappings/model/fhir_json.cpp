#include "mappings/model/fhir_json.hpp"

#include "mappings/model/fhir_writer.hpp"

namespace medgw::model {
namespace {

template <class R>
std::string compact(const R& r) {
  rapidjson::StringBuffer buffer;
  json::CompactWriter w(buffer);
  json::write_resource(w, r);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string to_json(const Patient& r) { return compact(r); }
std::string to_json(const Encounter& r) { return compact(r); }
std::string to_json(const ServiceRequest& r) { return compact(r); }
std::string to_json(const DiagnosticReport& r) { return compact(r); }
std::string to_json(const Observation& r) { return compact(r); }
std::string to_json(const DocumentReference& r) { return compact(r); }
std::string to_json(const ImagingStudy& r) { return compact(r); }

std::string bundle_json(const std::string& type, const std::vector<std::string>& resources,
                        const std::vector<std::string>& full_urls) {
  rapidjson::StringBuffer buffer;
  json::CompactWriter w(buffer);
  w.StartObject();
  w.Key("resourceType");
  w.String("Bundle");
  w.Key("type");
  json::write_string(w, type);
  if (!resources.empty()) {
    w.Key("entry");
    w.StartArray();
    for (std::size_t i = 0; i < resources.size(); ++i) {
      w.StartObject();
      // full_urls of another length than resources is a caller's bug; the URLs are then left out
      // rather than attached to the wrong entries.
      if (full_urls.size() == resources.size() && !full_urls[i].empty()) {
        w.Key("fullUrl");
        json::write_string(w, full_urls[i]);
      }
      w.Key("resource");
      // The entries are this module's own output (to_json), so they are embedded as they are.
      w.RawValue(resources[i].data(), resources[i].size(), rapidjson::kObjectType);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace medgw::model
