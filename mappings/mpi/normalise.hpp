#pragma once
// Normalisation of demographics for matching: two records of one person, typed by different
// clerks on different systems, should normalise to the same text. Used by the MPI's blocking keys
// and scorers, and for the exact demographic key below.
//
// Input is UTF-8 (the codec decodes GBK and friends before mapping). Bytes that are not valid
// UTF-8 are copied unchanged: a key must never lose information silently.
#include <string>
#include <string_view>

#include "mappings/model/resources.hpp"

namespace medgw::mpi {

// Name text for matching:
// - full-width ASCII (U+FF01..U+FF5E) to half-width, U+3000 ideographic space to a space;
// - case folded for ASCII and Latin-1 ('A'->'a', 'É'->'é', 'ß'->"ss", 'µ'->'μ'); accents are kept;
// - punctuation removed, not replaced by a space (so "O'Brien" == "OBrien" and "约翰·史密斯" ==
//   "约翰史密斯"): ASCII punctuation, U+00B7 middle dot, U+30FB katakana middle dot, U+2027, the
//   U+2010..U+2015 dashes, U+2018/U+2019 quotes, U+FF65 half-width middle dot;
// - whitespace trimmed and collapsed to one space;
// - a space between two CJK characters removed ("张 三" == "张三"): Chinese names carry no spaces,
//   and clerks insert them to align columns;
// - Chinese characters kept as code points (pinyin and simplified/traditional folding is a later
//   step of the scorer, not of this key).
std::string normalise_name_text(std::string_view text);

// The full name for matching: family then given names, each normalised, joined by a space, with
// the CJK rule above applied across the join ("张" + "三" -> "张三", "Smith" + "John" -> "smith
// john"). When family and given are both empty, HumanName.text is used. "" when nothing is left.
std::string normalise_name(const model::HumanName& name);

// The name of a patient used for matching: the first name with use "official", else the first
// with use "usual" or no use, else the first that is not old, maiden, nickname or anonymous.
// matching_name: that name, nullptr when there is none; normalise_patient_name: it normalised,
// "" when there is none.
const model::HumanName* matching_name(const model::Patient& patient);
std::string normalise_patient_name(const model::Patient& patient);

// "YYYY-MM-DD" from a FHIR date/dateTime ("1949-12-31", "1949-12-31T08:00:00+08:00"), an HL7 DTM
// ("19491231", "194912310800+0800") or the Chinese clerks' "1949/12/31", "1949.12.31" (single-digit
// month and day accepted there). "" when it is not a full, real calendar date: a partial date
// ("1949", "1949-12") is not precise enough for an exact key.
std::string normalise_birth_date(std::string_view text);

// "male" | "female" | "other" | "unknown" from FHIR codes, HL7 table 0001 (M F O U A N),
// GB/T 2261.1 codes (1 male, 2 female, 0 unknown, 9 unspecified) and 男/女. Case-insensitive;
// anything unrecognised, or empty, is "unknown".
std::string normalise_gender(std::string_view text);

// "<normalised full name>|<YYYY-MM-DD>|<gender>", or "" when any part is missing. A gender of
// "unknown" counts as missing: a patient without all three is never linked on demographics.
std::string demographic_key(const model::Patient& patient);

}  // namespace medgw::mpi
