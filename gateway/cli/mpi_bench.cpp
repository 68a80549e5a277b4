// `medgw mpi bench` (mpi_evaluation.hpp): the resolver's speed against a large index.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <unistd.h>

#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "gateway/cli/mpi_evaluation.hpp"
#include "mappings/mpi/synth/population.hpp"

namespace medgw::cli {
namespace {

using crmstore::SqliteCrmStore;

// Made-up names from syllables: enough distinct values that blocks stay realistic (a few hundred
// thousand family/given combinations), none of them anyone's record.
constexpr std::array<const char*, 24> kSyllables{"an", "be", "ca", "do", "el", "fi", "ga", "ho", "in", "jo", "ka", "lu",
                                                 "ma", "ne", "ol", "pa", "ri", "sa", "to", "ul", "va", "wi", "ya", "zo"};
constexpr std::array<const char*, 8> kStreetKinds{"street", "road", "avenue", "place", "circuit", "lane", "crescent", "way"};

struct Person {
  std::string given, family, dob, postcode, street, city, phone, ssn;
};

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  Person person() {
    Person p;
    p.given = word(2 + pick(2));
    p.family = word(2 + pick(3));
    char dob[11];
    std::snprintf(dob, sizeof dob, "%04d-%02d-%02d", static_cast<int>(1930 + pick(90)), static_cast<int>(1 + pick(12)),
                  static_cast<int>(1 + pick(28)));
    p.dob = dob;
    p.postcode = std::to_string(2000 + pick(7000));
    p.street = std::to_string(1 + pick(300)) + " " + word(3) + " " + kStreetKinds[pick(kStreetKinds.size())];
    p.city = word(3);
    p.phone = "13" + digits(9);
    p.ssn = digits(8);
    return p;
  }

  // The same person as another clerk typed them: one or two fields changed.
  Person variant(Person p) {
    const int changes = 1 + pick(2);
    for (int i = 0; i < changes; ++i) {
      switch (pick(6)) {
        case 0: typo(p.given); break;
        case 1: typo(p.family); break;
        case 2: std::swap(p.dob[8], p.dob[9]); break;
        case 3: p.street = std::to_string(1 + pick(300)) + " " + word(3) + " street"; break;  // moved
        case 4: p.phone.clear(); break;
        default: typo(p.ssn); break;
      }
    }
    return p;
  }

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

 private:
  std::string word(std::size_t syllables) {
    std::string w;
    for (std::size_t i = 0; i < syllables; ++i) w += kSyllables[pick(kSyllables.size())];
    return w;
  }
  std::string digits(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('0' + pick(10));
    return s;
  }
  void typo(std::string& s) {
    if (s.size() < 2) return;
    const std::size_t i = pick(s.size());
    s[i] = static_cast<char>(s[i] == 'x' ? 'q' : 'x');
  }
  std::mt19937_64 rng_;
};

model::PatientRecord to_record(const Person& p, const std::string& sender, const std::string& number) {
  model::PatientRecord r;
  r.sender = sender;
  auto typed = [](const char* code, std::string value) {
    model::Identifier id;
    id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", code, ""});
    id.value = std::move(value);
    return id;
  };
  // Numbers without an authority: never trusted, so every match is decided by scoring.
  r.patient.identifier = {typed("MR", number), typed("SS", p.ssn)};
  model::HumanName n;
  n.family = p.family;
  n.given = {p.given};
  r.patient.name = {n};
  r.patient.birth_date = p.dob;
  r.patient.gender = p.given.size() % 2 == 0 ? "female" : "male";
  model::Address a;
  a.line = {p.street};
  a.city = p.city;
  a.postal_code = p.postcode;
  r.patient.address = {a};
  if (!p.phone.empty()) r.patient.telecom = {model::ContactPoint{"phone", p.phone, "mobile"}};
  return r;
}

model::ChangeSet change_set(model::PatientRecord r) {
  model::ChangeSet cs;
  cs.message_type = "ADT^A04";
  cs.sender = r.sender;
  cs.patient = std::move(r);
  return cs;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int bench_matching(const BenchArgs& args) {
  namespace fs = std::filesystem;
  const bool own_dir = args.dir.empty();
  const fs::path dir = own_dir ? fs::temp_directory_path() / ("medgw-mpi-bench-" + std::to_string(::getpid()))
                               : fs::path(args.dir);
  fs::remove_all(dir / "bench.sqlite");
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    bool active;
    ~Cleanup() {
      std::error_code ec;
      if (active) fs::remove_all(dir, ec);
    }
  } cleanup{dir, own_dir};
  auto store = SqliteCrmStore::open((dir / "bench.sqlite").string());
  if (!store) {
    std::cerr << "medgw mpi bench: " << store.error() << "\n";
    return 2;
  }
  // The records: indexed patients, then the streamed ones (half new records of indexed patients,
  // half new people). Latin: the syllable generator above (every field typo-prone). Chinese: the
  // synthetic population (mpi/synth), whose common surnames and given names fill blocks the way a
  // Chinese hospital's do; its streamed duplicates are the population's own corrupted records.
  const bool chinese = args.population == "chinese";
  Generator gen(20261202);
  std::vector<Person> people;
  mpi::synth::PopulationOptions popts;
  popts.seed = 20261202;
  popts.people = args.patients;
  popts.duplicate_rate = 0.6;  // enough duplicates of the indexed people for the stream
  mpi::synth::PopulationGenerator population(popts);
  auto indexed = [&](std::size_t i) {
    if (chinese) {
      auto r = population.person(i);
      model::PatientRecord record;
      record.sender = r.site;
      record.patient = std::move(r.patient);
      return change_set(std::move(record));
    }
    people.push_back(gen.person());
    return change_set(to_record(people.back(), "his", "P" + std::to_string(i)));
  };
  std::size_t new_people = 0;
  auto streamed = [&](std::size_t i) -> std::optional<model::ChangeSet> {
    const bool known = args.patients > 0 && i % 2 == 0;
    if (chinese) {
      if (!known) {
        auto r = population.person(args.patients + new_people++);
        model::PatientRecord record;
        record.sender = r.site;
        record.patient = std::move(r.patient);
        return change_set(std::move(record));
      }
      while (auto r = population.next()) {
        if (r->original) continue;
        model::PatientRecord record;
        record.sender = r->site;
        record.patient = std::move(r->patient);
        return change_set(std::move(record));
      }
      return std::nullopt;  // the population's duplicates ran out
    }
    const Person p = known ? gen.variant(people[gen.pick(people.size())]) : gen.person();
    return change_set(to_record(p, "lis", "L" + std::to_string(i)));
  };

  std::uint64_t envelope = 0;
  const auto load_start = std::chrono::steady_clock::now();
  std::vector<model::ChangeSet> batch;
  std::vector<crmstore::ChangeItem> items;
  for (std::size_t i = 0; i < args.patients; ++i) {
    batch.push_back(indexed(i));
    if (batch.size() == args.load_batch || i + 1 == args.patients) {
      items.clear();
      for (const auto& cs : batch) items.push_back({++envelope, &cs});
      auto applied = (*store)->apply(items);
      if (!applied) {
        std::cerr << "medgw mpi bench: load: " << applied.error().message << "\n";
        return 2;
      }
      batch.clear();
      if ((i + 1) % 100000 == 0) std::cerr << "medgw mpi bench: " << (i + 1) << " patients indexed\n";
    }
  }
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  std::printf("index: %zu generated %s patients loaded in %.1f s (%.0f records/s, %zu per transaction)\n",
              args.patients, chinese ? "Chinese" : "Latin", load_s, static_cast<double>(args.patients) / load_s,
              args.load_batch);

  // Streamed in transactions of stream_batch records, as the pipeline hands the store a batch;
  // each record's latency is its whole transaction's (it is acknowledged when the batch commits).
  std::vector<double> latencies_ms;
  latencies_ms.reserve(args.records);
  const std::size_t per_tx = std::max<std::size_t>(1, args.stream_batch);
  std::size_t streamed_records = 0;
  const auto stream_start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < args.records;) {
    batch.clear();
    for (; batch.size() < per_tx && i < args.records; ++i) {
      auto cs = streamed(i);
      if (!cs) break;
      batch.push_back(std::move(*cs));
    }
    if (batch.empty()) break;
    items.clear();
    for (const auto& cs : batch) items.push_back({++envelope, &cs});
    const auto t0 = std::chrono::steady_clock::now();
    auto applied = (*store)->apply(items);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!applied) {
      std::cerr << "medgw mpi bench: stream: " << applied.error().message << "\n";
      return 2;
    }
    latencies_ms.insert(latencies_ms.end(), batch.size(), ms);
    streamed_records += batch.size();
  }
  const double stream_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - stream_start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double q) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(q * latencies_ms.size()))];
  };
  std::printf("stream: %zu records (half new records of indexed patients) in %.1f s: %.0f records/s, %zu per "
              "transaction (one fsync each)\n",
              streamed_records, stream_s, static_cast<double>(streamed_records) / stream_s, per_tx);
  std::printf("latency per record (resolve + store + commit of its transaction): p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", pct(0.50),
              pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("peak RSS: %.0f MiB\n", peak_rss_mib());
  return 0;
}

}  // namespace medgw::cli
