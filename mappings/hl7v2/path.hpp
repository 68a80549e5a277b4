#pragma once
// Paths into a message, as interface analysts write them: "PID-3", "PID-3[2].4.1", "OBX[3]-5",
// "MSH-9.2". Occurrences and repetitions are 1-based and default to 1; "(2)" is accepted for
// "[2]". A component or sub-component of 0 means "the whole".
#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"

namespace medgw::hl7v2 {

struct Path {
  std::string segment;
  std::size_t occurrence = 1;
  std::size_t field = 0;
  std::size_t repetition = 1;
  std::size_t component = 0;
  std::size_t subcomponent = 0;

  std::string to_string() const;
  friend bool operator==(const Path&, const Path&) = default;
};

// Parses a path; the error is a sentence saying what is wrong with it.
Expected<Path, std::string> parse_path(std::string_view text);

}  // namespace medgw::hl7v2
