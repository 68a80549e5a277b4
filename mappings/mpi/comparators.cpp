#include "mappings/mpi/comparators.hpp"

#include <array>
#include <chrono>
#include <cstdlib>

#include "mappings/mpi/chinese_name.hpp"
#include "mappings/mpi/jaro_winkler.hpp"
#include "mappings/mpi/utf8.hpp"

namespace medgw::mpi {
namespace {

constexpr std::array<std::string_view, 4> kNameLevels{"exact", "jaro-winkler>=0.92", "jaro-winkler>=0.80",
                                                      "different"};
constexpr std::array<std::string_view, 4> kTextLevels{"exact", "jaro-winkler>=0.90", "jaro-winkler>=0.75",
                                                      "different"};
constexpr std::array<std::string_view, 7> kDateLevels{"exact",          "day-month-swapped", "within-a-day",
                                                      "one-digit-typo", "within-a-month",    "within-a-year",
                                                      "different"};
constexpr std::array<std::string_view, 3> kCodeLevels{"exact", "one-edit", "different"};
constexpr std::array<std::string_view, 2> kCategoryLevels{"exact", "different"};
constexpr std::array<std::string_view, 5> kPersonNameLevels{"exact", "same-sound", "jaro-winkler>=0.92",
                                                            "jaro-winkler>=0.80", "different"};

constexpr std::array<std::string_view, 6> kComparatorNames{"name", "text", "date", "code", "category", "person-name"};

int jw_level(std::string_view a, std::string_view b, double high, double low) {
  const double s = jaro_winkler(a, b);
  return s >= high ? 1 : s >= low ? 2 : 3;
}

bool has_han(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const utf8::Step st = utf8::decode(s, i);
    if (st.cp >= 0 && utf8::is_han(st.cp)) return true;
    i += st.cp < 0 ? 1 : st.len;
  }
  return false;
}

// The pinyin reading without the spaces between syllables ("zhang wei" -> "zhangwei"), so a name
// typed in pinyin as one word or two reads the same.
std::string reading(std::string_view name) {
  std::string out = to_pinyin(name);
  std::erase(out, ' ');
  return out;
}

int person_name_level(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (!has_han(a) && !has_han(b)) return jw_level(a, b, 0.92, 0.80) + 1;
  const std::string ra = reading(a), rb = reading(b);
  if (ra == rb) return 1;
  return jw_level(ra, rb, 0.92, 0.80) + 1;
}

std::optional<std::chrono::sys_days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto num = [&](std::size_t from, std::size_t len) {
    int v = 0;
    for (std::size_t i = from; i < from + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

int date_level(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.size() == 10 && b.size() == 10 && a.substr(0, 4) == b.substr(0, 4) && a.substr(5, 2) == b.substr(8, 2) &&
      a.substr(8, 2) == b.substr(5, 2)) {
    return 1;
  }
  const auto days = days_between(a, b);
  if (days && std::labs(*days) <= 1) return 2;
  if (within_one_edit(a, b)) return 3;
  if (days && std::labs(*days) <= 31) return 4;
  if (days && std::labs(*days) <= 366) return 5;
  return 6;
}

}  // namespace

std::string_view to_string(Comparator c) { return kComparatorNames[static_cast<std::size_t>(c)]; }

std::optional<Comparator> parse_comparator(std::string_view name) {
  for (std::size_t i = 0; i < kComparatorNames.size(); ++i) {
    if (kComparatorNames[i] == name) return static_cast<Comparator>(i);
  }
  return std::nullopt;
}

std::span<const std::string_view> level_names(Comparator c) {
  switch (c) {
    case Comparator::kName: return kNameLevels;
    case Comparator::kText: return kTextLevels;
    case Comparator::kDate: return kDateLevels;
    case Comparator::kCode: return kCodeLevels;
    case Comparator::kCategory: return kCategoryLevels;
    case Comparator::kPersonName: return kPersonNameLevels;
  }
  return kCategoryLevels;
}

int compare(Comparator c, std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return kMissing;
  switch (c) {
    case Comparator::kName: return a == b ? 0 : jw_level(a, b, 0.92, 0.80);
    case Comparator::kText: return a == b ? 0 : jw_level(a, b, 0.90, 0.75);
    case Comparator::kDate: return date_level(a, b);
    case Comparator::kCode: return a == b ? 0 : within_one_edit(a, b) ? 1 : 2;
    case Comparator::kCategory: return a == b ? 0 : 1;
    case Comparator::kPersonName: return person_name_level(a, b);
  }
  return kMissing;
}

bool within_one_edit(std::string_view a, std::string_view b) {
  if (a == b) return true;
  if (a.size() == b.size()) {
    std::size_t first = a.size();
    int diffs = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) {
        if (diffs == 0) first = i;
        ++diffs;
      }
    }
    if (diffs == 1) return true;
    return diffs == 2 && first + 1 < a.size() && a[first] == b[first + 1] && a[first + 1] == b[first] &&
           a.substr(first + 2) == b.substr(first + 2);
  }
  if (a.size() + 1 == b.size()) std::swap(a, b);
  if (b.size() + 1 != a.size()) return false;
  // a is one longer: skip one character of a.
  std::size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  return a.substr(i + 1) == b.substr(i);
}

std::optional<long> days_between(std::string_view a, std::string_view b) {
  const auto da = parse_date(a), db = parse_date(b);
  if (!da || !db) return std::nullopt;
  return static_cast<long>((*db - *da).count());
}

}  // namespace medgw::mpi
