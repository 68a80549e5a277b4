#pragma once
// The files of a public corpus folder the corpus tests read (tests/corpus, the mapping and the
// delivery corpus tests): every regular file below `root`, sorted, except folders and files named
// _* (indexes, oracles). One selection, so the three tests count the same messages.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace medgw::test_support {

inline std::vector<std::filesystem::path> corpus_files(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '_') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace medgw::test_support
