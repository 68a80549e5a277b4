#include "mappings/sql/map_row.hpp"

#include <cctype>
#include <optional>

#include "mappings/hl7v2/numeric.hpp"
#include "mappings/sql/db_datetime.hpp"
#include "mappings/v2/observation.hpp"
#include "mappings/v2/vocabulary.hpp"

namespace medgw::sql {
namespace {

constexpr std::string_view kObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Reads the mapped columns of one row; the first problem is kept and ends the mapping.
class Reader {
 public:
  Reader(const RowMapping& m, const DbRow& row) : m_(m), row_(row) {}

  // The trimmed text of `column` ("" for NULL or an unmapped field); `key` names the site-file key
  // for messages ("report.key").
  std::string get(const std::string& column, std::string_view key) {
    if (column.empty() || error_) return {};
    const DbValue* v = row_.find(column);
    if (v == nullptr) {
      fail(key, "column '" + column + "' is not in the row (the query does not select it)");
      return {};
    }
    if (v->state == DbValue::State::kUndecodable) {
      fail(key, "column '" + column + "' is not valid text in the source's encoding");
      return {};
    }
    return v->state == DbValue::State::kText ? trim(v->text) : std::string();
  }

  std::string required(const std::string& column, std::string_view key) {
    std::string v = get(column, key);
    if (v.empty() && !error_) fail(key, "column '" + column + "' is NULL or empty");
    return v;
  }

  void fail(std::string_view key, std::string why) {
    if (!error_) error_ = RowMapError{"db_rows." + m_.source + "." + std::string(key) + ": " + std::move(why)};
  }

  std::optional<RowMapError>& error() { return error_; }

 private:
  const RowMapping& m_;
  const DbRow& row_;
  std::optional<RowMapError> error_;
};

std::string gender(const PatientColumns& p, const std::string& value) {
  if (auto it = p.sex_map.find(value); it != p.sex_map.end()) return it->second;
  if (value == "男") return "male";
  if (value == "女") return "female";
  if (value == "male" || value == "female" || value == "other" || value == "unknown") return value;
  std::string upper = value;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v2::vocab::gender(upper);
}

bool is_fhir_report_status(const std::string& s) {
  for (const char* c : {"registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
                        "cancelled", "entered-in-error", "unknown"}) {
    if (s == c) return true;
  }
  return false;
}

// The Observation status a report status implies (the report's codes are a superset).
std::string observation_status_of(const std::string& report_status) {
  if (report_status == "partial") return "preliminary";
  if (report_status == "appended") return "amended";
  return report_status;
}

}  // namespace

Expected<model::ChangeSet, RowMapError> map_row(const RowMapping& m, const DbRow& row, std::string_view row_id) {
  Reader in(m, row);
  model::ChangeSet out;
  out.message_type = "DB^ROW";
  out.message_control_id = std::string(row_id);
  out.sender = m.sender;
  out.partial_reports = true;
  auto warn = [&](std::string_view key, const std::string& why) {
    out.warnings.push_back("db_rows." + m.source + "." + std::string(key) + ": " + why);
  };
  auto date_time = [&](const std::string& column, std::string_view key) {
    const std::string v = in.get(column, key);
    if (v.empty()) return std::string();
    auto t = fhir_date_time(v, m.timezone);
    if (!t) warn(key, "column '" + column + "' is not a date or timestamp; left out");
    return t ? *t : std::string();
  };

  // Patient.
  model::PatientRecord record;
  record.sender = m.sender;
  for (std::size_t i = 0; i < m.patient.identifiers.size(); ++i) {
    const auto& col = m.patient.identifiers[i];
    const std::string value = in.get(col.column, "patient.identifiers[" + std::to_string(i) + "]");
    if (value.empty()) continue;
    model::Identifier id;
    id.value = value;
    id.assigner = col.assigner;
    record.patient.identifier.push_back(std::move(id));
  }
  if (!in.error() && record.patient.identifier.empty()) {
    in.fail("patient.identifiers", "every identifier column is NULL or empty");
  }
  if (const std::string name = in.get(m.patient.name, "patient.name"); !name.empty()) {
    model::HumanName n;
    n.text = name;
    record.patient.name.push_back(std::move(n));
  }
  if (const std::string sex = in.get(m.patient.sex, "patient.sex"); !sex.empty()) {
    record.patient.gender = gender(m.patient, sex);
    if (record.patient.gender.empty()) {
      warn("patient.sex",
           "column '" + m.patient.sex + "' holds a value neither table 0001 nor sex_map knows; left out");
    }
  }
  if (const std::string birth = in.get(m.patient.birth_date, "patient.birth_date"); !birth.empty()) {
    if (auto d = fhir_date(birth)) {
      record.patient.birth_date = *d;
    } else {
      warn("patient.birth_date", "column '" + m.patient.birth_date + "' is not a date; left out");
    }
  }

  // Visit.
  std::string encounter_ref;
  if (const std::string visit = in.get(m.visit.number, "visit.number"); !visit.empty()) {
    model::Keyed<model::Encounter> e;
    e.key = visit;
    model::Identifier id;
    id.type.coding.push_back({std::string(v2::vocab::kV2_0203), "", "VN", "Visit number"});
    id.value = visit;
    e.resource.identifier.push_back(std::move(id));
    e.resource.status = "unknown";  // a result table says nothing of the visit's progress
    if (const std::string cls = in.get(m.visit.patient_class, "visit.class"); !cls.empty()) {
      e.resource.class_ = v2::vocab::encounter_class(cls);
      if (e.resource.class_.empty())
        warn("visit.class", "column '" + m.visit.patient_class + "' is not a table 0004 code");
    }
    encounter_ref = "Encounter/" + visit;
    out.encounters.push_back(std::move(e));
  }

  // Report.
  model::Keyed<model::DiagnosticReport> report;
  report.key = in.required(m.report.key, "report.key");
  model::DiagnosticReport& r = report.resource;
  {
    model::Identifier id;
    id.type.coding.push_back({std::string(v2::vocab::kV2_0203), "", "FILL", "Filler Identifier"});
    id.value = report.key;
    r.identifier.push_back(std::move(id));
  }
  const std::string report_code = in.get(m.report.code, "report.code");
  const std::string report_name = in.get(m.report.name, "report.name");
  if (!report_code.empty()) {
    r.code.coding.push_back({"", "", report_code, report_name});
  } else {
    r.code.text = report_name;
  }
  r.category.push_back({{{std::string(v2::vocab::kV2_0074), "", m.report.category, ""}}, ""});
  r.effective_date_time = date_time(m.report.time, "report.time");
  r.issued = date_time(m.report.issued, "report.issued");
  if (r.issued.find('T') == std::string::npos) r.issued.clear();  // an instant needs a time
  const std::string status = in.get(m.report.status, "report.status");
  if (status.empty()) {
    r.status = m.report.default_status;
  } else if (auto it = m.report.status_map.find(status); it != m.report.status_map.end()) {
    r.status = it->second;
  } else if (is_fhir_report_status(status)) {
    r.status = status;
  } else {
    r.status = v2::vocab::report_status(status);
    if (r.status.empty()) {
      warn("report.status", "column '" + m.report.status + "' holds a value neither table 0123 nor status_map knows");
      r.status = "unknown";
    }
  }
  if (!encounter_ref.empty()) r.encounter = {encounter_ref, "Encounter", ""};

  // Observation.
  model::Keyed<model::Observation> obs;
  const std::string code = in.required(m.observation.code, "observation.code");
  model::Observation& o = obs.resource;
  o.code.coding.push_back({"", "", code, in.get(m.observation.name, "observation.name")});
  if (const std::string category = v2::vocab::observation_category(m.report.category); !category.empty()) {
    o.category.push_back({{{std::string(kObservationCategory), "", category, ""}}, ""});
  }
  model::Quantity unit;
  unit.unit = in.get(m.observation.unit, "observation.unit");
  bool quantity_like = false;
  if (const std::string value = in.get(m.observation.value, "observation.value"); !value.empty()) {
    std::string_view rest = value;
    std::string comparator;
    for (std::string_view c : {"<=", ">=", "<", ">"}) {
      if (rest.substr(0, c.size()) == c) {
        comparator = std::string(c);
        rest.remove_prefix(c.size());
        break;
      }
    }
    if (auto d = hl7v2::parse_decimal(trim(rest))) {
      model::Quantity q = unit;
      q.value.text = d->text;
      q.comparator = comparator;
      o.value = std::move(q);
      quantity_like = true;
    } else {
      o.value = value;  // "阴性", "+", free text: kept as sent
    }
  }
  if (const std::string range = in.get(m.observation.reference_range, "observation.reference_range"); !range.empty()) {
    o.reference_range.push_back(v2::reference_range(range, quantity_like ? unit : model::Quantity{}));
  }
  if (const std::string flag = in.get(m.observation.abnormal_flag, "observation.abnormal_flag"); !flag.empty()) {
    std::string code0078 = flag;
    if (auto it = m.observation.flag_map.find(flag); it != m.observation.flag_map.end()) code0078 = it->second;
    const std::string code3 = v2::vocab::interpretation(code0078);
    if (code3.empty()) {
      warn("observation.abnormal_flag", "column '" + m.observation.abnormal_flag +
                                            "' holds a value neither table 0078 nor flag_map knows; kept as text");
      o.interpretation.push_back({{}, flag});
    } else {
      o.interpretation.push_back({{{std::string(v2::vocab::kV3Interpretation), "", code3, ""}}, ""});
    }
  }
  const std::string obs_status = in.get(m.observation.status, "observation.status");
  o.status = obs_status.empty() ? std::string() : v2::vocab::observation_status(obs_status);
  if (o.status.empty() && !obs_status.empty()) {
    if (is_fhir_report_status(obs_status) && obs_status != "partial" && obs_status != "appended") {
      o.status = obs_status;
    } else {
      warn("observation.status",
           "column '" + m.observation.status + "' is not a table 0085 code; the report's status used");
    }
  }
  if (o.status.empty()) o.status = observation_status_of(r.status);
  o.effective_date_time = date_time(m.observation.time, "observation.time");
  if (o.effective_date_time.empty()) o.effective_date_time = r.effective_date_time;
  o.issued = r.issued;
  if (!encounter_ref.empty()) o.encounter = {encounter_ref, "Encounter", ""};

  if (auto& e = in.error()) return unexpected(std::move(*e));

  obs.key = report.key + "|" + code + "|";
  r.result.push_back({"Observation/" + obs.key, "", ""});
  out.event_time = o.effective_date_time;
  out.patient = std::move(record);
  out.reports.push_back(std::move(report));
  out.observations.push_back(std::move(obs));
  return out;
}

}  // namespace medgw::sql
