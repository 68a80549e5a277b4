#pragma once
// Serialises canonical resources to FHIR R4 JSON (compact, with "resourceType"; absent elements
// omitted; decimals written as JSON numbers with the sender's precision).
#include <string>
#include <vector>

#include "mappings/model/resources.hpp"

namespace medgw::model {

std::string to_json(const Patient& r);
std::string to_json(const Encounter& r);
std::string to_json(const ServiceRequest& r);
std::string to_json(const DiagnosticReport& r);
std::string to_json(const Observation& r);
std::string to_json(const DocumentReference& r);
std::string to_json(const ImagingStudy& r);

// A Bundle of `type` ("collection", "searchset", ...) whose entries are the given resources,
// each already FHIR JSON; `full_urls` (same length, or empty) become entry.fullUrl.
std::string bundle_json(const std::string& type, const std::vector<std::string>& resources,
                        const std::vector<std::string>& full_urls = {});

}  // namespace medgw::model
