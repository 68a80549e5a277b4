#include "mappings/mpi/index_store.hpp"

namespace medgw::mpi {

// These texts are stored (links.grade): never rename one.
const char* to_string(LinkGrade grade) {
  switch (grade) {
    case LinkGrade::kCertain: return "certain";
    case LinkGrade::kProbable: return "probable";
    case LinkGrade::kNew: return "new";
    case LinkGrade::kManual: return "manual";
    case LinkGrade::kMerged: return "merged";
  }
  return "new";
}

std::optional<LinkGrade> parse_link_grade(std::string_view text) {
  for (auto g : {LinkGrade::kCertain, LinkGrade::kProbable, LinkGrade::kNew, LinkGrade::kManual,
                 LinkGrade::kMerged}) {
    if (text == to_string(g)) return g;
  }
  return std::nullopt;
}

}  // namespace medgw::mpi
