#pragma once
// The shape of the FHIR R4 resources medgw accepts and of every datatype they use: one table row
// per element (name, type codes, min, max), hand-written from the R4 base definitions and
// cross-checked against the official StructureDefinition snapshots by
// tests/unit/mappings/fhir/structure_definitions_test.cpp, which fails on any disagreement.
// The resource types medgw meets only nested (contained, Bundle entries, outcomes) or writes
// (OperationOutcome) have tables too, in structure_nested.cpp: find_type() knows them, for the
// XML codec, but is_supported_resource() does not, so validation does not take them.
//
// Conventions:
// - A backbone element is a type of its own named by its path ("Observation.referenceRange"), and
//   an element whose definition is a contentReference names the same type
//   (Observation.component.referenceRange -> "Observation.referenceRange").
// - A choice element keeps its "[x]" name and lists its types separated by '|'.
// - The elements every type inherits (Element.id, Resource.meta, DomainResource.text, ...) come
//   from the type's Base, so the tables list only the type's own elements.
// - Profiled quantities (Duration, Age, Count, Distance) share Quantity's elements; SimpleQuantity
//   appears in the R4 definitions as the type code "Quantity".
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace medgw::fhir {

inline constexpr std::uint32_t kUnbounded = UINT32_MAX;  // max = "*"

// Extension.value[x] and Parameters.parameter.value[x]: every R4 type an open choice may carry.
inline constexpr std::string_view kAnyValueTypes =
    "base64Binary|boolean|canonical|code|date|dateTime|decimal|id|instant|integer|markdown|oid|"
    "positiveInt|string|time|unsignedInt|uri|url|uuid|Address|Age|Annotation|Attachment|"
    "CodeableConcept|Coding|ContactPoint|Count|Distance|Duration|HumanName|Identifier|Money|Period|"
    "Quantity|Range|Ratio|Reference|SampledData|Signature|Timing|ContactDetail|Contributor|"
    "DataRequirement|Expression|ParameterDefinition|RelatedArtifact|TriggerDefinition|UsageContext|"
    "Dosage|Meta";

struct ElementDef {
  std::string_view name;   // "status", "value[x]"
  std::string_view types;  // "code", "Quantity|CodeableConcept|string", "Observation.referenceRange"
  std::uint32_t min = 0;
  std::uint32_t max = 1;
  bool is_choice() const { return name.ends_with("[x]"); }
};

enum class Base { kElement, kBackboneElement, kResource, kDomainResource };

struct TypeDef {
  std::string_view name;  // "Observation", "Coding", "Observation.referenceRange"
  Base base;
  std::span<const ElementDef> elements;  // its own, without the inherited ones
};

// The type named `name` (a resource, datatype or backbone element), nullptr when medgw has no
// table for it. A resource type found here is not therefore accepted: see is_supported_resource.
const TypeDef* find_type(std::string_view name);

// Every table (structure.cpp's and structure_nested.cpp's), for the cross-check test.
const std::vector<TypeDef>& all_types();

// The resource types medgw validates and takes (Patient, ..., Bundle); the other resource types
// with a table are known only to the XML codec.
bool is_supported_resource(std::string_view resource_type);

// The inherited elements and then the type's own.
std::array<std::span<const ElementDef>, 2> element_tables(const TypeDef& type);

// An element found by its JSON name: for a choice ("valueQuantity"), the type the name selects.
struct ElementMatch {
  const ElementDef* def = nullptr;
  std::string_view type;
};
std::optional<ElementMatch> find_element(const TypeDef& type, std::string_view json_name);

// Calls f(type_code) for each '|'-separated type of an element.
template <class F>
void for_each_type(std::string_view types, F f) {
  while (!types.empty()) {
    const std::size_t bar = types.find('|');
    f(types.substr(0, bar));
    if (bar == std::string_view::npos) break;
    types.remove_prefix(bar + 1);
  }
}

}  // namespace medgw::fhir
