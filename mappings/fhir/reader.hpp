#pragma once
// FHIR R4 JSON -> the canonical model: the inverse of mappings/model/fhir_writer.cpp, element for
// element, so model -> to_json -> read -> to_json is the identity for everything the model carries.
//
// The reader expects a validated resource (validate.hpp) and is lenient beyond that: elements the
// model does not carry are skipped (the mapping keeps the JSON as received in fhir_json, so
// nothing is lost), a value of an unexpected JSON kind reads as absent. Decimals keep the sender's
// text ("4.50"), which is why it reads from a JsonDocument and not a plain rapidjson::Document.
#include <rapidjson/document.h>

#include <optional>
#include <variant>

#include "mappings/fhir/json_document.hpp"
#include "mappings/model/resources.hpp"

namespace medgw::fhir {

model::Patient read_patient(const JsonDocument& doc, const rapidjson::Value& v);
model::Encounter read_encounter(const JsonDocument& doc, const rapidjson::Value& v);
model::ServiceRequest read_service_request(const JsonDocument& doc, const rapidjson::Value& v);
model::DiagnosticReport read_diagnostic_report(const JsonDocument& doc, const rapidjson::Value& v);
model::Observation read_observation(const JsonDocument& doc, const rapidjson::Value& v);
model::DocumentReference read_document_reference(const JsonDocument& doc, const rapidjson::Value& v);
model::ImagingStudy read_imaging_study(const JsonDocument& doc, const rapidjson::Value& v);

using AnyResource = std::variant<model::Patient, model::Encounter, model::ServiceRequest, model::DiagnosticReport,
                                 model::Observation, model::DocumentReference, model::ImagingStudy>;

// By resourceType; nullopt for a type the model does not have (Bundle included).
std::optional<AnyResource> read_resource(const JsonDocument& doc, const rapidjson::Value& v);

// The datatypes on their own (a subject's logical identifier, for one).
model::Identifier read_identifier(const JsonDocument& doc, const rapidjson::Value& v);
model::Reference read_reference(const JsonDocument& doc, const rapidjson::Value& v);

}  // namespace medgw::fhir
