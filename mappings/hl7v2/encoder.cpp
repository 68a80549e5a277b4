#include "mappings/hl7v2/encoder.hpp"

#include <algorithm>

#include "mappings/hl7v2/message.hpp"

namespace medgw::hl7v2 {

std::string& SegmentWriter::slot(std::size_t field, std::size_t repetition, std::size_t component,
                                 std::size_t subcomponent) {
  if (field == 0) field = 1;
  if (repetition == 0) repetition = 1;
  if (component == 0) component = 1;
  if (subcomponent == 0) subcomponent = 1;
  if (fields_.size() < field) fields_.resize(field);
  FieldValue& f = fields_[field - 1];
  if (f.size() < repetition) f.resize(repetition);
  Repetition& r = f[repetition - 1];
  if (r.size() < component) r.resize(component);
  Component& c = r[component - 1];
  if (c.size() < subcomponent) c.resize(subcomponent);
  return c[subcomponent - 1];
}

SegmentWriter& SegmentWriter::set(std::size_t field, std::string_view text, EscapeOptions options) {
  return set(field, 1, 1, 1, text, options);
}

SegmentWriter& SegmentWriter::set(std::size_t field, std::size_t repetition, std::size_t component,
                                  std::size_t subcomponent, std::string_view text, EscapeOptions options) {
  slot(field, repetition, component, subcomponent) = escape(text, *d_, options);
  return *this;
}

SegmentWriter& SegmentWriter::set_raw(std::size_t field, std::string_view raw) {
  if (field == 0) field = 1;
  if (fields_.size() < field) fields_.resize(field);
  FieldValue& f = fields_[field - 1];
  f.clear();
  if (raw.empty()) return *this;
  if (is_header() && field <= 2) {  // the delimiters themselves; never split
    f.push_back({{std::string(raw)}});
    return *this;
  }
  for (std::size_t r = 1, nr = count_pieces(raw, d_->repetition); r <= nr; ++r) {
    std::string_view rep = nth_piece(raw, d_->repetition, r);
    Repetition& rv = f.emplace_back();
    for (std::size_t c = 1, nc = std::max<std::size_t>(1, count_pieces(rep, d_->component)); c <= nc; ++c) {
      std::string_view comp = nth_piece(rep, d_->component, c);
      Component& cv = rv.emplace_back();
      for (std::size_t s = 1, ns = std::max<std::size_t>(1, count_pieces(comp, d_->subcomponent)); s <= ns; ++s) {
        cv.emplace_back(nth_piece(comp, d_->subcomponent, s));
      }
    }
  }
  return *this;
}

void SegmentWriter::encode_to(std::string& out) const {
  out.append(id_);
  std::size_t first = 1;
  if (is_header()) {
    // MSH-1 is the separator itself and MSH-2 the encoding characters, from the delimiters.
    out.push_back(d_->field);
    out.append(d_->encoding_characters());
    first = 3;
  }
  for (std::size_t i = first; i <= fields_.size(); ++i) {
    out.push_back(d_->field);
    const FieldValue& f = fields_[i - 1];
    for (std::size_t r = 0; r < f.size(); ++r) {
      if (r) out.push_back(d_->repetition);
      for (std::size_t c = 0; c < f[r].size(); ++c) {
        if (c) out.push_back(d_->component);
        for (std::size_t s = 0; s < f[r][c].size(); ++s) {
          if (s) out.push_back(d_->subcomponent);
          out.append(f[r][c][s]);
        }
      }
    }
  }
}

std::string SegmentWriter::encode() const {
  std::string out;
  encode_to(out);
  return out;
}

SegmentWriter& MessageWriter::add(std::string id) { return segments_.emplace_back(std::move(id), &d_); }

void MessageWriter::copy_from(const Message& message, MessageWriter& out) {
  out.d_ = message.delimiters();
  out.segments_.clear();
  for (std::size_t i = 0; i < message.segment_count(); ++i) {
    Segment seg = message.segment(i);
    SegmentWriter& w = out.add(std::string(seg.name()));
    const bool header = seg.name() == "MSH" || seg.name() == "FHS" || seg.name() == "BHS";
    for (std::size_t f = header ? 3 : 1; f <= seg.field_count(); ++f) {
      w.set_raw(f, seg.field(f).raw());
    }
  }
}

std::string MessageWriter::encode() const {
  std::string out;
  for (const SegmentWriter& s : segments_) {
    s.encode_to(out);
    out.push_back('\r');
  }
  return out;
}

}  // namespace medgw::hl7v2
