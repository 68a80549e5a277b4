#pragma once
// The synthetic population as CSV, for people to inspect and for tools outside C++: one file with
// what the sites sent (no truth in it) and one with the truth.
//
// records: record_id,site,mrn,family,given,name_text,gender,birth_date,national_id,phone,address
// truth:   record_id,person_id,original,corruptions   (corruptions: corruption_names(), '+'-joined)
#include <cstdint>
#include <iosfwd>

#include "mappings/mpi/synth/population.hpp"

namespace medgw::mpi::synth {

struct CsvCounts {
  std::uint64_t records = 0;
  std::uint64_t originals = 0;
};

// Writes every record `generator` has left, with a header line in each file.
CsvCounts write_population_csv(PopulationGenerator& generator, std::ostream& records, std::ostream& truth);

}  // namespace medgw::mpi::synth
