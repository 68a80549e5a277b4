#pragma once
// The element writers behind fhir_json.hpp and change_set_json.hpp: one function per resource,
// templated on the RapidJSON writer so the compact FHIR form (Writer) and the pretty golden form
// (PrettyWriter) come from the same code and cannot drift apart. Defined in fhir_writer.cpp and
// instantiated there for exactly those two writers.
//
// Rules every writer follows: elements in the order the FHIR R4 spec lists them (so the output
// reads like the spec and diffs stay small); an empty string, empty vector or empty composite is
// omitted; a Decimal that is not a valid FHIR decimal is omitted rather than written as a broken
// JSON number (the mapping warns about it where it knows the field).
#include <string_view>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mappings/model/resources.hpp"

namespace medgw::model::json {

using CompactWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using PrettyWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// FHIR decimal grammar, which is also JSON's number grammar minus leading zeros: "-0.5", "120",
// "4.50", "1e3". Anything else ("007", "1.", ".5", "4,5") would make the document invalid.
bool is_valid_decimal(std::string_view text);

// Writes `s` as a JSON string; invalid UTF-8 sequences become U+FFFD so the document stays valid
// JSON whatever a sender put in a field.
template <class W>
void write_string(W& w, std::string_view s);

template <class W>
void write_resource(W& w, const Patient& r);
template <class W>
void write_resource(W& w, const Encounter& r);
template <class W>
void write_resource(W& w, const ServiceRequest& r);
template <class W>
void write_resource(W& w, const DiagnosticReport& r);
template <class W>
void write_resource(W& w, const Observation& r);
template <class W>
void write_resource(W& w, const DocumentReference& r);
template <class W>
void write_resource(W& w, const ImagingStudy& r);
template <class W>
void write_identifier(W& w, const Identifier& r);

}  // namespace medgw::model::json
