#include "mappings/mpi/match_features.hpp"

#include <algorithm>
#include <cctype>

#include "mappings/mpi/chinese_name.hpp"
#include "mappings/mpi/identity.hpp"
#include "mappings/mpi/normalise.hpp"
#include "mappings/mpi/phone.hpp"
#include "mappings/mpi/utf8.hpp"

namespace medgw::mpi {
namespace {

constexpr std::array<std::string_view, kMatchFieldCount> kNames{
    "given", "family", "birth_date", "gender", "phone", "postcode", "street", "locality", "id_number"};
constexpr char kSeparator = '\x1f';

bool has_type(const model::Identifier& id, std::string_view code) {
  for (const auto& c : id.type.coding) {
    if (c.code == code) return true;
  }
  return false;
}

std::string digits_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

// The number in E.164 without its "+" ("8613800138000"), however it was typed (phone.hpp); a
// number normalise_phone does not know (another country's local form) as its digits, without a
// leading 00, so two records typing it alike still agree.
std::string phone_of(const model::Patient& p) {
  for (const auto& t : p.telecom) {
    if ((t.system == "phone" || t.system == "sms" || t.system.empty()) && t.use != "old") {
      std::string e164 = normalise_phone(t.value);
      if (!e164.empty()) return e164.substr(1);
      std::string d = digits_of(t.value);
      if (d.rfind("00", 0) == 0) d.erase(0, 2);
      if (!d.empty()) return d;
    }
  }
  return {};
}

bool has_han(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const utf8::Step st = utf8::decode(s, i);
    if (st.cp >= 0 && utf8::is_han(st.cp)) return true;
    i += st.cp < 0 ? 1 : st.len;
  }
  return false;
}

// A name part as compared: normalised, and Han text folded to simplified (張偉 and 张伟 agree).
std::string name_value(std::string_view text) {
  std::string n = normalise_name_text(text);
  if (has_han(n)) n = fold_to_simplified(n);
  return n;
}

// What blocking keys take a name's prefix from: its pinyin reading without spaces when it has Han
// characters, so 张伟, 章伟 and "zhang wei" share keys.
std::string key_text(const std::string& name) {
  if (!has_han(name)) return name;
  std::string r = to_pinyin(name);
  std::erase(r, ' ');
  return r;
}

const model::Address* address_of(const model::Patient& p) {
  const model::Address* fallback = nullptr;
  for (const auto& a : p.address) {
    if (a.use == "old") continue;
    if (a.use == "home") return &a;
    if (fallback == nullptr) fallback = &a;
  }
  return fallback;
}

std::string postcode_of(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string id_number_of(const model::Patient& p) {
  for (const auto& id : p.identifier) {
    if (id.value.empty() || id.use == "old") continue;
    if (is_national_id(id) || has_type(id, "SS") || has_type(id, "SB")) {
      std::string v;
      for (char c : id.value) {
        if (c == ' ' || c == '-') continue;
        v += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return v;
    }
  }
  return {};
}

// The first `n` code points of a UTF-8 string.
std::string prefix(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  while (i < s.size() && n > 0) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    --n;
  }
  return std::string(s.substr(0, i));
}

}  // namespace

std::string_view to_string(MatchField field) { return kNames[static_cast<std::size_t>(field)]; }

std::optional<MatchField> parse_match_field(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<MatchField>(i);
  }
  return std::nullopt;
}

MatchFeatures match_features(const model::Patient& patient) {
  MatchFeatures f;
  if (const model::HumanName* name = matching_name(patient)) {
    f[MatchField::kFamily] = name_value(name->family);
    if (!name->given.empty()) f[MatchField::kGiven] = name_value(name->given.front());
    if (f[MatchField::kFamily].empty() && f[MatchField::kGiven].empty()) {
      f[MatchField::kFamily] = name_value(name->text);
    }
    // A Chinese full name sent in one part (XPN-1 "张伟", or only the text): surname and given
    // name split as a registration desk writes them (compound surnames kept whole), so it meets
    // a record that sent the two parts.
    if (f[MatchField::kGiven].empty() && is_han_name(f[MatchField::kFamily])) {
      if (auto split = split_chinese_name(f[MatchField::kFamily]); split && !split->given.empty()) {
        f[MatchField::kFamily] = split->family;
        f[MatchField::kGiven] = split->given;
      }
    }
  }
  f[MatchField::kBirthDate] = normalise_birth_date(patient.birth_date);
  const std::string gender = normalise_gender(patient.gender);
  if (gender != "unknown") f[MatchField::kGender] = gender;
  f[MatchField::kPhone] = phone_of(patient);
  if (const model::Address* a = address_of(patient)) {
    f[MatchField::kPostcode] = postcode_of(a->postal_code);
    std::string street;
    for (const auto& line : a->line) {
      if (!street.empty()) street += ' ';
      street += line;
    }
    f[MatchField::kStreet] = normalise_name_text(street);
    f[MatchField::kLocality] = normalise_name_text(a->city.empty() ? a->district : a->city);
  }
  f[MatchField::kIdNumber] = id_number_of(patient);
  return f;
}

std::string encode_match_features(const MatchFeatures& features) {
  std::string out;
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) {
    if (i > 0) out += kSeparator;
    for (char c : features.values[i]) {
      if (c != kSeparator) out += c;
    }
  }
  return out;
}

MatchFeatures decode_match_features(std::string_view encoded) {
  MatchFeatures f;
  std::size_t field = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= encoded.size() && field < kMatchFieldCount; ++i) {
    if (i == encoded.size() || encoded[i] == kSeparator) {
      f.values[field++] = std::string(encoded.substr(start, i - start));
      start = i + 1;
    }
  }
  return f;
}

std::vector<std::string> blocking_keys(const MatchFeatures& f) {
  std::vector<std::string> keys;
  const std::string given = key_text(f[MatchField::kGiven]);
  const std::string family = key_text(f[MatchField::kFamily]);
  const std::string& dob = f[MatchField::kBirthDate];
  const std::string& postcode = f[MatchField::kPostcode];
  // Name prefixes are tagged "name" whichever field they come from, so a given/family swap keeps
  // the key.
  if (dob.size() == 10) {
    std::string mm = dob.substr(5, 2), dd = dob.substr(8, 2);
    if (dd < mm) std::swap(mm, dd);
    const std::string date = dob.substr(0, 4) + mm + dd;
    if (!family.empty()) keys.push_back("dob+name:" + date + "|" + prefix(family, 2));
    if (!given.empty()) keys.push_back("dob+name:" + date + "|" + prefix(given, 2));
    if (!postcode.empty()) keys.push_back("dob+postcode:" + date + "|" + postcode);
  }
  if (!postcode.empty()) {
    if (!family.empty()) keys.push_back("postcode+name:" + postcode + "|" + prefix(family, 3));
    if (!given.empty()) keys.push_back("postcode+name:" + postcode + "|" + prefix(given, 3));
  }
  if (!given.empty() && !family.empty()) {
    std::string a = prefix(given, 3), b = prefix(family, 3);
    if (b < a) std::swap(a, b);
    if (dob.size() == 10) keys.push_back("names+year:" + a + "|" + b + "|" + dob.substr(0, 4));
    keys.push_back("names:" + a + "|" + b);
  }
  if (!f[MatchField::kPhone].empty()) keys.push_back("phone:" + f[MatchField::kPhone]);
  if (!f[MatchField::kIdNumber].empty()) keys.push_back("id:" + f[MatchField::kIdNumber]);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace medgw::mpi
