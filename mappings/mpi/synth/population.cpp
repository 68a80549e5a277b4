#include "mappings/mpi/synth/population.hpp"

#include <opencc/SimpleConverter.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <span>
#include <stdexcept>

#include "mappings/mpi/chinese_name.hpp"
#include "mappings/mpi/identity.hpp"
#include "mappings/mpi/national_id.hpp"
#include "mappings/mpi/synth/name_pools.hpp"
#include "mappings/mpi/synth/random.hpp"
#include "mappings/mpi/utf8.hpp"

#ifndef MEDGW_OPENCC_DATA_DIR
#define MEDGW_OPENCC_DATA_DIR "/usr/share/opencc"
#endif

namespace medgw::mpi::synth {
namespace {

// Substreams of a person's random numbers (Random::for_stream): 0 is the person, 1.. the
// duplicates, and this one decides how many duplicates there are and when they appear.
constexpr std::uint64_t kScheduleStream = 0xFFFF;

constexpr std::string_view kV2IdentifierTypes = "http://terminology.hl7.org/CodeSystem/v2-0203";

// Mobile blocks in use (phone.cpp accepts exactly these and more).
constexpr std::string_view kMobilePrefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167", "170", "171", "172",
    "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188",
    "189", "190", "191", "192", "193", "195", "196", "197", "198", "199"};

template <typename T>
const T& pick(Random& r, std::span<const T> items) {
  return items[r.below(items.size())];
}

std::vector<std::uint32_t> running_sums(std::span<const std::uint32_t> weights) {
  std::vector<std::uint32_t> out;
  std::uint32_t total = 0;
  for (std::uint32_t w : weights) out.push_back(total += w);
  return out;
}

// Tables derived once from the pools: weight sums and same-sound groups.
struct Vocabulary {
  std::vector<std::uint32_t> surname_sums;
  std::vector<std::uint32_t> place_sums;
  // Characters grouped by pinyin: for a surname its surname reading, for given names the usual.
  std::map<std::string, std::vector<std::string_view>> surname_homophones, given_homophones;

  Vocabulary() {
    std::vector<std::uint32_t> w;
    for (const auto& s : surnames()) w.push_back(s.weight);
    surname_sums = running_sums(w);
    w.clear();
    for (const auto& p : places()) w.push_back(p.weight);
    place_sums = running_sums(w);
    for (const auto& s : surnames()) {
      if (s.text.size() == 3) surname_homophones[to_pinyin_name(s.text, "")].push_back(s.text);
    }
    for (auto pool : {male_given_characters(), female_given_characters(), neutral_given_characters()}) {
      for (std::string_view c : pool) {
        auto& group = given_homophones[to_pinyin(c)];
        if (std::find(group.begin(), group.end(), c) == group.end()) group.push_back(c);
      }
    }
  }

  // Another character of the same sound, or "" when the pools have none. Without `r` it answers
  // only whether there is one (any other member of the group).
  static std::string_view homophone_of(const std::map<std::string, std::vector<std::string_view>>& groups,
                                       const std::string& pinyin, std::string_view c, Random* r) {
    const auto it = groups.find(pinyin);
    if (it == groups.end() || it->second.size() < 2) return {};
    if (r == nullptr) return it->second.front() == c ? it->second[1] : it->second.front();
    for (;;) {
      std::string_view other = it->second[r->below(it->second.size())];
      if (other != c) return other;
    }
  }
};

const Vocabulary& vocabulary() {
  static const Vocabulary v;
  return v;
}

std::string to_traditional(const std::string& simplified) {
  static const opencc::SimpleConverter converter(std::string(MEDGW_OPENCC_DATA_DIR) + "/s2t.json");
  return converter.Convert(simplified);
}

std::vector<std::string_view> characters(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8::decode(s, i).len;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string digits(Random& r, int n) {
  std::string out;
  for (int k = 0; k < n; ++k) out += static_cast<char>('0' + r.below(10));
  return out;
}

std::string format_date(int y, unsigned m, unsigned d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

// Everything true about one person; records are views of it.
struct Person {
  std::string family, given;  // simplified
  bool male = false;
  int year = 0;
  unsigned month = 0, day = 0;
  std::string national_id;
  std::string phone;  // 11 digits
  const Place* home = nullptr;
  std::string street;  // the address line
  unsigned site = 0;
};

// Every random draw is its own statement: the operands of one expression are evaluated in an
// unspecified order (GCC and Clang differ), which would make the population compiler-dependent.
std::string random_street(Random& r) {
  std::string line(pick(r, street_names()));
  line += pick(r, street_suffixes());
  line += std::to_string(r.between(1, 999));
  line += "号";
  if (r.chance(0.7)) {
    const auto building = r.between(1, 30);
    const auto unit = r.between(1, 6);
    const auto floor = r.between(1, 33);
    const auto flat = r.between(1, 6);
    line += std::to_string(building) + "栋" + std::to_string(unit) + "单元" + std::to_string(floor) + "0" +
            std::to_string(flat) + "室";
  }
  return line;
}

const Place& random_place(Random& r) { return places()[r.weighted(vocabulary().place_sums)]; }

std::string random_mobile(Random& r) {
  std::string phone(pick(r, std::span<const std::string_view>(kMobilePrefixes)));
  phone += digits(r, 8);
  return phone;
}

Person make_person(std::uint64_t seed, std::uint64_t index, unsigned sites) {
  Random r = Random::for_stream(seed, index, 0);
  Person p;
  p.family = std::string(surnames()[r.weighted(vocabulary().surname_sums)].text);
  p.male = r.chance(0.51);
  const std::span<const std::string_view> own = p.male ? male_given_characters() : female_given_characters();
  const int given_chars = r.chance(0.2) ? 1 : 2;
  for (int k = 0; k < given_chars; ++k) p.given += r.chance(0.75) ? pick(r, own) : pick(r, neutral_given_characters());

  using namespace std::chrono;
  const sys_days first{year{1930} / January / 1};
  const sys_days last{year{2023} / December / 31};
  const year_month_day born{first + days{r.between(0, (last - first).count())}};
  p.year = static_cast<int>(born.year());
  p.month = static_cast<unsigned>(born.month());
  p.day = static_cast<unsigned>(born.day());

  p.home = &random_place(r);
  p.street = random_street(r);
  // Most people live where they were registered at birth; the ID keeps the birthplace.
  const Place& birthplace = r.chance(0.8) ? *p.home : random_place(r);
  char born_digits[16];
  std::snprintf(born_digits, sizeof born_digits, "%04d%02u%02u", p.year, p.month, p.day);
  const int sequence = static_cast<int>(r.below(500)) * 2 + (p.male ? 1 : 0);  // odd: male
  char seq_digits[8];
  std::snprintf(seq_digits, sizeof seq_digits, "%03d", sequence);
  const std::string first17 = std::string(birthplace.region_code) + born_digits + seq_digits;
  p.national_id = first17 + national_id_check_char(first17);

  p.phone = random_mobile(r);
  p.site = static_cast<unsigned>(r.below(sites));
  return p;
}

model::Identifier identifier(std::string_view type, std::string_view system, std::string value) {
  model::Identifier id;
  id.use = type == "NI" ? "official" : "usual";
  id.type.coding.push_back({std::string(kV2IdentifierTypes), "", std::string(type), ""});
  id.system = std::string(system);
  id.value = std::move(value);
  return id;
}

model::Address address(const Place& place, const std::string& line) {
  model::Address a;
  a.use = "home";
  a.line.push_back(line);
  a.district = std::string(place.district);
  a.city = std::string(place.city);
  a.state = std::string(place.province);
  a.postal_code = std::string(place.postal_code);
  a.country = "CN";
  a.text = (place.province == place.city ? std::string() : std::string(place.province)) + std::string(place.city) +
           std::string(place.district) + line;
  return a;
}

std::string site_name(unsigned site) { return std::string("site-") + static_cast<char>('a' + site); }

// The record as a site registers the person; the MR identifier's value is filled by finish().
SyntheticRecord record_of(const Person& p, std::uint64_t index) {
  SyntheticRecord rec;
  char id[16];
  std::snprintf(id, sizeof id, "P%08llu", static_cast<unsigned long long>(index));
  rec.person_id = id;
  rec.site = site_name(p.site);
  model::Patient& pt = rec.patient;
  pt.identifier.push_back(identifier("MR", site_mrn_system(rec.site), ""));
  pt.identifier.push_back(identifier("NI", kNationalIdSystem, p.national_id));
  model::HumanName name;
  name.use = "official";
  name.family = p.family;
  name.given.push_back(p.given);
  name.text = p.family + p.given;
  pt.name.push_back(std::move(name));
  pt.gender = p.male ? "male" : "female";
  pt.birth_date = format_date(p.year, p.month, p.day);
  pt.telecom.push_back({"phone", p.phone, "mobile"});
  pt.address.push_back(address(*p.home, p.street));
  return rec;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 0x20);
  return s;
}

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

std::string reformatted_phone(const std::string& p, Random& r) {
  const std::string a = p.substr(0, 3), b = p.substr(3, 4), c = p.substr(7);
  switch (r.below(6)) {
    case 0: return "+86 " + a + " " + b + " " + c;
    case 1: return a + "-" + b + "-" + c;
    case 2: return "0086" + p;
    case 3: return "+86-" + p;
    case 4: return "(+86)" + p;
    default: {
      std::string full;  // full-width digits, as a Chinese input method types them
      for (char ch : p) utf8::append(full, 0xFF10 + (ch - '0'));
      return full;
    }
  }
}

bool compatible(std::uint32_t chosen, Corruption c) {
  const auto has = [&](Corruption k) { return (chosen & static_cast<std::uint32_t>(k)) != 0; };
  switch (c) {
    case Corruption::kPinyinName: return !has(Corruption::kHomophone) && !has(Corruption::kTraditional);
    case Corruption::kHomophone:
    case Corruption::kTraditional: return !has(Corruption::kPinyinName);
    case Corruption::kNationalIdMissing: return !has(Corruption::kNationalIdDigitWrong);
    case Corruption::kNationalIdDigitWrong: return !has(Corruption::kNationalIdMissing);
    case Corruption::kPhoneChanged: return !has(Corruption::kPhoneReformatted);
    case Corruption::kPhoneReformatted: return !has(Corruption::kPhoneChanged);
    default: return true;
  }
}

// A same-sound replacement of one character of the name; false when no character has one.
bool swap_homophone(Person& p, Random& r) {
  const Vocabulary& v = vocabulary();
  struct Option {
    bool family;           // the surname, or
    std::size_t position;  // this character of the given name
  };
  std::vector<Option> options;
  if (p.family.size() == 3) {
    const std::string_view other = Vocabulary::homophone_of(v.surname_homophones, to_pinyin_name(p.family, ""),
                                                            p.family, nullptr);
    if (!other.empty()) options.push_back({true, 0});
  }
  const std::vector<std::string_view> given = characters(p.given);
  for (std::size_t k = 0; k < given.size(); ++k) {
    if (!Vocabulary::homophone_of(v.given_homophones, to_pinyin(given[k]), given[k], nullptr).empty()) {
      options.push_back({false, k});
    }
  }
  if (options.empty()) return false;
  const Option& o = options[r.below(options.size())];
  if (o.family) {
    p.family = std::string(Vocabulary::homophone_of(v.surname_homophones, to_pinyin_name(p.family, ""), p.family, &r));
  } else {
    std::string out;
    for (std::size_t k = 0; k < given.size(); ++k) {
      out += k == o.position ? Vocabulary::homophone_of(v.given_homophones, to_pinyin(given[k]), given[k], &r)
                             : given[k];
    }
    p.given = out;
  }
  return true;
}

bool applicable(Corruption c, const Person& p) {
  switch (c) {
    case Corruption::kHomophone: {
      Person copy = p;
      Random probe(0);
      return swap_homophone(copy, probe);
    }
    case Corruption::kTraditional:
      return to_traditional(p.family) != p.family || to_traditional(p.given) != p.given;
    case Corruption::kDayMonthSwapped: return p.day <= 12 && p.day != p.month;
    default: return true;
  }
}

}  // namespace

std::string_view corruption_name(Corruption c) {
  switch (c) {
    case Corruption::kHomophone: return "homophone";
    case Corruption::kTraditional: return "traditional";
    case Corruption::kPinyinName: return "pinyin-name";
    case Corruption::kDayMonthSwapped: return "day-month-swapped";
    case Corruption::kNationalIdMissing: return "national-id-missing";
    case Corruption::kNationalIdDigitWrong: return "national-id-digit-wrong";
    case Corruption::kPhoneChanged: return "phone-changed";
    case Corruption::kPhoneReformatted: return "phone-reformatted";
    case Corruption::kAddressMoved: return "address-moved";
  }
  return "unknown";
}

std::string corruption_names(std::uint32_t corruptions) {
  std::string out;
  for (std::uint32_t k = 0; k < kCorruptionKinds; ++k) {
    if ((corruptions & (1u << k)) == 0) continue;
    if (!out.empty()) out += '+';
    out += corruption_name(static_cast<Corruption>(1u << k));
  }
  return out;
}

std::string site_mrn_system(std::string_view site) { return "urn:medgw:synthetic:" + std::string(site) + ":mrn"; }

PopulationGenerator::PopulationGenerator(PopulationOptions options) : options_(options) {
  if (options_.sites < 1 || options_.sites > 26) throw std::invalid_argument("sites must be 1..26");
  if (options_.max_corruptions < 1) throw std::invalid_argument("max_corruptions must be at least 1");
  if (options_.shuffle_window < 1) options_.shuffle_window = 1;
  // Load the pools and OpenCC now: a missing data file is reported here, not at some record.
  (void)vocabulary();
  (void)to_traditional("");
}

SyntheticRecord PopulationGenerator::person(std::uint64_t index) const {
  const Person p = make_person(options_.seed, index, options_.sites);
  SyntheticRecord rec = record_of(p, index);
  rec.original = true;
  char id[16];
  std::snprintf(id, sizeof id, "B%09llu", static_cast<unsigned long long>(index));
  rec.record_id = id;
  rec.patient.identifier[0].value = rec.record_id;
  return rec;
}

SyntheticRecord PopulationGenerator::duplicate(std::uint64_t index, unsigned duplicate_index) const {
  Person p = make_person(options_.seed, index, options_.sites);
  Random r = Random::for_stream(options_.seed, index, 1 + duplicate_index);
  // Another hospital mostly; sometimes the same one registering the person again.
  if (options_.sites > 1 && r.chance(0.7)) {
    p.site = (p.site + 1 + static_cast<unsigned>(r.below(options_.sites - 1))) % options_.sites;
  }

  // How many corruptions: one in half the duplicates, more in fewer.
  unsigned wanted = 1;
  while (wanted < options_.max_corruptions && r.chance(0.4)) ++wanted;
  std::array<Corruption, kCorruptionKinds> order;
  for (std::uint32_t k = 0; k < kCorruptionKinds; ++k) order[k] = static_cast<Corruption>(1u << k);
  for (std::size_t k = order.size() - 1; k > 0; --k) std::swap(order[k], order[r.below(k + 1)]);  // Fisher-Yates

  std::uint32_t chosen = 0;
  unsigned count = 0;
  for (Corruption c : order) {
    if (count == wanted) break;
    if (!compatible(chosen, c) || !applicable(c, p)) continue;
    chosen |= static_cast<std::uint32_t>(c);
    ++count;
  }

  const auto has = [&](Corruption c) { return (chosen & static_cast<std::uint32_t>(c)) != 0; };
  if (has(Corruption::kHomophone)) swap_homophone(p, r);
  if (has(Corruption::kAddressMoved)) {
    p.home = &random_place(r);
    p.street = random_street(r);
  }
  std::string phone_text = p.phone;
  if (has(Corruption::kPhoneChanged)) {
    do phone_text = random_mobile(r);
    while (phone_text == p.phone);
  }
  if (has(Corruption::kPhoneReformatted)) phone_text = reformatted_phone(p.phone, r);
  const std::string national_id = p.national_id;
  if (has(Corruption::kDayMonthSwapped)) std::swap(p.day, p.month);

  SyntheticRecord rec = record_of(p, index);
  rec.corruptions = chosen;
  model::Patient& pt = rec.patient;
  pt.telecom[0].value = phone_text;
  pt.identifier[1].value = national_id;  // the ID keeps the true birth date
  if (has(Corruption::kNationalIdMissing)) pt.identifier.pop_back();
  if (has(Corruption::kNationalIdDigitWrong)) {
    std::string& id = pt.identifier[1].value;
    const std::size_t pos = r.below(id.size());
    static constexpr std::string_view kCheckChars = "0123456789X";
    char replacement = id[pos];
    while (replacement == id[pos]) {
      replacement = pos == 17 ? kCheckChars[r.below(kCheckChars.size())] : static_cast<char>('0' + r.below(10));
    }
    id[pos] = replacement;
  }
  model::HumanName& name = pt.name[0];
  if (has(Corruption::kTraditional)) {
    name.family = to_traditional(p.family);
    name.given[0] = to_traditional(p.given);
    name.text = name.family + name.given[0];
  }
  if (has(Corruption::kPinyinName)) {
    std::string family = capitalised(without_spaces(to_pinyin_name(p.family, "")));
    std::string given = capitalised(without_spaces(to_pinyin(p.given)));
    switch (r.below(3)) {
      case 0: break;  // "Zhang" "Xiaoming", as passports write it
      case 1:         // upper case, as many HIS screens store it
        for (std::string* s : {&family, &given}) {
          for (char& c : *s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 0x20) : c;
        }
        break;
      default: {  // syllables of the given name apart: "Xiao Ming"
        std::string spaced;
        for (const std::string_view syllable : characters(p.given)) {
          if (!spaced.empty()) spaced += ' ';
          spaced += capitalised(to_pinyin(syllable));
        }
        given = spaced;
      }
    }
    name.family = family;
    name.given[0] = given;
    name.text = family + " " + given;
  }
  return rec;
}

SyntheticRecord PopulationGenerator::finish(SyntheticRecord r) {
  char id[16];
  std::snprintf(id, sizeof id, "R%09llu", static_cast<unsigned long long>(next_record_++));
  r.record_id = id;
  r.patient.identifier[0].value = r.record_id;  // the site's MRN: opaque, says nothing of the truth
  return r;
}

std::optional<SyntheticRecord> PopulationGenerator::next() {
  if (!pending_.empty() && pending_.top().due <= next_person_) {
    const Pending p = pending_.top();
    pending_.pop();
    return finish(duplicate(p.person, p.duplicate));
  }
  if (next_person_ < options_.people) {
    const std::uint64_t index = next_person_++;
    Random r = Random::for_stream(options_.seed, index, kScheduleStream);
    if (options_.max_duplicates > 0 && r.chance(options_.duplicate_rate)) {
      unsigned n = 1;
      while (n < options_.max_duplicates && r.chance(0.3)) ++n;
      for (unsigned k = 0; k < n; ++k) {
        pending_.push({index + 1 + r.below(options_.shuffle_window), sequence_++, index, k});
      }
    }
    SyntheticRecord rec = record_of(make_person(options_.seed, index, options_.sites), index);
    rec.original = true;
    return finish(std::move(rec));
  }
  if (pending_.empty()) return std::nullopt;
  const Pending p = pending_.top();
  pending_.pop();
  return finish(duplicate(p.person, p.duplicate));
}

}  // namespace medgw::mpi::synth
