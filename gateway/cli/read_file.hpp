#pragma once
#include <cstddef>
#include <string>

#include "gateway/core/expected.hpp"

namespace medgw::cli {

// Reads a whole file; refuses files over `max_bytes` instead of filling memory.
Expected<std::string, std::string> read_file(const std::string& path, std::size_t max_bytes = 256u << 20);

}  // namespace medgw::cli
