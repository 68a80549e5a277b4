#pragma once
// Turns one queued envelope into a ChangeSet: decode with the right charset, map (HL7 v2 ->
// canonical, mappings/v2; a FHIR API write -> canonical, mappings/fhir; a polled database row ->
// canonical by the site's row mapping, mappings/sql), then apply the site's differences (mappings/sites). Pure: no I/O, so
// workers run it in parallel and `medgw map` runs the very same code on a file.
#include <map>
#include <optional>
#include <string>

#include "gateway/core/envelope.hpp"
#include "gateway/core/expected.hpp"
#include "mappings/hl7v2/charset.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/sites/site_profile.hpp"

namespace medgw::pipeline {

struct MapFailure {
  enum class Kind {
    kUndecodable,  // the bytes do not parse as HL7 v2 (in the configured charset)
    kUnsupported,  // a message type medgw has no mapping for: kept, shown as unsupported
    kInvalid,      // the mapping refused it (a required segment missing, ...)
    kSite,         // the site profile's requirements are not met (an unmapped code, ...): fix, replay
  };
  Kind kind = Kind::kInvalid;
  std::string reason;  // names the segment and field; never patient data
};

// "undecodable: ...", "unsupported: ...", "invalid: ...", "site: ..." — the park reason operators see.
std::string describe(const MapFailure& failure);
// "undecodable", "unsupported", "invalid", "site".
std::string_view kind_name(MapFailure::Kind kind);

class MessageMapper {
 public:
  // `site` may be null (no site file: the v2-to-FHIR IG's defaults). `source_charsets` gives the
  // default charset of each listener (its `default_charset`), used when neither MSH-18 nor the
  // site names one for the sender.
  MessageMapper(const sites::SiteProfile* site, std::map<std::string, hl7v2::Charset> source_charsets);

  Expected<model::ChangeSet, MapFailure> map(const Envelope& envelope) const;

  // The charset used for a message from `source` whose header names `sender` when MSH-18 is
  // empty: the site's choice for the sender, else the listener's, else none (UTF-8).
  std::optional<hl7v2::Charset> default_charset(std::string_view source, std::string_view sender) const;
  // The same for a raw HL7 v2 message, the sender read from its header: what map() decodes it by,
  // and what the MLLP session parses it by before acknowledging it (one rule, so the two never
  // disagree on a message).
  std::optional<hl7v2::Charset> default_charset_of_raw(std::string_view source, std::string_view raw) const;

 private:
  Expected<model::ChangeSet, MapFailure> map_hl7v2(const Envelope& envelope) const;
  Expected<model::ChangeSet, MapFailure> map_fhir(const Envelope& envelope) const;
  Expected<model::ChangeSet, MapFailure> map_db_row(const Envelope& envelope) const;

  const sites::SiteProfile* site_;
  std::map<std::string, hl7v2::Charset> source_charsets_;
};

// MSH-3.1 "^" MSH-4.1 read from the raw header line, before the message is decoded (the charset
// may depend on the sender). Empty when the header is unreadable.
std::string sender_of(std::string_view raw);

}  // namespace medgw::pipeline
