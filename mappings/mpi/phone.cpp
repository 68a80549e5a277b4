#include "mappings/mpi/phone.hpp"

#include <array>
#include <optional>
#include <vector>

#include "mappings/mpi/utf8.hpp"

namespace medgw::mpi {
namespace {

// E.164 caps a number, country code included, at 15 digits.
constexpr std::size_t kMaxE164Digits = 15;

// What was typed: an optional leading '+', and the digit groups between separators.
struct Typed {
  bool plus = false;
  std::vector<std::string> groups;
  bool last_group_after_dash = false;  // "010-12345678-123": maybe an extension
};

bool is_separator(long cp) {
  return utf8::is_space(cp) || cp == '-' || cp == '.' || cp == '(' || cp == ')' || (cp >= 0x2010 && cp <= 0x2015) ||
         cp == 0x2212 || cp == 0xFF08 || cp == 0xFF09 || cp == 0xFF0D || cp == 0xFF0E;
}

bool ascii_iequal_prefix(std::string_view s, std::size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 0x20);
    if (c != word[k]) return false;
  }
  return true;
}

// The text up to an extension marker: "转" / "分机" (Chinese "extension"), "ext", "x", "#".
std::string_view without_extension(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' || ascii_iequal_prefix(s, i, "ext") || ascii_iequal_prefix(s, i, "x") ||
        s.substr(i, 3) == "转" || s.substr(i, 6) == "分机") {
      return s.substr(0, i);
    }
  }
  return s;
}

std::optional<Typed> read_typed(std::string_view text) {
  Typed t;
  bool in_group = false;
  bool dash = false;  // a dash since the last digit
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    i += st.len;
    long cp = st.cp;
    if (cp >= 0xFF10 && cp <= 0xFF19) cp = '0' + (cp - 0xFF10);  // full-width digits
    if (cp >= '0' && cp <= '9') {
      if (!in_group) {
        t.groups.emplace_back();
        t.last_group_after_dash = dash;
      }
      t.groups.back() += static_cast<char>(cp);
      in_group = true;
      dash = false;
    } else if (cp == '+' || cp == 0xFF0B) {
      if (t.plus || !t.groups.empty()) return std::nullopt;  // a '+' only leads
      t.plus = true;
    } else if (is_separator(cp)) {
      in_group = false;
      dash = dash || cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFF0D;
    } else {
      return std::nullopt;  // letters, '/', ',': not one phone number
    }
  }
  if (t.groups.empty()) return std::nullopt;
  return t;
}

bool digit_in(char c, char lo, char hi) { return c >= lo && c <= hi; }

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!digit_in(c, '0', '9')) return false;
  }
  return true;
}

// Mainland China's national significant number (without the trunk 0).
bool valid_cn(std::string_view n) {
  if (n.size() < 10 || n.size() > 11 || !all_digits(n)) return false;
  const char a = n[0], b = n[1], c = n[2];
  if (a == '1' && b == '0') return n.size() == 10 && digit_in(c, '2', '9');  // Beijing, area code 10
  if (a == '1') {
    // Mobile blocks (as libphonenumber 8.12.57 has them): 13x, 145, 147, 15x but 154, 162, 165-167,
    // 170-173, 1740 (satellite), 175-178, 18x, 19x but 194.
    if (n.size() != 11) return false;
    switch (b) {
      case '3': case '8': return true;
      case '4': return c == '5' || c == '7';
      case '5': case '9': return c != '4';
      case '6': return c == '2' || c == '5' || c == '6' || c == '7';
      case '7': return c == '4' ? n[3] == '0' : digit_in(c, '0', '8');
      default: return false;
    }
  }
  if (n.size() == 10 && (n.substr(0, 3) == "400" || n.substr(0, 3) == "800")) return true;  // service numbers
  if (a == '2') return n.size() == 10 && b != '6' && digit_in(c, '2', '9');  // area codes 20-29 but 26
  if (digit_in(a, '3', '9')) {
    // A 3-digit area code, then a 7- or 8-digit subscriber number. 40x and 80x are the service
    // ranges above, and 86x is unassigned (and would be confused with the country code).
    if ((b == '0' && (a == '4' || a == '8')) || (a == '8' && b == '6')) return false;
    return digit_in(n[3], '2', '9');
  }
  return false;
}

bool valid_hk(std::string_view n) { return n.size() == 8 && all_digits(n) && digit_in(n[0], '2', '9'); }
bool valid_mo(std::string_view n) {
  return n.size() == 8 && all_digits(n) && (n[0] == '2' || n[0] == '6' || n[0] == '8');
}
bool valid_tw(std::string_view n) {
  if (!all_digits(n)) return false;
  if (n[0] == '9') return n.size() == 9;  // mobiles
  return digit_in(n[0], '2', '8') && n.size() >= 8 && n.size() <= 9;
}
bool valid_nanp(std::string_view n) {  // +1: the US, Canada and the Caribbean
  return n.size() == 10 && all_digits(n) && digit_in(n[0], '2', '9') && digit_in(n[3], '2', '9');
}

// The national number with a written trunk 0 dropped, when the region's plan has one.
std::string_view drop_trunk(std::string_view n) { return !n.empty() && n[0] == '0' ? n.substr(1) : n; }

std::string e164(std::string_view cc, std::string_view national) {
  std::string out = "+";
  out += cc;
  out += national;
  return out;
}

// Country calling codes (ITU-T E.164 assignments, as of 2023). The codes are prefix-free, so at
// most one of these is a prefix of a number.
constexpr std::array<std::string_view, 2> kOneDigitCodes = {"1", "7"};
constexpr std::array<std::string_view, 44> kTwoDigitCodes = {
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
// Three-digit codes begin with one of these pairs (the pairs not taken by a two-digit code).
constexpr std::array<std::string_view, 23> kThreeDigitLeads = {"21", "22", "23", "24", "25", "26", "29", "35",
                                                               "37", "38", "42", "50", "59", "67", "68", "69",
                                                               "80", "85", "87", "88", "96", "97", "99"};

std::string_view country_code_of(std::string_view d) {
  if (d.empty()) return {};
  for (std::string_view c : kOneDigitCodes) {
    if (d.substr(0, 1) == c) return c;
  }
  for (std::string_view c : kTwoDigitCodes) {
    if (d.substr(0, 2) == c) return c;
  }
  for (std::string_view lead : kThreeDigitLeads) {
    if (d.substr(0, 2) == lead && d.size() >= 3) return d.substr(0, 3);
  }
  return {};
}

// Digits after "+" or "00".
std::string international(std::string_view d) {
  const std::string_view cc = country_code_of(d);
  if (cc.empty() || d.size() > kMaxE164Digits) return {};
  // "+86 (0)10 ..." and "+886 0912 ...": the trunk 0 is sometimes written after the country code.
  const std::string_view n = d.substr(cc.size());
  if (cc == "86") return valid_cn(drop_trunk(n)) ? e164(cc, drop_trunk(n)) : std::string();
  if (cc == "852") return valid_hk(n) ? e164(cc, n) : std::string();
  if (cc == "853") return valid_mo(n) ? e164(cc, n) : std::string();
  if (cc == "886") return !n.empty() && valid_tw(drop_trunk(n)) ? e164(cc, drop_trunk(n)) : std::string();
  if (cc == "1") return valid_nanp(n) ? e164(cc, n) : std::string();
  // Elsewhere only the shape is known: a national number of at least 4 digits.
  return n.size() >= 4 ? e164(cc, n) : std::string();
}

std::string national(std::string_view region, std::string_view d) {
  if (region == "CN") {
    if (valid_cn(drop_trunk(d))) return e164("86", drop_trunk(d));
    // The country code typed without its '+' ("86 138 0013 8000").
    if (d.substr(0, 2) == "86" && valid_cn(drop_trunk(d.substr(2)))) return e164("86", drop_trunk(d.substr(2)));
    return {};
  }
  if (region == "HK") return valid_hk(d) ? e164("852", d) : std::string();
  if (region == "MO") return valid_mo(d) ? e164("853", d) : std::string();
  if (region == "TW") return !d.empty() && valid_tw(drop_trunk(d)) ? e164("886", drop_trunk(d)) : std::string();
  return {};
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 0x20);
  }
  return out;
}

std::string from_digits(bool plus, std::string_view d, std::string_view region) {
  if (plus) return international(d);
  if (d.substr(0, 2) == "00") return international(d.substr(2));  // the international prefix
  return national(region, d);
}

}  // namespace

std::string normalise_phone(std::string_view text, std::string_view default_region) {
  const std::optional<Typed> typed = read_typed(without_extension(text));
  if (!typed) return {};
  const std::string region = upper(default_region);
  std::string digits;
  for (const auto& g : typed->groups) digits += g;
  std::string out = from_digits(typed->plus, digits, region);
  // "010-12345678-123": a last dash group of 1-5 digits after a complete number is an extension.
  if (out.empty() && typed->groups.size() >= 2 && typed->last_group_after_dash && typed->groups.back().size() <= 5) {
    digits.resize(digits.size() - typed->groups.back().size());
    out = from_digits(typed->plus, digits, region);
  }
  return out;
}

}  // namespace medgw::mpi
