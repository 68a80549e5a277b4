#pragma once
// The five delimiters a message declares in MSH-1 and MSH-2 (FHS/BHS likewise). Every parser and
// encoder takes them from the message: v2 section 2.3.2.4 requires receivers to accept whatever
// characters the header declares.
#include <string>

namespace medgw::hl7v2 {

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
  char truncation = 0;  // v2.7+: optional 5th encoding character; 0 when not declared

  // MSH-2 as it appears on the wire: "^~\&" or "^~\&#".
  std::string encoding_characters() const {
    std::string s{component, repetition, escape, subcomponent};
    if (truncation != 0) s.push_back(truncation);
    return s;
  }

  bool is_delimiter(char c) const {
    return c == field || c == component || c == repetition || c == escape || c == subcomponent ||
           (truncation != 0 && c == truncation);
  }

  friend bool operator==(const Delimiters&, const Delimiters&) = default;
};

// The HL7 defaults, |^~\&; empty views point here so they never hold a null pointer.
inline const Delimiters kDefaultDelimiters{};

}  // namespace medgw::hl7v2
