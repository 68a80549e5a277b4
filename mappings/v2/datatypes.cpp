#include "mappings/v2/datatypes.hpp"

#include "mappings/v2/vocabulary.hpp"

namespace medgw::v2 {
namespace {

model::Coding coding(const std::string& code, const std::string& display, const std::string& system_name,
                     const std::string& version) {
  model::Coding c;
  c.code = code;
  c.display = display;
  c.system = vocab::coding_system_uri(system_name);
  if (!c.system.empty()) c.version = version;
  return c;
}

bool is_ascii_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string identifier_system(const hl7v2::HD& hd) {
  if (!hd.universal_id.empty()) {
    if (hd.universal_id_type == "ISO") return "urn:oid:" + hd.universal_id;
    if (hd.universal_id_type == "UUID") return "urn:uuid:" + hd.universal_id;
    return hd.universal_id;  // URI, DNS, or a type a sender left out: its own name for the system
  }
  return hd.namespace_id;
}

model::Identifier identifier(const hl7v2::CX& cx) {
  model::Identifier id;
  id.value = cx.id;
  if (!cx.identifier_type_code.empty()) {
    if (vocab::is_identifier_type(cx.identifier_type_code)) {
      id.type.coding.push_back({std::string(vocab::kV2_0203), "", cx.identifier_type_code, ""});
    } else {
      id.type.text = cx.identifier_type_code;
    }
  }
  id.system = identifier_system(cx.assigning_authority);
  id.assigner = cx.assigning_authority.namespace_id;
  return id;
}

model::Identifier identifier(const hl7v2::EI& ei, std::string_view type_code) {
  model::Identifier id;
  id.value = ei.entity_identifier;
  if (!type_code.empty()) id.type.coding.push_back({std::string(vocab::kV2_0203), "", std::string(type_code), ""});
  id.system = identifier_system({ei.namespace_id, ei.universal_id, ei.universal_id_type});
  id.assigner = ei.namespace_id;
  return id;
}

model::HumanName human_name(const hl7v2::XPN& xpn) {
  model::HumanName n;
  n.family = xpn.family;
  if (!xpn.given.empty()) n.given.push_back(xpn.given);
  if (!xpn.middle.empty()) n.given.push_back(xpn.middle);
  if (!xpn.suffix.empty()) n.suffix.push_back(xpn.suffix);
  if (!xpn.degree.empty()) n.suffix.push_back(xpn.degree);
  if (!xpn.prefix.empty()) n.prefix.push_back(xpn.prefix);
  n.use = vocab::name_use(xpn.name_type_code);
  return n;
}

model::Address address(const hl7v2::XAD& xad) {
  model::Address a;
  if (!xad.street.empty()) a.line.push_back(xad.street);
  if (!xad.other_designation.empty()) a.line.push_back(xad.other_designation);
  a.city = xad.city;
  a.state = xad.state;
  a.postal_code = xad.postal_code;
  a.country = xad.country;
  a.district = xad.county;
  a.use = vocab::address_use(xad.address_type);
  a.type = vocab::address_type(xad.address_type);
  return a;
}

model::ContactPoint contact_point(const hl7v2::XTN& xtn, std::string_view default_use) {
  model::ContactPoint c;
  const bool internet = xtn.equipment_type == "Internet" || xtn.equipment_type == "X.400" ||
                        (xtn.equipment_type.empty() && !xtn.email.empty());
  if (internet) {
    c.system = "email";
    c.value = xtn.email.empty() ? xtn.unformatted : xtn.email;
  } else {
    c.system = vocab::telecom_system(xtn.equipment_type);
    if (!xtn.unformatted.empty()) {
      c.value = xtn.unformatted;
    } else if (!xtn.local_number.empty()) {
      // The IG's composition: ["+"country " "] [area " "] local [" X"extension].
      if (!xtn.country_code.empty()) c.value += "+" + xtn.country_code + " ";
      if (!xtn.area_code.empty()) c.value += xtn.area_code + " ";
      c.value += xtn.local_number;
      if (!xtn.extension.empty()) c.value += " X" + xtn.extension;
    }
    if (c.system.empty() && !c.value.empty()) c.system = "phone";  // an unlabelled number is a phone
  }
  c.use = xtn.equipment_type == "CP" ? "mobile" : vocab::telecom_use(xtn.use_code);
  if (c.use.empty() && xtn.use_code.empty()) c.use = std::string(default_use);
  return c;
}

model::CodeableConcept codeable_concept(const hl7v2::CWE& cwe) {
  model::CodeableConcept cc;
  if (!cwe.identifier.empty()) {
    cc.coding.push_back(coding(cwe.identifier, cwe.text, cwe.coding_system, cwe.coding_system_version));
  }
  if (!cwe.alt_identifier.empty()) {
    cc.coding.push_back(coding(cwe.alt_identifier, cwe.alt_text, cwe.alt_coding_system, cwe.alt_coding_system_version));
  }
  cc.text = cwe.original_text;
  if (cc.text.empty() && cwe.identifier.empty() && !cwe.text.empty()) cc.text = cwe.text;
  return cc;
}

model::Quantity unit(const hl7v2::CWE& cwe) {
  model::Quantity q;
  q.unit = cwe.text.empty() ? cwe.identifier : cwe.text;
  if (cwe.coding_system == "UCUM" && !cwe.identifier.empty()) {
    q.system = std::string(vocab::kUcum);
    q.code = cwe.identifier;
  } else if (cwe.alt_coding_system == "UCUM" && !cwe.alt_identifier.empty()) {
    q.system = std::string(vocab::kUcum);
    q.code = cwe.alt_identifier;
  }
  return q;
}

std::string person_display(const hl7v2::Repetition& xcn) {
  std::string family = xcn.component(2).subvalue(1);
  std::string given = xcn.component(3).value();
  if (family.empty() && given.empty() && xcn.component(1).subcomponent_count() > 1) {
    // NDL (OBR-32..35): the person is a CNN in the first component, id & family & given.
    const hl7v2::Component cnn = xcn.component(1);
    family = cnn.subvalue(2);
    given = cnn.subvalue(3);
    if (family.empty() && given.empty()) return cnn.subvalue(1);
  }
  if (family.empty() && given.empty()) return xcn.component(1).value();  // an id is all some send
  if (family.empty()) return given;
  if (given.empty()) return family;
  // Western names read "given family"; Chinese names are written family first with no space.
  if (is_ascii_letter_or_digit(family.back())) return given + " " + family;
  return family + given;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace medgw::v2
