#include "gateway/pipeline/message_mapper.hpp"

#include "mappings/fhir/map_interaction.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/hl7v2/parse_error.hpp"
#include "mappings/sites/apply_site.hpp"
#include "mappings/sites/site_requirements.hpp"
#include "mappings/sql/db_row.hpp"
#include "mappings/sql/map_row.hpp"
#include "mappings/v2/map_message.hpp"

namespace medgw::pipeline {

std::string_view kind_name(MapFailure::Kind kind) {
  switch (kind) {
    case MapFailure::Kind::kUndecodable:
      return "undecodable";
    case MapFailure::Kind::kUnsupported:
      return "unsupported";
    case MapFailure::Kind::kSite:
      return "site";
    case MapFailure::Kind::kInvalid:
      break;
  }
  return "invalid";
}

std::string describe(const MapFailure& failure) {
  return std::string(kind_name(failure.kind)) + ": " + failure.reason;
}

std::string sender_of(std::string_view raw) {
  if (raw.size() >= 3 && static_cast<unsigned char>(raw[0]) == 0xEF) raw.remove_prefix(3);  // BOM
  const std::size_t eol = raw.find_first_of("\r\n");
  const std::string_view line = raw.substr(0, eol);
  auto delimiters = hl7v2::read_delimiters(line);
  if (!delimiters) return {};
  const char field_sep = delimiters->field;
  const char component_sep = delimiters->component;
  // Pieces split on the field separator: [0] "MSH", [1] encoding characters, [2] MSH-3, [3] MSH-4.
  std::string_view pieces[4];
  std::size_t begin = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t end = line.find(field_sep, begin);
    pieces[i] = line.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    if (end == std::string_view::npos) {
      for (int j = i + 1; j < 4; ++j) pieces[j] = {};
      break;
    }
    begin = end + 1;
  }
  auto first_component = [component_sep](std::string_view f) { return f.substr(0, f.find(component_sep)); };
  return std::string(first_component(pieces[2])) + "^" + std::string(first_component(pieces[3]));
}

MessageMapper::MessageMapper(const sites::SiteProfile* site, std::map<std::string, hl7v2::Charset> source_charsets)
    : site_(site), source_charsets_(std::move(source_charsets)) {}

std::optional<hl7v2::Charset> MessageMapper::default_charset(std::string_view source, std::string_view sender) const {
  if (site_ != nullptr) {
    const std::string name = sites::default_charset(*site_, sender, source);
    if (!name.empty()) {
      if (auto cs = hl7v2::find_charset(name)) return cs;
    }
  }
  if (auto it = source_charsets_.find(std::string(source)); it != source_charsets_.end()) return it->second;
  return std::nullopt;
}

std::optional<hl7v2::Charset> MessageMapper::default_charset_of_raw(std::string_view source, std::string_view raw) const {
  return default_charset(source, sender_of(raw));
}

Expected<model::ChangeSet, MapFailure> MessageMapper::map_hl7v2(const Envelope& envelope) const {
  hl7v2::ParseOptions options;
  options.default_charset = default_charset_of_raw(envelope.source, envelope.raw);
  auto message = hl7v2::Message::parse(envelope.raw, options);
  if (!message) return unexpected(MapFailure{MapFailure::Kind::kUndecodable, message.error().describe()});
  auto changes = v2::map_v2(*message);
  if (!changes) {
    const auto& e = changes.error();
    return unexpected(MapFailure{
        e.kind == v2::MappingError::Kind::kUnsupported ? MapFailure::Kind::kUnsupported : MapFailure::Kind::kInvalid,
        e.reason});
  }
  return std::move(*changes);
}

// A FHIR API write: the server mapped it once already to answer the client, so a failure here is
// rare (a mapping changed by an upgrade between the two); it is parked with the issues' text.
Expected<model::ChangeSet, MapFailure> MessageMapper::map_fhir(const Envelope& envelope) const {
  auto changes = fhir::map_interaction_json(envelope.raw);
  if (!changes) {
    std::string reason;
    for (const auto& issue : changes.error().issues) {
      if (!reason.empty()) reason += "; ";
      reason += issue.expression.empty() ? issue.diagnostics : issue.expression + ": " + issue.diagnostics;
    }
    return unexpected(MapFailure{changes.error().kind == fhir::MapErrorKind::kUnsupported
                                     ? MapFailure::Kind::kUnsupported
                                     : MapFailure::Kind::kInvalid,
                                 reason});
  }
  return std::move(*changes);
}

// A polled database row, by the site file's row mapping for the source it was read from (the
// envelope's source is the db_sources name). No mapping for it is "unsupported": the row is kept,
// and replaying it after the site file gains one fills the archive.
Expected<model::ChangeSet, MapFailure> MessageMapper::map_db_row(const Envelope& envelope) const {
  const sql::RowMapping* mapping = nullptr;
  if (site_ != nullptr) {
    if (auto it = site_->db_rows.find(envelope.source); it != site_->db_rows.end()) mapping = &it->second;
  }
  if (mapping == nullptr) {
    return unexpected(MapFailure{MapFailure::Kind::kUnsupported,
                                 "no row mapping for database source '" + envelope.source +
                                     "' (db_rows: in the site file)"});
  }
  auto row = sql::parse_db_row(envelope.raw);
  if (!row) return unexpected(MapFailure{MapFailure::Kind::kUndecodable, row.error()});
  auto changes = sql::map_row(*mapping, *row, envelope.dedupe_key);
  if (!changes) return unexpected(MapFailure{MapFailure::Kind::kInvalid, std::move(changes.error().reason)});
  return std::move(*changes);
}

Expected<model::ChangeSet, MapFailure> MessageMapper::map(const Envelope& envelope) const {
  Expected<model::ChangeSet, MapFailure> changes = unexpected(MapFailure{});
  if (envelope.content_type == kContentTypeHl7v2) {
    changes = map_hl7v2(envelope);
  } else if (envelope.content_type == kContentTypeFhirInteraction) {
    changes = map_fhir(envelope);
  } else if (envelope.content_type == kContentTypeDbRow) {
    changes = map_db_row(envelope);
  } else {
    return unexpected(MapFailure{MapFailure::Kind::kUnsupported, "content type " + envelope.content_type});
  }
  if (!changes) return changes;
  if (site_ != nullptr) {
    sites::apply_site(*site_, *changes, envelope.source);
    if (auto why = sites::unmet_requirement(*site_, *changes, envelope.source)) {
      return unexpected(MapFailure{MapFailure::Kind::kSite, std::move(*why)});
    }
  }
  return std::move(*changes);
}

}  // namespace medgw::pipeline
