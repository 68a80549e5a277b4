#pragma once
// The vocabulary of the synthetic Chinese population: surnames with their frequencies, given-name
// characters, and places. Written for this project from public statistics (the relative surname
// frequencies of the 2020 census as the Ministry of Public Security reported them, rounded), not
// copied from any name list; no real person's name is in here, only characters.
//
// The given-name pools deliberately hold groups of same-sound characters (伟 维 玮 炜, 静 婧 靖,
// 丽 莉 俐), as real names do; the generator's homophone corruption picks within such a group.
#include <cstdint>
#include <span>
#include <string_view>

namespace medgw::mpi::synth {

struct WeightedText {
  std::string_view text;
  std::uint32_t weight;  // relative frequency, in units of 0.001 % of the population
};

// Single and compound surnames (simplified), most frequent first.
std::span<const WeightedText> surnames();

// Characters of given names: typically male, typically female, and used by both.
std::span<const std::string_view> male_given_characters();
std::span<const std::string_view> female_given_characters();
std::span<const std::string_view> neutral_given_characters();

struct Place {
  std::string_view region_code;  // GB/T 2260 county-level code: the national ID's first 6 digits
  std::string_view province;
  std::string_view city;
  std::string_view district;
  std::string_view postal_code;
  std::uint32_t weight;  // roughly the district's population, in units of 10,000
};

std::span<const Place> places();

// Street names (without the 路/街/大道 suffix, which street_suffixes() gives).
std::span<const std::string_view> street_names();
std::span<const std::string_view> street_suffixes();

}  // namespace medgw::mpi::synth
