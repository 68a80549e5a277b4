#pragma once
// Shared by the v2 mapping tests: files, parsing, and the golden form of a mapping result.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mappings/hl7v2/message.hpp"
#include "mappings/model/change_set_json.hpp"
#include "mappings/v2/map_message.hpp"

namespace medgw::v2::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline const char* kind_name(MappingError::Kind kind) {
  return kind == MappingError::kUnsupported ? "unsupported" : "invalid";
}

// The golden text of a mapping: the change set's JSON, or for an error a small JSON object with
// its kind and reason (the reason is part of the contract: operators read it).
inline std::string golden_text(const Expected<model::ChangeSet, MappingError>& result) {
  if (result) return model::to_json(*result);
  return std::string("{\n  \"error\": \"") + kind_name(result.error().kind) + "\",\n  \"reason\": \"" +
         result.error().reason + "\"\n}\n";
}

}  // namespace medgw::v2::testing
