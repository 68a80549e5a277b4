#pragma once
// A synthetic Chinese patient population with its own truth, for testing and tuning the patient
// index (issue 7): people with realistic names (census surname frequencies, compound surnames,
// one- or two-character given names), sex, birth date, a valid national ID consistent with both
// (GB 11643), a mobile phone and an address; and duplicate records of some of them as other
// hospitals or later visits would register them, each with one or more of the corruptions listed
// in `Corruption`. Every record carries its record id and the id of the person it belongs to.
//
// Deterministic: the same options give the same records, in the same order, on every machine (own
// PRNG, no std distributions, no clocks). Streaming: records come one at a time from next(), in
// memory bounded by the shuffle window, so 1,000,000 people cost no more memory than 1,000.
// A duplicate appears up to `shuffle_window` people after its original, not next to it.
//
// No real person is in the data: names are drawn character by character, IDs and phones at random.
#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "mappings/model/resources.hpp"

namespace medgw::mpi::synth {

// What a duplicate record got wrong or spelled differently, as a bit set.
enum class Corruption : std::uint32_t {
  kHomophone = 1u << 0,            // one name character replaced by a same-sound one (张 -> 章)
  kTraditional = 1u << 1,          // the name written in traditional characters (张伟 -> 張偉)
  kPinyinName = 1u << 2,           // the name in pinyin letters ("Zhang Wei", "ZHANG WEI")
  kDayMonthSwapped = 1u << 3,      // birth date with day and month exchanged (1980-03-07 -> 1980-07-03)
  kNationalIdMissing = 1u << 4,    // no national ID
  kNationalIdDigitWrong = 1u << 5, // one character of the national ID wrong (its checksum fails)
  kPhoneChanged = 1u << 6,         // a different mobile number
  kPhoneReformatted = 1u << 7,     // the same number spelled otherwise ("+86 138-0013-8000")
  kAddressMoved = 1u << 8,         // a different home address
};
inline constexpr std::uint32_t kCorruptionKinds = 9;

// "homophone", "traditional", "pinyin-name", "day-month-swapped", "national-id-missing",
// "national-id-digit-wrong", "phone-changed", "phone-reformatted", "address-moved".
std::string_view corruption_name(Corruption c);
// The names of the bits set in `corruptions`, joined by '+' ("" for none), in the order above.
std::string corruption_names(std::uint32_t corruptions);

struct SyntheticRecord {
  std::string record_id;     // "R000000001": unique, in the order records are produced
  std::string person_id;     // "P00000001": the truth; the same for a person and their duplicates
  std::string site;          // which synthetic hospital registered the record ("site-a" ...)
  model::Patient patient;    // names, gender, birth date, identifiers (MR and NI), phone, address
  std::uint32_t corruptions = 0;  // Corruption bits; 0 for a person's original record
  bool original = false;     // the person's first, uncorrupted record
};

struct PopulationOptions {
  std::uint64_t seed = 1;
  std::uint64_t people = 1000;
  double duplicate_rate = 0.3;     // share of people with at least one duplicate record
  unsigned max_duplicates = 3;     // per person; 1 is most common
  unsigned max_corruptions = 3;    // per duplicate, at least 1
  std::uint64_t shuffle_window = 1000;  // a duplicate appears within this many people after its original
  unsigned sites = 3;              // hospitals the records come from (1..26)
};

// The identifier systems the records use: a site's MRNs and, for national IDs, the index's own
// (identity.hpp kNationalIdSystem).
std::string site_mrn_system(std::string_view site);

class PopulationGenerator {
 public:
  explicit PopulationGenerator(PopulationOptions options);

  // The next record, or nullopt after the last.
  std::optional<SyntheticRecord> next();

  // The original record of person `index` (0-based), as next() yields it but with record_id (and
  // MRN) "B" + the index in 9 digits: random access, for benchmarks that need many distinct people
  // and no duplicates. Does not change what next() yields.
  SyntheticRecord person(std::uint64_t index) const;

  const PopulationOptions& options() const { return options_; }

 private:
  struct Pending {
    std::uint64_t due;  // emitted once this many people have been produced
    std::uint64_t sequence;
    std::uint64_t person;
    unsigned duplicate;
    bool operator>(const Pending& o) const { return due != o.due ? due > o.due : sequence > o.sequence; }
  };

  SyntheticRecord duplicate(std::uint64_t person_index, unsigned duplicate_index) const;
  SyntheticRecord finish(SyntheticRecord r);

  PopulationOptions options_;
  std::uint64_t next_person_ = 0;
  std::uint64_t next_record_ = 0;
  std::uint64_t sequence_ = 0;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
};

}  // namespace medgw::mpi::synth
