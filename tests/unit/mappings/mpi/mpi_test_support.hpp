#pragma once
// Patients for the resolver's tests, made up for them.
#include <chrono>
#include <string>

#include "mappings/model/change_set.hpp"
#include "mappings/mpi/national_id.hpp"

namespace medgw::mpi::testing {

inline constexpr std::chrono::year_month_day kToday{std::chrono::year{2026}, std::chrono::month{11},
                                                    std::chrono::day{23}};
inline const std::string kHisMrn = "urn:oid:1.2.156.1.1.1";  // the hospital's MRN authority
inline const std::string kLisPid = "urn:oid:1.2.156.1.2.1";  // the lab system's own numbers

// A valid national ID for someone born on `birth` ("YYYYMMDD"), male when `male`.
inline std::string national_id(const std::string& birth = "19900307", bool male = true) {
  std::string first17 = "110101" + birth + (male ? "123" : "124");
  return first17 + national_id_check_char(first17);
}

inline model::Identifier mrn(const std::string& system, const std::string& value) {
  model::Identifier id;
  id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "MR", ""});
  id.system = system;
  id.value = value;
  return id;
}

inline model::Identifier nid(const std::string& value, const std::string& system = "urn:oid:2.16.156.10011.1.1") {
  model::Identifier id;
  id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", "NI", ""});
  id.system = system;
  id.value = value;
  return id;
}

inline model::PatientRecord patient(const std::string& sender, std::vector<model::Identifier> ids,
                                    const std::string& family = "张", const std::string& given = "三",
                                    const std::string& birth = "1990-03-07", const std::string& gender = "male") {
  model::PatientRecord r;
  r.sender = sender;
  r.patient.identifier = std::move(ids);
  model::HumanName name;
  name.family = family;
  if (!given.empty()) name.given.push_back(given);
  r.patient.name.push_back(name);
  r.patient.birth_date = birth;
  r.patient.gender = gender;
  return r;
}

}  // namespace medgw::mpi::testing
