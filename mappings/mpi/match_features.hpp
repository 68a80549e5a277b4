#pragma once
// What the probabilistic matcher compares about a patient, normalised once when the record is
// stored, so scoring a candidate never re-parses its JSON (the CRM store keeps the encoded form
// in source_records.match_features). An empty value means missing: it adds no evidence.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/model/resources.hpp"

namespace medgw::mpi {

enum class MatchField : std::uint8_t {
  kGiven,      // first given name (normalise_name_text)
  kFamily,     // family name
  kBirthDate,  // YYYY-MM-DD (normalise_birth_date)
  kGender,     // male | female | other ("unknown" is missing)
  kPhone,      // digits of the first phone, without a leading + or 00
  kPostcode,   // postal code, spaces removed, case folded
  kStreet,     // first address line(s) (number and street), normalised like a name
  kLocality,   // city, else district
  kIdNumber,   // a national ID or social security number as sent, valid or not: compared, never trusted
};
inline constexpr std::size_t kMatchFieldCount = 9;

std::string_view to_string(MatchField field);
std::optional<MatchField> parse_match_field(std::string_view name);

struct MatchFeatures {
  std::array<std::string, kMatchFieldCount> values;
  const std::string& operator[](MatchField f) const { return values[static_cast<std::size_t>(f)]; }
  std::string& operator[](MatchField f) { return values[static_cast<std::size_t>(f)]; }
  bool operator==(const MatchFeatures&) const = default;
};

MatchFeatures match_features(const model::Patient& patient);

// One line: the values joined by U+001F (a unit separator; removed from values, which never need
// it). decode_match_features("") is all missing (a record stored before the features were).
std::string encode_match_features(const MatchFeatures& features);
MatchFeatures decode_match_features(std::string_view encoded);

// Blocking keys: a record is compared only with records sharing at least one of them. Each key is
// tagged with what it is built from ("dob+name:..."), so keys of different kinds never collide.
// Chosen so that one typo in any single field, or a given/family swap, leaves a key intact (on
// FEBRL 2 and 3, 0.3% and 0.2% of true pairs share no key; each key's block is read at most 50
// records deep, resolver.cpp):
// - birth date (day and month in sorted order, so a day/month swap keeps the key) + the first two
//   letters of a name, once for the family and once for the given name (tagged alike);
// - birth date + postcode;
// - postcode + the first three letters of a name (family, given);
// - the two names' first three letters in sorted order, with the birth year and without;
// - the phone; the ID number.
std::vector<std::string> blocking_keys(const MatchFeatures& features);

}  // namespace medgw::mpi
