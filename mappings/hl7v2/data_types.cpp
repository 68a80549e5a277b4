#include "mappings/hl7v2/data_types.hpp"

namespace medgw::hl7v2 {

HD read_hd(const Repetition& r) {
  return {r.component(1).value(), r.component(2).value(), r.component(3).value()};
}

HD read_hd_subcomponents(const Component& c) { return {c.subvalue(1), c.subvalue(2), c.subvalue(3)}; }

CX read_cx(const Repetition& r) {
  CX cx;
  cx.id = r.component(1).value();
  cx.check_digit = r.component(2).value();
  cx.check_digit_scheme = r.component(3).value();
  cx.assigning_authority = read_hd_subcomponents(r.component(4));
  cx.identifier_type_code = r.component(5).value();
  cx.assigning_facility = read_hd_subcomponents(r.component(6));
  cx.effective_date = r.component(7).value();
  cx.expiration_date = r.component(8).value();
  return cx;
}

XPN read_xpn(const Repetition& r) {
  XPN n;
  n.family = r.component(1).subvalue(1);
  n.given = r.component(2).value();
  n.middle = r.component(3).value();
  n.suffix = r.component(4).value();
  n.prefix = r.component(5).value();
  n.degree = r.component(6).value();
  n.name_type_code = r.component(7).value();
  return n;
}

XAD read_xad(const Repetition& r) {
  XAD a;
  a.street = r.component(1).subvalue(1);
  a.other_designation = r.component(2).value();
  a.city = r.component(3).value();
  a.state = r.component(4).value();
  a.postal_code = r.component(5).value();
  a.country = r.component(6).value();
  a.address_type = r.component(7).value();
  a.other_geographic = r.component(8).value();
  a.county = r.component(9).value();
  return a;
}

XTN read_xtn(const Repetition& r) {
  XTN t;
  t.unformatted = r.component(1).value();
  t.use_code = r.component(2).value();
  t.equipment_type = r.component(3).value();
  t.email = r.component(4).value();
  t.country_code = r.component(5).value();
  t.area_code = r.component(6).value();
  t.local_number = r.component(7).value();
  t.extension = r.component(8).value();
  t.any_text = r.component(9).value();
  return t;
}

std::string XTN::number() const {
  if (!unformatted.empty()) return unformatted;
  std::string s;
  if (!country_code.empty()) s += "+" + country_code + " ";
  if (!area_code.empty()) s += "(" + area_code + ") ";
  s += local_number;
  if (!extension.empty()) s += " ext " + extension;
  return s;
}

CWE read_cwe(const Repetition& r) {
  CWE c;
  c.identifier = r.component(1).value();
  c.text = r.component(2).value();
  c.coding_system = r.component(3).value();
  c.alt_identifier = r.component(4).value();
  c.alt_text = r.component(5).value();
  c.alt_coding_system = r.component(6).value();
  c.coding_system_version = r.component(7).value();
  c.alt_coding_system_version = r.component(8).value();
  c.original_text = r.component(9).value();
  return c;
}

EI read_ei(const Repetition& r) {
  return {r.component(1).value(), r.component(2).value(), r.component(3).value(), r.component(4).value()};
}

Expected<DateTime, std::string> read_ts(const Repetition& r) { return parse_datetime(r.component(1).value()); }

ED read_ed(const Repetition& r) {
  ED e;
  e.source_application = read_hd_subcomponents(r.component(1));
  e.type_of_data = r.component(2).value();
  e.data_subtype = r.component(3).value();
  e.encoding = r.component(4).value();
  e.data = r.component(5).value();
  return e;
}

Expected<std::string, std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\r' || c == '\n' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding) return unexpected("invalid Base64 character at position " + std::to_string(i));
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return unexpected(std::string("truncated Base64 data"));
  return out;
}

Expected<std::string, std::string> ED::decode() const {
  if (encoding == "Base64") return decode_base64(data);
  if (encoding == "A" || encoding.empty()) return data;
  if (encoding == "Hex") {
    if (data.size() % 2 != 0) return unexpected(std::string("odd number of hex digits"));
    std::string out;
    for (std::size_t i = 0; i < data.size(); i += 2) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
      };
      int hi = hex(data[i]), lo = hex(data[i + 1]);
      if (hi < 0 || lo < 0) return unexpected("invalid hex digit at position " + std::to_string(i));
      out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
  }
  return unexpected("unknown ED encoding '" + encoding + "' (expected A, Hex or Base64)");
}

}  // namespace medgw::hl7v2
