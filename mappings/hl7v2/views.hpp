#pragma once
// Non-owning views of one field and its parts: repetitions ('~'), components ('^') and
// sub-components ('&'). They split lazily, on access, so parsing a message costs one pass over
// its bytes and one integer per field; nothing is allocated per field.
//
// Indices are 1-based, as in HL7 paths (PID-3[2].4.1). Asking for a part that is not there gives
// an empty view, which is what HL7 means by "not present".
#include <cstddef>
#include <string>
#include <string_view>

#include "mappings/hl7v2/delimiters.hpp"

namespace medgw::hl7v2 {

// The n-th (1-based) piece of `s` split on `sep`; empty when there are fewer pieces.
std::string_view nth_piece(std::string_view s, char sep, std::size_t n);
// Number of pieces of `s` split on `sep`: 0 for an empty string, else separators + 1.
std::size_t count_pieces(std::string_view s, char sep);

// Decodes escape sequences into plain UTF-8 text (see escape.hpp).
std::string decode_value(std::string_view raw, const Delimiters& delimiters);

class Component {
 public:
  Component() = default;
  Component(std::string_view raw, const Delimiters* d, bool atomic) : raw_(raw), d_(d), atomic_(atomic) {}

  std::string_view raw() const { return raw_; }
  bool empty() const { return raw_.empty(); }
  std::size_t subcomponent_count() const {
    return atomic_ ? (raw_.empty() ? 0 : 1) : count_pieces(raw_, d_->subcomponent);
  }
  // Raw (still escaped) text of one sub-component.
  std::string_view subcomponent(std::size_t n) const {
    if (atomic_) return n == 1 ? raw_ : std::string_view{};
    return nth_piece(raw_, d_->subcomponent, n);
  }
  // The component's text with escapes decoded. Sub-component separators stay as they are.
  std::string value() const { return decode_value(raw_, *d_); }
  std::string subvalue(std::size_t n) const {
    return decode_value(subcomponent(n), *d_);
  }

 private:
  std::string_view raw_;
  const Delimiters* d_ = &kDefaultDelimiters;
  bool atomic_ = false;
};

class Repetition {
 public:
  Repetition() = default;
  Repetition(std::string_view raw, const Delimiters* d, bool atomic) : raw_(raw), d_(d), atomic_(atomic) {}

  std::string_view raw() const { return raw_; }
  bool empty() const { return raw_.empty(); }
  // HL7's explicit null: the two characters "" clear a value at the receiver.
  bool is_null() const { return raw_ == "\"\""; }
  std::size_t component_count() const {
    return atomic_ ? (raw_.empty() ? 0 : 1) : count_pieces(raw_, d_->component);
  }
  Component component(std::size_t n) const {
    if (atomic_) return {n == 1 ? raw_ : std::string_view{}, d_, true};
    return {nth_piece(raw_, d_->component, n), d_, false};
  }
  std::string value() const { return decode_value(raw_, *d_); }

 private:
  std::string_view raw_;
  const Delimiters* d_ = &kDefaultDelimiters;
  bool atomic_ = false;
};

class Field {
 public:
  Field() = default;
  // `atomic`: MSH-1 and MSH-2 hold delimiter characters and must never be split.
  Field(std::string_view raw, const Delimiters* d, bool atomic) : raw_(raw), d_(d), atomic_(atomic) {}

  std::string_view raw() const { return raw_; }
  bool empty() const { return raw_.empty(); }
  bool is_null() const { return raw_ == "\"\""; }
  std::size_t repetition_count() const {
    return atomic_ ? (raw_.empty() ? 0 : 1) : count_pieces(raw_, d_->repetition);
  }
  Repetition repetition(std::size_t n) const {
    if (atomic_) return {n == 1 ? raw_ : std::string_view{}, d_, true};
    return {nth_piece(raw_, d_->repetition, n), d_, false};
  }
  // Shortcuts into the first repetition, which is all most fields ever have.
  Component component(std::size_t n) const { return repetition(1).component(n); }
  std::string value() const { return repetition(1).value(); }

 private:
  std::string_view raw_;
  const Delimiters* d_ = &kDefaultDelimiters;
  bool atomic_ = false;
};

}  // namespace medgw::hl7v2
