#include "mappings/mpi/normalise.hpp"

#include <chrono>
#include <cstdio>

namespace medgw::mpi {
namespace {

// One step of UTF-8 decoding: the code point and its length, or cp = -1 (length 1) for a byte that
// does not start a valid sequence. Overlong forms and surrogates are invalid.
struct Step {
  long cp;
  std::size_t len;
};

Step decode(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return {c, 1};
  std::size_t len = 0;
  long cp = 0;
  long min = 0;
  if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
  else return {-1, 1};
  if (i + len > s.size()) return {-1, 1};
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) return {-1, 1};
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {-1, 1};
  return {cp, len};
}

void append_utf8(std::string& out, long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_cjk(long cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF) || cp == 0x3007;
}

bool is_space(long cp) { return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0 || cp == 0x3000; }

bool is_punctuation(long cp) {
  if (cp < 0x80) {
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);
  }
  return cp == 0xB7 || cp == 0x30FB || cp == 0x2027 || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2018 ||
         cp == 0x2019 || cp == 0xFF65;
}

// Simple case folding of ASCII and Latin-1 (U+00D7 '×' and U+00F7 '÷' are not letters).
// 'ß' folds to "ss" (full folding), handled by the caller.
long fold(long cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp == 0xB5) return 0x3BC;  // micro sign -> Greek small mu, as Unicode CaseFolding.txt says
  return cp;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_len digits at `i`; -1 when there is none.
int read_number(std::string_view s, std::size_t& i, std::size_t max_len) {
  std::size_t start = i;
  int n = 0;
  while (i < s.size() && digit(s[i]) && i - start < max_len) n = n * 10 + (s[i++] - '0');
  return i == start ? -1 : n;
}

// Consumes one date separator at `i`: '-', '/', '.', or 年/月 (the caller says which CJK one).
bool read_separator(std::string_view s, std::size_t& i, std::string_view cjk) {
  if (i < s.size() && (s[i] == '-' || s[i] == '/' || s[i] == '.')) return ++i, true;
  if (s.substr(i, cjk.size()) == cjk) return i += cjk.size(), true;
  return false;
}

std::string format_date(int y, int m, int d) {
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  // Before 1800 is a typing error or a placeholder, not a birth date anyone can match on.
  if (!ymd.ok() || y < 1800) return {};
  char buf[40];  // room for any int, though callers pass 4/2/2 digits
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

}  // namespace

std::string normalise_name_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  bool last_cjk = false;
  for (std::size_t i = 0; i < text.size();) {
    const Step st = decode(text, i);
    if (st.cp < 0) {  // not UTF-8: copy the byte, so two different inputs never collapse into one
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += text[i];
      last_cjk = false;
      i += 1;
      continue;
    }
    i += st.len;
    long cp = st.cp;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (is_space(cp)) {
      pending_space = true;
      continue;
    }
    if (is_punctuation(cp)) continue;
    const bool cjk = is_cjk(cp);
    if (pending_space && !out.empty() && !(cjk && last_cjk)) out += ' ';
    pending_space = false;
    last_cjk = cjk;
    if (cp == 0xDF) {
      out += "ss";
    } else {
      append_utf8(out, fold(cp));
    }
  }
  return out;
}

std::string normalise_name(const model::HumanName& name) {
  std::string joined = name.family;
  for (const auto& g : name.given) joined += ' ' + g;
  std::string n = normalise_name_text(joined);
  if (n.empty()) n = normalise_name_text(name.text);
  return n;
}

const model::HumanName* matching_name(const model::Patient& patient) {
  for (const auto& n : patient.name) {
    if (n.use == "official") return &n;
  }
  for (const auto& n : patient.name) {
    if (n.use == "usual" || n.use.empty()) return &n;
  }
  for (const auto& n : patient.name) {
    if (n.use != "old" && n.use != "maiden" && n.use != "nickname" && n.use != "anonymous") return &n;
  }
  return nullptr;
}

std::string normalise_patient_name(const model::Patient& patient) {
  const model::HumanName* chosen = matching_name(patient);
  return chosen ? normalise_name(*chosen) : std::string();
}

std::string normalise_birth_date(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.size() < 8) return {};
  // HL7 DTM: YYYYMMDD followed by nothing or by the time and zone.
  bool eight_digits = true;
  for (std::size_t k = 0; k < 8; ++k) eight_digits = eight_digits && digit(s[k]);
  if (eight_digits) {
    if (s.size() > 8 && !digit(s[8])) return {};
    const auto n = [&](std::size_t pos, std::size_t len) {
      int v = 0;
      for (std::size_t k = pos; k < pos + len; ++k) v = v * 10 + (s[k] - '0');
      return v;
    };
    return format_date(n(0, 4), n(4, 2), n(6, 2));
  }
  // YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYY年M月D日, optionally followed by a time.
  std::size_t i = 0;
  if (read_number(s, i, 4) < 0 || i != 4) return {};
  const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  if (!read_separator(s, i, "年")) return {};
  const int m = read_number(s, i, 2);
  if (m < 0 || !read_separator(s, i, "月")) return {};
  const int d = read_number(s, i, 2);
  if (d < 0) return {};
  if (s.substr(i, 3) == "日") i += 3;
  if (i < s.size() && s[i] != 'T' && s[i] != ' ') return {};
  return format_date(y, m, d);
}

std::string normalise_gender(std::string_view text) {
  const std::string_view t = trim(text);
  std::string lower;
  for (char c : t) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 0x20) : c;
  if (lower == "m" || lower == "male" || lower == "1" || lower == "男" || lower == "男性") return "male";
  if (lower == "f" || lower == "female" || lower == "2" || lower == "女" || lower == "女性") return "female";
  // HL7 0001 A (ambiguous), N (not applicable) and O (other) map to FHIR "other", as the
  // v2-to-FHIR IG's AdministrativeSex concept map does.
  if (lower == "o" || lower == "other" || lower == "a" || lower == "n") return "other";
  return "unknown";
}

std::string demographic_key(const model::Patient& patient) {
  const std::string name = normalise_patient_name(patient);
  const std::string birth = normalise_birth_date(patient.birth_date);
  const std::string gender = normalise_gender(patient.gender);
  if (name.empty() || birth.empty() || gender == "unknown") return {};
  return name + '|' + birth + '|' + gender;
}

}  // namespace medgw::mpi
