#include "gateway/cli/febrl_records.hpp"

#include <fstream>

namespace medgw::cli {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

model::Identifier typed(std::string_view code, std::string value) {
  model::Identifier id;
  id.type.coding.push_back({"http://terminology.hl7.org/CodeSystem/v2-0203", "", std::string(code), ""});
  id.value = std::move(value);
  return id;
}

}  // namespace

std::string febrl_entity(std::string_view rec_id) {
  const auto dash = rec_id.find('-', 4);  // after "rec-"
  return std::string(dash == std::string_view::npos ? rec_id : rec_id.substr(0, dash));
}

Expected<std::vector<FebrlRecord>, std::string> read_febrl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected("cannot read " + path);
  std::string line;
  if (!std::getline(in, line)) return unexpected(path + ": empty");
  const auto header = split(line);
  const std::vector<std::string> expected{"rec_id",   "given_name", "surname",  "street_number",
                                          "address_1", "address_2", "suburb",   "postcode",
                                          "state",    "date_of_birth", "soc_sec_id"};
  if (header != expected) return unexpected(path + ": not a FEBRL file (unexpected header)");
  std::vector<FebrlRecord> out;
  std::size_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;
    const auto f = split(line);
    if (f.size() != expected.size()) return unexpected(path + ": line " + std::to_string(line_no) + ": not 11 columns");
    FebrlRecord r;
    r.rec_id = f[0];
    r.record.sender = "febrl";
    model::Patient& p = r.record.patient;
    p.identifier.push_back(typed("MR", f[0]));
    if (!f[10].empty()) p.identifier.push_back(typed("SS", f[10]));
    model::HumanName name;
    name.family = f[2];
    if (!f[1].empty()) name.given.push_back(f[1]);
    p.name.push_back(std::move(name));
    const std::string& dob = f[9];
    p.birth_date = dob.size() == 8 ? dob.substr(0, 4) + "-" + dob.substr(4, 2) + "-" + dob.substr(6, 2) : dob;
    model::Address a;
    std::string line1 = f[3].empty() ? f[4] : f[4].empty() ? f[3] : f[3] + " " + f[4];
    if (!line1.empty()) a.line.push_back(std::move(line1));
    if (!f[5].empty()) a.line.push_back(f[5]);
    a.city = f[6];
    a.postal_code = f[7];
    a.state = f[8];
    p.address.push_back(std::move(a));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace medgw::cli
