#pragma once
// Builds ER7 text: segments of fields of repetitions of components of sub-components, joined with
// the message's delimiters and terminated with CR as the standard requires. Values given as text
// are escaped; values given raw are taken as already encoded. Empty trailing parts that were set
// (or parsed) are kept, so a parsed message encodes back to the same bytes.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/hl7v2/delimiters.hpp"
#include "mappings/hl7v2/escape.hpp"

namespace medgw::hl7v2 {

class Message;

class SegmentWriter {
 public:
  SegmentWriter(std::string id, const Delimiters* delimiters) : id_(std::move(id)), d_(delimiters) {}

  const std::string& id() const { return id_; }
  // Sets one value, escaping `text`. Positions are 1-based; rep/component/sub default to 1.
  SegmentWriter& set(std::size_t field, std::string_view text, EscapeOptions options = {});
  SegmentWriter& set(std::size_t field, std::size_t repetition, std::size_t component, std::size_t subcomponent,
                     std::string_view text, EscapeOptions options = {});
  // Sets a whole field from already-encoded text; it is split on the delimiters.
  SegmentWriter& set_raw(std::size_t field, std::string_view raw);

  std::string encode() const;
  void encode_to(std::string& out) const;

 private:
  using Component = std::vector<std::string>;   // sub-components, raw
  using Repetition = std::vector<Component>;
  using FieldValue = std::vector<Repetition>;
  std::string& slot(std::size_t field, std::size_t repetition, std::size_t component, std::size_t subcomponent);
  bool is_header() const { return id_ == "MSH" || id_ == "FHS" || id_ == "BHS"; }

  std::string id_;
  const Delimiters* d_;
  std::vector<FieldValue> fields_;  // fields_[0] is field 1
};

class MessageWriter {
 public:
  explicit MessageWriter(Delimiters delimiters = {}) : d_(delimiters) {}
  // Segments point at d_, so a writer stays where it was made.
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;
  MessageWriter(MessageWriter&&) = delete;
  MessageWriter& operator=(MessageWriter&&) = delete;

  // Every part of `message`, raw, so encode() reproduces it with CR terminators.
  static void copy_from(const Message& message, MessageWriter& out);

  const Delimiters& delimiters() const { return d_; }
  SegmentWriter& add(std::string id);
  std::size_t segment_count() const { return segments_.size(); }
  SegmentWriter& segment(std::size_t index) { return segments_[index]; }

  // Segments each terminated by CR.
  std::string encode() const;

 private:
  Delimiters d_;
  std::vector<SegmentWriter> segments_;
};

}  // namespace medgw::hl7v2
