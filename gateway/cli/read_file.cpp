#include "gateway/cli/read_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace medgw::cli {

Expected<std::string, std::string> read_file(const std::string& path, std::size_t max_bytes) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return unexpected(path + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, f.get())) {
    if (data.size() + n > max_bytes) {
      return unexpected(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
    data.append(buf, n);
  }
  if (std::ferror(f.get())) return unexpected(path + ": read error");
  return data;
}

}  // namespace medgw::cli
