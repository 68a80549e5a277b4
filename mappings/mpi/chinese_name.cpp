#include "mappings/mpi/chinese_name.hpp"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "mappings/mpi/pinyin_table.hpp"
#include "mappings/mpi/traditional_folder.hpp"
#include "mappings/mpi/utf8.hpp"

namespace medgw::mpi {
namespace {

// Names longer than this are not personal names (a department, a note typed into the name field).
constexpr std::size_t kMaxHanNameChars = 8;

// Compound surnames (复姓), simplified. The common ones first; the list follows the Hundred
// Family Surnames (百家姓) and the census's most frequent two-character surnames.
constexpr std::string_view kCompoundSurnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "令狐", "夏侯",
    "司徒", "司空", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "百里", "东郭", "闻人", "万俟", "澹台",
    "公冶", "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "钟离", "赫连", "拓跋", "梁丘", "左丘", "东门",
    "第五", "谷梁", "羊舌", "微生", "公羊", "亓官", "司寇", "巫马", "鲜于", "闾丘", "公良", "段干", "乐正",
    "漆雕", "壤驷", "仲孙", "叔孙", "颛孙", "子车", "公西", "南门", "归海", "呼衍",
};

// Surnames read differently from the character's usual reading (Unihan's kMandarin), simplified.
// Toneless, so only readings whose letters differ matter (华 hua as a surname is still "hua").
constexpr std::pair<std::string_view, std::string_view> kSurnameReadings[] = {
    {"万俟", "mo qi"}, {"尉迟", "yu chi"}, {"单于", "chan yu"}, {"长孙", "zhang sun"}, {"澹台", "tan tai"},
    {"乐正", "yue zheng"}, {"单", "shan"}, {"曾", "zeng"}, {"解", "xie"}, {"区", "ou"}, {"仇", "qiu"},
    {"朴", "piao"}, {"查", "zha"}, {"盖", "ge"}, {"缪", "miao"}, {"覃", "qin"}, {"翟", "zhai"},
    {"乐", "yue"}, {"秘", "bi"}, {"种", "chong"}, {"员", "yun"}, {"句", "gou"}, {"召", "shao"},
    {"繁", "po"}, {"祭", "zhai"}, {"折", "she"}, {"能", "nai"}, {"长", "chang"},
    {"重", "chong"}, {"蕃", "pi"}, {"隗", "wei"},
};

bool is_separator(long cp) {
  return utf8::is_space(cp) || cp == 0xB7 || cp == 0x30FB || cp == 0x2027 || cp == 0xFF65;
}

long lower(long cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  if (cp >= 'A' && cp <= 'Z') cp += 0x20;
  return cp;
}

// Appends the pinyin tokens of already-simplified text to `out` (space-separated with what `out`
// already holds).
void append_pinyin(std::string& out, std::string_view text) {
  bool in_word = false;  // inside a run of non-Han, non-separator text
  const auto start_token = [&] {
    if (!out.empty() && out.back() != ' ') out += ' ';
  };
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    const std::string_view raw = text.substr(i, st.len);
    i += st.len;
    if (st.cp < 0) {  // not UTF-8: keep the byte, as part of the current word
      if (!in_word) start_token();
      out += raw;
      in_word = true;
    } else if (is_separator(st.cp)) {
      in_word = false;
    } else if (utf8::is_han(st.cp)) {
      start_token();
      const std::string_view syllable = han_pinyin(static_cast<char32_t>(st.cp));
      out += syllable.empty() ? raw : syllable;
      in_word = false;
    } else {
      if (!in_word) start_token();
      utf8::append(out, lower(st.cp));
      in_word = true;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
}

// The text without whitespace, or nullopt when it holds anything but 1..kMaxHanNameChars Han
// characters.
std::optional<std::string> han_only(std::string_view text) {
  std::string out;
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if (utf8::is_han(st.cp)) {
      out += text.substr(i, st.len);
      ++count;
    } else if (!utf8::is_space(st.cp)) {
      return std::nullopt;
    }
    i += st.len;
  }
  if (count == 0 || count > kMaxHanNameChars) return std::nullopt;
  return out;
}

std::size_t first_chars_bytes(std::string_view s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < n && i < s.size(); ++k) i += utf8::decode(s, i).len;
  return i;
}

std::size_t char_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += utf8::decode(s, i).len;
  return n;
}

// Equality of short texts, the last byte first: it differs between most characters, which saves a
// memcmp call per table entry (these tables are scanned on every name compared).
bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && a.back() == b.back() && a == b;
}

// The one-character surnames of kSurnameReadings by code point, sorted: most family names are one
// character, and this look-up runs for every name compared.
struct SingleReading {
  long cp;
  std::string_view reading;
};

const std::vector<SingleReading>& single_readings() {
  static const std::vector<SingleReading> table = [] {
    std::vector<SingleReading> t;
    for (const auto& [surname, reading] : kSurnameReadings) {
      const utf8::Step st = utf8::decode(surname, 0);
      if (st.len == surname.size()) t.push_back({st.cp, reading});
    }
    std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.cp < b.cp; });
    return t;
  }();
  return table;
}

std::string_view surname_reading(std::string_view simplified_family) {
  if (simplified_family.empty()) return {};
  const utf8::Step first = utf8::decode(simplified_family, 0);
  if (first.len == simplified_family.size()) {
    const auto& t = single_readings();
    const auto it = std::lower_bound(t.begin(), t.end(), first.cp, [](const auto& e, long cp) { return e.cp < cp; });
    return it != t.end() && it->cp == first.cp ? it->reading : std::string_view();
  }
  for (const auto& [surname, reading] : kSurnameReadings) {
    if (same(surname, simplified_family)) return reading;
  }
  return {};
}

bool is_compound_surname(std::string_view simplified) {
  for (std::string_view c : kCompoundSurnames) {
    if (same(c, simplified)) return true;
  }
  return false;
}

}  // namespace

std::string fold_to_simplified(std::string_view utf8) { return default_traditional_folder().fold(utf8); }

std::string to_pinyin(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  const TraditionalFolder& folder = default_traditional_folder();
  if (folder.may_change(text)) {
    append_pinyin(out, folder.fold(text));
  } else {
    append_pinyin(out, text);  // most names: no copy of the folded text
  }
  return out;
}

std::string to_pinyin_name(std::string_view family, std::string_view given) {
  std::string out;
  out.reserve((family.size() + given.size()) * 2);
  const std::string simplified = fold_to_simplified(family);
  const std::optional<std::string> han = han_only(simplified);
  std::string_view reading;
  std::string_view rest = simplified;  // what is read with the usual readings
  if (han) {
    const std::string_view name = *han;
    reading = surname_reading(name);
    rest = {};
    if (reading.empty()) {
      // A family field holding a compound surname and more (a married woman's 尉迟王): the
      // compound's reading, then the rest as usual.
      const std::size_t two = first_chars_bytes(name, 2);
      reading = surname_reading(name.substr(0, two));
      rest = reading.empty() ? name : name.substr(two);
    }
  }
  out += reading;
  append_pinyin(out, rest);
  const TraditionalFolder& folder = default_traditional_folder();
  if (folder.may_change(given)) {
    append_pinyin(out, folder.fold(given));
  } else {
    append_pinyin(out, given);
  }
  return out;
}

std::optional<ChineseName> split_chinese_name(std::string_view full) {
  std::optional<std::string> han = han_only(full);
  if (!han) return std::nullopt;
  const std::string& name = *han;
  std::size_t family_chars = 1;
  if (char_count(name) >= 3) {
    const std::string folded = fold_to_simplified(name.substr(0, first_chars_bytes(name, 2)));
    if (is_compound_surname(folded)) family_chars = 2;
  }
  const std::size_t cut = first_chars_bytes(name, family_chars);
  return ChineseName{name.substr(0, cut), name.substr(cut)};
}

bool is_han_name(std::string_view text) { return han_only(text).has_value(); }

}  // namespace medgw::mpi
