#pragma once
// What every family mapper shares while mapping one message: the message, the change set being
// filled (its warnings), the time zone to assume, and the small helpers that turn a located field
// into a model value or a PHI-free warning.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mappings/hl7v2/message.hpp"
#include "mappings/model/change_set.hpp"
#include "mappings/v2/mapping_error.hpp"

namespace medgw::v2 {

// "OBX[3]" for the 3rd OBX of the message: the name a reason or warning uses for a segment.
std::string segment_label(const hl7v2::Message& msg, const hl7v2::Segment& seg);

class MapContext {
 public:
  MapContext(const hl7v2::Message& msg, model::ChangeSet& out);

  const hl7v2::Message& msg() const { return msg_; }
  model::ChangeSet& out() { return out_; }

  // Warnings name where, never what: callers pass labels and codes, not values.
  void warn(std::string text) { out_.warnings.push_back(std::move(text)); }

  // A DTM/TS repetition as FHIR dateTime; empty when absent, empty plus a warning when malformed.
  // Times without a zone take MSH-7's zone: a sender stamps its messages in its own local time.
  // `dtm` is the raw DTM text (a TS's first component; DTMs hold no escapes).
  std::string date_time(std::string_view dtm, std::string_view where);
  std::string date_time(const hl7v2::Field& f, std::string_view where) {
    return date_time(f.component(1).raw(), where);
  }
  // The same, cut to a FHIR date (birth dates): "1980-02-29", "1980-02" or "1980".
  std::string date(std::string_view dtm, std::string_view where);
  std::string date(const hl7v2::Field& f, std::string_view where) { return date(f.component(1).raw(), where); }

 private:
  const hl7v2::Message& msg_;
  model::ChangeSet& out_;
  std::optional<int> zone_;
};

// "<seg>-<field>" as used in reasons and warnings: field_label("OBX[3]", 5) == "OBX[3]-5".
std::string field_label(std::string_view seg, std::size_t field);

MappingError invalid(std::string reason);
MappingError unsupported(std::string reason);

}  // namespace medgw::v2
