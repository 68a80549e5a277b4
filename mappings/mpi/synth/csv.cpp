#include "mappings/mpi/synth/csv.hpp"

#include <ostream>
#include <string_view>

#include "mappings/mpi/identity.hpp"

namespace medgw::mpi::synth {
namespace {

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
void field(std::ostream& out, std::string_view s, bool last = false) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << s;
  } else {
    out << '"';
    for (char c : s) {
      if (c == '"') out << '"';
      out << c;
    }
    out << '"';
  }
  out << (last ? '\n' : ',');
}

std::string_view identifier_value(const model::Patient& p, bool national) {
  for (const auto& id : p.identifier) {
    if (is_national_id(id) == national) return id.value;
  }
  return {};
}

}  // namespace

CsvCounts write_population_csv(PopulationGenerator& generator, std::ostream& records, std::ostream& truth) {
  records << "record_id,site,mrn,family,given,name_text,gender,birth_date,national_id,phone,address\n";
  truth << "record_id,person_id,original,corruptions\n";
  CsvCounts counts;
  while (auto r = generator.next()) {
    const model::Patient& p = r->patient;
    const model::HumanName& name = p.name.front();
    field(records, r->record_id);
    field(records, r->site);
    field(records, identifier_value(p, false));
    field(records, name.family);
    field(records, name.given.empty() ? std::string_view() : std::string_view(name.given.front()));
    field(records, name.text);
    field(records, p.gender);
    field(records, p.birth_date);
    field(records, identifier_value(p, true));
    field(records, p.telecom.empty() ? std::string_view() : std::string_view(p.telecom.front().value));
    field(records, p.address.empty() ? std::string_view() : std::string_view(p.address.front().text), true);
    field(truth, r->record_id);
    field(truth, r->person_id);
    field(truth, r->original ? "1" : "0");
    field(truth, corruption_names(r->corruptions), true);
    ++counts.records;
    if (r->original) ++counts.originals;
  }
  return counts;
}

}  // namespace medgw::mpi::synth
