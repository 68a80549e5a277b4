#pragma once
// A message profile as medgw reads it from the HL7 v2.x Conformance Profile XML
// (<HL7v2xConformanceProfile><HL7v2xStaticDef MsgType EventType MsgStructID><Segment|SegGroup>
// <Field><Component><SubComponent>): what a receiver requires of one message type, element by
// element. A profile set is every message profile of one directory plus its value sets
// (ValueSetLibrary XML) and the site rules layered on top (site.xml, see site_rules.hpp).
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace medgw::conformance {

// HL7 v2 conformance usage. RE: required but may be empty; C: conditional, checked as O here
// (the condition predicates are free text in this schema); X (and W, withdrawn): must not be sent.
enum class Usage { kRequired, kRequiredOrEmpty, kOptional, kConditional, kNotSupported };

// Max cardinality "*" is unbounded.
inline constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);

// A value set a site accepts beside the profile's own (GB/T 2261.1 sex codes beside HL7 0001):
// a code found only there is a warning that says what medgw does with it.
struct Binding {
  std::string also_accepted;  // value set id; "" when the site adds nothing
  std::string note;
};

// A component or sub-component: the same attributes, nested once more.
struct ComponentDef {
  std::string name;
  Usage usage = Usage::kOptional;
  std::string datatype;  // ST, NM, ID, ... (composite types are described by their children)
  std::size_t max_length = 0;  // 0: no limit given
  std::string table;           // value set binding identifier, e.g. "0001"
  Binding site;                // codes a site also accepts, with a warning
  std::vector<ComponentDef> children;  // sub-components
};

struct FieldDef {
  std::string name;
  Usage usage = Usage::kOptional;
  std::size_t min = 0, max = 1;  // repetitions
  std::string datatype;
  std::size_t max_length = 0;
  std::string table;
  Binding site;
  std::vector<ComponentDef> components;
};

struct SegmentDef {
  std::string name;  // "PID"
  std::string long_name;
  std::vector<FieldDef> fields;  // fields[0] is field 1 (MSH-1 the field separator)
};

// One node of the message grammar: a segment reference or a named group of nodes.
struct GrammarNode {
  bool is_group = false;
  std::string name;  // segment id, or group name ("PATIENT_RESULT")
  Usage usage = Usage::kOptional;
  std::size_t min = 0, max = 1;
  std::optional<SegmentDef> segment;  // set for a segment node
  std::vector<GrammarNode> children;  // set for a group
};

struct MessageProfile {
  std::string identifier;  // the profile's Identifier or file name
  std::string hl7_version;
  std::string message_type, event_type, structure;  // ADT, A01, ADT_A01
  std::vector<GrammarNode> grammar;                  // in order, MSH first
};

struct ValueSet {
  std::string id;    // BindingIdentifier: "0001"
  std::string name;  // "Administrative Sex"
  std::set<std::string> codes;
};

using ValueSets = std::map<std::string, ValueSet>;

const char* to_string(Usage usage);

}  // namespace medgw::conformance
