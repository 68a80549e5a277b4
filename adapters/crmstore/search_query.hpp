#pragma once
// A FHIR search as the archive reader takes it (ArchiveReader::search): the HTTP layer parses the
// query string, splits each parameter's value on unescaped commas and hands the rest over as is.
//
// Parameters by type (AND across parameters, OR across the values of one; unknown parameter,
// unsupported modifier or malformed value: an error naming the parameter):
//   Patient            _id, identifier, name, family, given, birthdate, gender
//   Observation        _id, patient, subject, code, category, status, date
//   DiagnosticReport   _id, patient, subject, code, category, status, date
//   ServiceRequest     _id, patient, subject, code, category, status, authored (date: an alias)
//   Encounter          _id, patient, subject, class, type, status, date
//   DocumentReference  _id, patient, subject, type, category, status, date
//   ImagingStudy       _id, patient, subject, modality, status, started (date: an alias)
// Values:
//   token       "system|code", "code" (any system), "|code" (no system), "system|" (any code)
//   reference   "Patient/<n>", "<n>", "Patient/src-<n>", "src-<n>" or an absolute URL ending in one
//               of those; a source record stands for its golden patient, and a golden patient merged
//               into another for the one it was merged into (its resources moved there)
//   date        a prefix (eq ne gt ge lt le sa eb; none = eq) then YYYY, YYYY-MM, YYYY-MM-DD or a
//               dateTime; the value is the range its precision implies ("1990" = all of 1990), as
//               is every stored value, and prefixes compare ranges as FHIR R4 defines. birthdate
//               takes dates only.
//   name        case-insensitive (ASCII) starts-with on any part of any name of any source record
//               of the patient; family and given do the same on family names / given names only.
// Order: _sort=date / -date sorts by the start of each row's date range (UTC), then id, so the
// order is total; rows without a date come first ascending, last descending. Default: id.
// Paging: next_cursor (base64url) holds the last row's id and, for a date sort, its date: a
// resource date, not an identifier, but a client can decode it.
// Values are not trimmed or unescaped here, except that empty values are ignored (FHIR: a
// parameter without a value is ignored); prefixes stay in the values (only the reader knows which
// parameters are dates).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace medgw::crmstore {

struct SearchParam {
  std::string name;                 // "code", "date", "_id"
  std::string modifier;             // after ':' ("" for none); only subject:Patient is supported
  std::vector<std::string> values;  // OR; comma-split already; prefixes included ("ge2020-01-01")
};

inline constexpr std::size_t kDefaultSearchCount = 50;
inline constexpr std::size_t kMaxSearchCount = 500;  // larger _count values are lowered to this

struct SearchQuery {
  std::string type;                         // FHIR resource type
  std::vector<SearchParam> params;          // AND; a parameter may repeat (date=ge2020&date=lt2021)
  std::string sort;                         // "" or "_id": id ascending; "date" / "-date": date, then id
  std::size_t count = kDefaultSearchCount;  // 0: no matches, only the total
  std::string cursor;                       // ArchiveReader's next_cursor from the previous page, or ""
  bool include_results = false;             // _include=DiagnosticReport:result (DiagnosticReport only)
  bool total = false;                       // _total=accurate
};

}  // namespace medgw::crmstore
