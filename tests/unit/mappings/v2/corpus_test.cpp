// The v2 mapping against the public corpus (../shared/corpus/hl7v2/, MEDGW_CORPUS_DIR overrides;
// read where it lies, never copied): every parseable ADT/ORU/MDM/ORM/OML message either maps or
// fails with a MappingError that has a reason; nothing crashes (the dev preset runs this under
// ASan + UBSan). Skipped, saying so, when the corpus is absent. The counts are printed.
#include <gtest/gtest.h>

#include "tests/support/corpus_files.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "mappings/hl7v2/batch.hpp"
#include "tests/unit/mappings/v2/v2_test_support.hpp"

namespace medgw::v2 {
namespace {

namespace fs = std::filesystem;

fs::path corpus_root() {
  if (const char* env = std::getenv("MEDGW_CORPUS_DIR"); env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(MEDGW_SOURCE_DIR) / ".." / "shared" / "corpus" / "hl7v2";
}

TEST(V2Corpus, EveryMessageMapsOrSaysWhy) {
  const fs::path root = corpus_root();
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    GTEST_SKIP() << "HL7 v2 corpus absent: " << root.string()
                 << " is not a directory, so the mapping corpus test is skipped (MEDGW_CORPUS_DIR overrides it)";
  }
  // Same selection as tests/corpus: every file, except folders and files named _* (oracles).
  const std::vector<fs::path> files = medgw::test_support::corpus_files(root);

  std::size_t parsed = 0, in_scope = 0, mapped = 0;
  std::map<std::string, std::size_t> errors;  // "kind: reason" -> count
  std::map<std::string, std::size_t> by_type_mapped, by_type_failed;
  for (const fs::path& p : files) {
    const std::string bytes = testing::read_file(p);
    auto batch = hl7v2::read_batch(bytes);
    if (!batch) continue;
    for (const hl7v2::MessageSpan& span : batch->all_messages()) {
      auto msg = hl7v2::Message::parse(span.text);
      if (!msg) continue;
      ++parsed;
      const std::string code(msg->message_code());
      if (code != "ADT" && code != "ORU" && code != "MDM" && code != "ORM" && code != "OML") continue;
      ++in_scope;
      auto result = map_v2(*msg);
      const std::string type = code + "^" + std::string(msg->trigger_event());
      if (result) {
        ++mapped;
        ++by_type_mapped[type];
        (void)model::to_json(*result);  // serialising must not crash either
      } else {
        EXPECT_FALSE(result.error().reason.empty()) << p.string() << ": error without a reason";
        ++by_type_failed[type];
        ++errors[std::string(testing::kind_name(result.error().kind)) + ": " + result.error().reason];
      }
    }
  }
  std::cout << "[ corpus  ] " << parsed << " parsed messages, " << in_scope << " ADT/ORU/MDM/ORM/OML, " << mapped
            << " mapped, " << (in_scope - mapped) << " refused with a reason\n";
  for (const auto& [type, n] : by_type_mapped) std::cout << "[ mapped  ] " << type << ": " << n << "\n";
  for (const auto& [type, n] : by_type_failed) std::cout << "[ refused ] " << type << ": " << n << "\n";
  for (const auto& [reason, n] : errors) std::cout << "[ reason  ] " << n << " x " << reason << "\n";
  EXPECT_GT(in_scope, 0u) << "no ADT/ORU/MDM/ORM/OML message found under " << root;
}

}  // namespace
}  // namespace medgw::v2
