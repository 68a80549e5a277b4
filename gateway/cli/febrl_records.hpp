#pragma once
// FEBRL record-linkage benchmark files (Christen's Febrl datasets 1-3, as in
// ../shared/corpus/febrl/) read as patient records for `medgw mpi evaluate`.
//
// Mapping, field by field:
// - rec_id ("rec-12-org", "rec-12-dup-0"): the truth key only. It becomes the record's own number
//   at sender "febrl" (an MR identifier without an authority, so the index never trusts it for
//   linking and never compares it); febrl_entity() gives the person it names ("rec-12").
// - given_name, surname: HumanName given and family.
// - street_number + address_1, and address_2: the address lines; suburb: city; state; postcode.
// - date_of_birth (YYYYMMDD): birthDate, as sent (a corrupted date stays corrupted).
// - soc_sec_id: an SS identifier without an authority: duplicates corrupt it, so it is a compared
//   field (MatchField::kIdNumber), never a trusted identifier.
// FEBRL has no sex and no phone.
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/model/change_set.hpp"

namespace medgw::cli {

struct FebrlRecord {
  std::string rec_id;
  model::PatientRecord record;
};

// The records of one FEBRL CSV file, in file order.
Expected<std::vector<FebrlRecord>, std::string> read_febrl(const std::string& path);
// "rec-12-dup-0" -> "rec-12".
std::string febrl_entity(std::string_view rec_id);

}  // namespace medgw::cli
