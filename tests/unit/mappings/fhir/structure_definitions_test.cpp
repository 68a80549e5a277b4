// The hand-written tables of structure.cpp against the official FHIR R4 StructureDefinition
// snapshots (as Medplum ships them: profiles-resources.json and profiles-types.json). Every
// element of every table must exist there with the same min, max and type codes, and every
// element there must be in the table: this test is what makes the tables trustworthy.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "mappings/fhir/primitives.hpp"
#include "mappings/fhir/structure.hpp"
#include "mappings/fhir/structure_nested.hpp"
#include "tests/unit/mappings/fhir/fhir_test_support.hpp"

namespace medgw::fhir {
namespace {

namespace fs = std::filesystem;

struct Official {
  std::uint32_t min = 0;
  std::uint32_t max = 0;
  std::set<std::string> types;
};

// StructureDefinition id -> its snapshot, element path -> definition.
using Snapshots = std::map<std::string, std::map<std::string, Official>>;

std::string type_code(const rapidjson::Value& type) {
  std::string code = type["code"].GetString();
  // Element ids and Extension.url are FHIRPath system types; the extension names the FHIR type.
  if (code.starts_with("http://hl7.org/fhirpath/System.") && type.HasMember("extension")) {
    for (const auto& ext : type["extension"].GetArray()) {
      if (std::string(ext["url"].GetString()) ==
          "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") {
        return ext["valueUrl"].GetString();
      }
    }
  }
  return code;
}

void load(const fs::path& file, Snapshots& out) {
  rapidjson::Document doc;
  const std::string text = test::read_file(file);
  doc.Parse(text.data(), text.size());
  ASSERT_FALSE(doc.HasParseError()) << file;
  for (const auto& entry : doc["entry"].GetArray()) {
    const rapidjson::Value& sd = entry["resource"];
    if (std::string(sd["resourceType"].GetString()) != "StructureDefinition" || !sd.HasMember("snapshot")) continue;
    auto& elements = out[sd["id"].GetString()];
    for (const auto& e : sd["snapshot"]["element"].GetArray()) {
      Official o;
      o.min = e["min"].GetUint();
      const std::string max = e["max"].GetString();
      o.max = max == "*" ? kUnbounded : static_cast<std::uint32_t>(std::stoul(max));
      const std::string path = e["path"].GetString();
      if (e.HasMember("contentReference")) {
        o.types.insert(std::string(e["contentReference"].GetString()).substr(1));  // "#Observation.referenceRange"
      }
      if (e.HasMember("type")) {
        for (const auto& t : e["type"].GetArray()) {
          std::string code = type_code(t);
          // A backbone element is a type of its own here, named by its path.
          if (code == "BackboneElement" || (code == "Element" && path.find('.') != std::string::npos)) code = path;
          o.types.insert(code);
        }
      }
      elements.emplace(path, std::move(o));
    }
  }
}

class StructureDefinitions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir = test::fhir_definitions_dir();
    if (!fs::exists(dir / "profiles-resources.json") || !fs::exists(dir / "profiles-types.json")) return;
    snapshots_ = std::make_unique<Snapshots>();
    load(dir / "profiles-resources.json", *snapshots_);
    load(dir / "profiles-types.json", *snapshots_);
  }
  static void TearDownTestSuite() { snapshots_.reset(); }

  void SetUp() override {
    if (!snapshots_) {
      GTEST_SKIP() << "FHIR R4 definitions absent: " << test::fhir_definitions_dir().string()
                   << " has no profiles-resources.json/profiles-types.json (run `make node-deps`, or set "
                      "MEDGW_FHIR_DEFINITIONS_DIR), so the tables are not cross-checked";
    }
  }

  static std::unique_ptr<Snapshots> snapshots_;
};

std::unique_ptr<Snapshots> StructureDefinitions::snapshots_;

// Where Medplum's copy of the definitions departs from R4 4.0.1: Medplum adds its own Meta
// elements (project, account, ...) and Binary.url (its storage location; R4's Binary has only
// contentType, securityContext and data), and narrows Bundle.entry.response.outcome from Resource
// to OperationOutcome. The tables follow R4; these, and only these, are not disagreements.
const std::set<std::string> kMedplumAdditions = {"Meta.account",    "Meta.accounts", "Meta.author", "Meta.compartment",
                                                 "Meta.onBehalfOf", "Meta.project",  "Binary.url"};
const std::map<std::string, std::string> kMedplumNarrowed = {{"Bundle.entry.response.outcome", "OperationOutcome"}};

std::string describe_max(std::uint32_t max) {
  return max == kUnbounded ? "*" : std::to_string(max);
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& x : s) out += (out.empty() ? "" : "|") + x;
  return out;
}

// The disagreements between one table and the snapshot; `compared` counts the elements checked.
std::vector<std::string> compare(const TypeDef& type, const Snapshots& snapshots, std::size_t& compared) {
  std::vector<std::string> disagreements;
  const std::string name(type.name);
  const std::string root = name.substr(0, name.find('.'));
  const auto sd = snapshots.find(root);
  if (sd == snapshots.end()) return {name + ": no StructureDefinition " + root};
  // The snapshot's direct children of this type's path.
  std::map<std::string, Official> official;
  for (const auto& [path, def] : sd->second) {
    if (path.size() > name.size() + 1 && path.starts_with(name + ".") &&
        path.find('.', name.size() + 1) == std::string::npos) {
      official.emplace(path.substr(name.size() + 1), def);
    }
  }
  if (official.empty()) disagreements.push_back(name + ": no such path in the snapshot");
  std::set<std::string> mine_names;
  for (std::span<const ElementDef> table : element_tables(type)) {
    for (const ElementDef& e : table) {
      const std::string element(e.name);
      mine_names.insert(element);
      const std::string where = name + "." + element;
      const auto it = official.find(element);
      if (it == official.end()) {
        disagreements.push_back(where + ": not in the R4 definition");
        continue;
      }
      ++compared;
      std::set<std::string> types;
      for_each_type(e.types, [&](std::string_view t) { types.insert(std::string(t)); });
      // Resource.id: the R4 snapshots type it System.String ("string"); the spec's id rule applies.
      const bool resource_id = element == "id" && types == std::set<std::string>{"id"} &&
                               it->second.types == std::set<std::string>{"string"} &&
                               (type.base == Base::kResource || type.base == Base::kDomainResource);
      const auto narrowed = kMedplumNarrowed.find(where);
      const bool medplum =
          narrowed != kMedplumNarrowed.end() && it->second.types == std::set<std::string>{narrowed->second};
      if (types != it->second.types && !resource_id && !medplum) {
        disagreements.push_back(where + ": types " + join(types) + ", R4 says " + join(it->second.types));
      }
      if (e.min != it->second.min || e.max != it->second.max) {
        disagreements.push_back(where + ": " + std::to_string(e.min) + ".." + describe_max(e.max) + ", R4 says " +
                                std::to_string(it->second.min) + ".." + describe_max(it->second.max));
      }
    }
  }
  for (const auto& [element, def] : official) {
    if (!mine_names.count(element) && !kMedplumAdditions.count(name + "." + element)) {
      disagreements.push_back(name + "." + element + ": missing from the table");
    }
  }
  return disagreements;
}

TEST_F(StructureDefinitions, EveryTableMatchesTheR4Snapshot) {
  std::vector<std::string> disagreements;
  std::size_t compared = 0;
  for (const TypeDef& type : all_types()) {
    for (std::string& d : compare(type, *snapshots_, compared)) disagreements.push_back(std::move(d));
  }
  std::string all;
  for (const std::string& d : disagreements) all += d + "\n";
  EXPECT_TRUE(disagreements.empty()) << disagreements.size() << " disagreements:\n" << all;
  EXPECT_GT(compared, 800u);  // the tables were actually compared, structure_nested.cpp's too
}

// The nested-only tables are compared like the others (all_types() lists them), and they make
// their types known to the XML codec without making them accepted.
TEST_F(StructureDefinitions, NestedOnlyTypesAreKnownButNotSupported) {
  std::set<std::string> listed;
  for (const TypeDef& type : all_types()) listed.insert(std::string(type.name));
  for (const TypeDef& type : nested_resource_types()) {
    EXPECT_TRUE(listed.count(std::string(type.name))) << type.name << " is not cross-checked";
    EXPECT_EQ(find_type(type.name), &type) << type.name;
    if (type.base == Base::kResource || type.base == Base::kDomainResource) {
      EXPECT_FALSE(is_supported_resource(type.name)) << type.name;
    }
  }
  EXPECT_NE(find_type("OperationOutcome.issue"), nullptr);
  EXPECT_EQ(all_types().size(), listed.size()) << "a type has two tables";
}

// The comparison itself catches each kind of mistake (so a pass above means something).
TEST_F(StructureDefinitions, TheComparisonCatchesMistakes) {
  constexpr ElementDef kWrong[] = {
      {"status", "code", 0, 1},               // R4: 1..1
      {"code", "Coding", 1, 1},               // R4: CodeableConcept
      {"value[x]", "Quantity|string", 0, 1},  // R4: eleven types
      {"statu", "code", 1, 1},                // no such element
  };
  const TypeDef wrong{"Observation", Base::kDomainResource, kWrong};
  std::size_t compared = 0;
  const std::vector<std::string> d = compare(wrong, *snapshots_, compared);
  std::string all;
  for (const std::string& x : d) all += x + "\n";
  EXPECT_NE(all.find("Observation.status: 0..1, R4 says 1..1"), std::string::npos) << all;
  EXPECT_NE(all.find("Observation.code: types Coding, R4 says CodeableConcept"), std::string::npos) << all;
  EXPECT_NE(all.find("Observation.value[x]: types"), std::string::npos) << all;
  EXPECT_NE(all.find("Observation.statu: not in the R4 definition"), std::string::npos) << all;
  EXPECT_NE(all.find("Observation.subject: missing from the table"), std::string::npos) << all;
}

// Every type a table names has a table of its own, except the few datatypes an open choice
// (Extension.value[x], Parameters.parameter.value[x]) may carry that no table uses otherwise (their
// content is reported as not validated).
TEST_F(StructureDefinitions, EveryNamedTypeHasATable) {
  const std::set<std::string> not_validated = {"ContactDetail",     "Contributor",         "DataRequirement",
                                               "Expression",        "ParameterDefinition", "RelatedArtifact",
                                               "TriggerDefinition", "UsageContext"};
  for (const TypeDef& type : all_types()) {
    for (std::span<const ElementDef> table : element_tables(type)) {
      for (const ElementDef& e : table) {
        for_each_type(e.types, [&](std::string_view t) {
          const std::string s(t);
          if (is_primitive_type(t) || s == "Resource" || not_validated.count(s)) return;
          EXPECT_NE(find_type(t), nullptr) << type.name << "." << e.name << " names " << s;
          // ... and it is a datatype of R4 (or a backbone path of its own resource).
          EXPECT_TRUE(snapshots_->count(s.substr(0, s.find('.')))) << s;
        });
      }
    }
  }
}

}  // namespace
}  // namespace medgw::fhir
