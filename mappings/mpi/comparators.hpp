#pragma once
// Field comparators of the Fellegi-Sunter model: each turns two normalised values into a
// comparison level, 0 the strongest agreement, the last "different". kMissing when either side is
// empty: a missing value is neither for nor against a match (weight 0).
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace medgw::mpi {

enum class Comparator : std::uint8_t {
  kName,      // exact | jaro-winkler >= 0.92 | >= 0.80 | different
  kText,      // exact | jaro-winkler >= 0.90 | >= 0.75 | different (street, locality)
  kDate,      // exact | day-month-swapped | within-a-day | one-digit-typo | within-a-month |
              // within-a-year | different, over YYYY-MM-DD
  kCode,      // exact | one-edit | different (postcode, phone, ID number: a typo is one edit)
  kCategory,  // exact | different (sex)
  // exact | same-sound | jaro-winkler >= 0.92 | >= 0.80 | different: a person's name that may be
  // written in Han characters. When either side has a Han character both are read as toneless
  // pinyin (chinese_name.hpp): equal readings are "same-sound" (章 for 张, or "zhang" typed for
  // 张), else the bands compare the readings, as letters. Two Latin names never reach same-sound.
  kPersonName,
};

inline constexpr int kMissing = -1;

std::string_view to_string(Comparator c);
std::optional<Comparator> parse_comparator(std::string_view name);
// The level names of a comparator, strongest first.
std::span<const std::string_view> level_names(Comparator c);

// The level of (a, b), or kMissing.
int compare(Comparator c, std::string_view a, std::string_view b);

// True when a becomes b by at most one insertion, deletion, substitution or swap of two
// neighbouring characters (bytes: the values compared this way are digits and codes).
bool within_one_edit(std::string_view a, std::string_view b);

// Days between two YYYY-MM-DD dates, nullopt when either is not one.
std::optional<long> days_between(std::string_view a, std::string_view b);

}  // namespace medgw::mpi
