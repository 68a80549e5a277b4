// FHIR XML and JSON on any bytes (the FHIR API's request bodies): the hardened XML parser, XML ->
// JSON, the JSON reader and validator, JSON -> XML. No crash, no hang, no unbounded memory;
// whatever XML reads as JSON must also be writable back as XML or refused with an issue.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mappings/fhir/json_document.hpp"
#include "mappings/fhir/json_to_xml.hpp"
#include "mappings/fhir/validate.hpp"
#include "mappings/fhir/xml_to_json.hpp"

using namespace medgw::fhir;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto json = fhir_xml_to_json(text)) {
    (void)validate_json(*json);
    (void)fhir_json_to_xml(*json);
  }
  if (auto doc = JsonDocument::parse(text)) {
    (void)validate(*doc);
    (void)fhir_json_to_xml(text);
  }
  return 0;
}
