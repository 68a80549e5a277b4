#include "mappings/v2/context.hpp"

#include "mappings/hl7v2/data_types.hpp"
#include "mappings/hl7v2/datetime.hpp"

namespace medgw::v2 {

std::string segment_label(const hl7v2::Message& msg, const hl7v2::Segment& seg) {
  std::size_t occurrence = 0;
  for (std::size_t i = 0; i <= seg.index(); ++i) {
    if (msg.segment(i).name() == seg.name()) ++occurrence;
  }
  return std::string(seg.name()) + "[" + std::to_string(occurrence) + "]";
}

std::string field_label(std::string_view seg, std::size_t field) {
  return std::string(seg) + "-" + std::to_string(field);
}

MappingError invalid(std::string reason) { return {MappingError::kInvalid, std::move(reason)}; }
MappingError unsupported(std::string reason) { return {MappingError::kUnsupported, std::move(reason)}; }

MapContext::MapContext(const hl7v2::Message& msg, model::ChangeSet& out) : msg_(msg), out_(out) {
  if (auto seg = msg.find("MSH")) {
    if (auto ts = hl7v2::parse_datetime(seg->field(7).component(1).raw())) zone_ = ts->offset_minutes;
  }
}

std::string MapContext::date_time(std::string_view dtm, std::string_view where) {
  if (dtm.empty() || dtm == "\"\"") return {};
  auto ts = hl7v2::parse_datetime(dtm);
  if (!ts) {
    warn(std::string(where) + ": not a valid date/time; left out");
    return {};
  }
  return ts->to_iso8601(zone_);
}

std::string MapContext::date(std::string_view dtm, std::string_view where) {
  if (dtm.empty() || dtm == "\"\"") return {};
  auto ts = hl7v2::parse_datetime(dtm);
  if (!ts) {
    warn(std::string(where) + ": not a valid date; left out");
    return {};
  }
  hl7v2::DateTime d = *ts;
  if (d.precision > hl7v2::DateTimePrecision::kDay) d.precision = hl7v2::DateTimePrecision::kDay;
  d.offset_minutes.reset();
  return d.to_iso8601();
}

}  // namespace medgw::v2
