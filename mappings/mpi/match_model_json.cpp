#include "mappings/mpi/match_model_json.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace medgw::mpi {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key(Writer& w, std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
void str(Writer& w, std::string_view v) { w.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); }
// Rounded so a reviewer reads 0.8612, not 0.86119999999999997.
void num(Writer& w, double v, int digits = 6) {
  if (v == 0.0) {
    w.Double(0.0);
    return;
  }
  const double scale = std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  w.Double(std::round(v * scale) / scale);
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string text(const rapidjson::Value* v) {
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

}  // namespace

std::string to_json(const MatchModel& model) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  key(w, "format");
  str(w, "medgw-match-model");
  key(w, "format_version");
  w.Int(kMatchModelFormatVersion);
  key(w, "version");
  w.Int64(model.version);
  key(w, "description");
  str(w, model.description);
  key(w, "trained");
  w.StartObject();
  key(w, "records");
  w.Int64(model.trained_records);
  key(w, "pairs");
  w.Int64(model.trained_pairs);
  key(w, "em_iterations");
  w.Int(model.em_iterations);
  w.EndObject();
  key(w, "prior");
  num(w, model.prior);
  key(w, "thresholds");
  w.StartObject();
  key(w, "link");
  num(w, model.link_threshold);
  key(w, "review");
  num(w, model.review_threshold);
  key(w, "same_authority_link");
  num(w, model.same_authority_link_threshold);
  w.EndObject();
  key(w, "fields");
  w.StartArray();
  for (const auto& f : model.fields) {
    w.StartObject();
    key(w, "field");
    str(w, to_string(f.field));
    key(w, "comparator");
    str(w, to_string(f.comparator));
    key(w, "term_frequency");
    w.Bool(f.term_frequency);
    key(w, "levels");
    w.StartArray();
    const auto names = level_names(f.comparator);
    for (std::size_t i = 0; i < names.size() && i < f.m.size() && i < f.u.size(); ++i) {
      w.StartObject();
      key(w, "level");
      str(w, names[i]);
      key(w, "m");
      num(w, f.m[i]);
      key(w, "u");
      num(w, f.u[i]);
      key(w, "weight");
      num(w, level_weight(f, static_cast<int>(i), {}), 4);
      w.EndObject();
    }
    w.EndArray();
    if (!f.term_frequencies.empty()) {
      // Most common first, so a reviewer sees what is discounted most.
      std::vector<std::pair<std::string, double>> sorted(f.term_frequencies.begin(), f.term_frequencies.end());
      std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      key(w, "term_frequency_baseline");
      num(w, f.term_frequency_baseline);
      key(w, "term_frequencies");
      w.StartObject();
      for (const auto& [value, share] : sorted) {
        key(w, value);
        num(w, share);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Expected<MatchModel, std::string> match_model_from_json(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return unexpected(std::string("match model: not a JSON object"));
  if (text(member(d, "format")) != "medgw-match-model") {
    return unexpected(std::string("match model: format is not \"medgw-match-model\""));
  }
  const auto* fv = member(d, "format_version");
  if (!fv || !fv->IsInt() || fv->GetInt() != kMatchModelFormatVersion) {
    return unexpected("match model: format_version must be " + std::to_string(kMatchModelFormatVersion));
  }
  MatchModel m;
  if (const auto* v = member(d, "version"); v && v->IsInt64()) m.version = v->GetInt64();
  m.description = text(member(d, "description"));
  if (const auto* t = member(d, "trained")) {
    if (const auto* v = member(*t, "records"); v && v->IsInt64()) m.trained_records = v->GetInt64();
    if (const auto* v = member(*t, "pairs"); v && v->IsInt64()) m.trained_pairs = v->GetInt64();
    if (const auto* v = member(*t, "em_iterations"); v && v->IsInt()) m.em_iterations = v->GetInt();
  }
  const auto* prior = member(d, "prior");
  const auto* thresholds = member(d, "thresholds");
  const auto* link = thresholds ? member(*thresholds, "link") : nullptr;
  const auto* review = thresholds ? member(*thresholds, "review") : nullptr;
  if (!prior || !prior->IsNumber() || !link || !link->IsNumber() || !review || !review->IsNumber()) {
    return unexpected(std::string("match model: prior, thresholds.link and thresholds.review are required numbers"));
  }
  m.prior = prior->GetDouble();
  m.link_threshold = link->GetDouble();
  m.review_threshold = review->GetDouble();
  // Absent in models stored before it existed: link_threshold + 12, the default's margin.
  const auto* same_authority = member(*thresholds, "same_authority_link");
  if (same_authority && !same_authority->IsNumber()) {
    return unexpected(std::string("match model: thresholds.same_authority_link must be a number"));
  }
  m.same_authority_link_threshold = same_authority ? same_authority->GetDouble() : m.link_threshold + 12.0;
  const auto* fields = member(d, "fields");
  if (!fields || !fields->IsArray()) return unexpected(std::string("match model: fields must be an array"));
  for (const auto& fj : fields->GetArray()) {
    FieldModel f;
    const std::string name = text(member(fj, "field"));
    const auto field = parse_match_field(name);
    if (!field) return unexpected("match model: unknown field \"" + name + "\"");
    const std::string cname = text(member(fj, "comparator"));
    const auto comparator = parse_comparator(cname);
    if (!comparator) return unexpected("match model: field " + name + ": unknown comparator \"" + cname + "\"");
    f.field = *field;
    f.comparator = *comparator;
    if (const auto* tf = member(fj, "term_frequency"); tf && tf->IsBool()) f.term_frequency = tf->GetBool();
    const auto* levels = member(fj, "levels");
    const auto names = level_names(f.comparator);
    if (!levels || !levels->IsArray() || levels->Size() != names.size()) {
      return unexpected("match model: field " + name + ": levels must list the " + std::to_string(names.size()) +
                        " levels of comparator " + cname);
    }
    for (rapidjson::SizeType i = 0; i < levels->Size(); ++i) {
      const auto& lj = (*levels)[i];
      const auto* mv = member(lj, "m");
      const auto* uv = member(lj, "u");
      if (text(member(lj, "level")) != names[i] || !mv || !mv->IsNumber() || !uv || !uv->IsNumber()) {
        return unexpected("match model: field " + name + ": level " + std::to_string(i + 1) + " must be \"" +
                          std::string(names[i]) + "\" with numbers m and u");
      }
      f.m.push_back(mv->GetDouble());
      f.u.push_back(uv->GetDouble());
    }
    if (const auto* b = member(fj, "term_frequency_baseline"); b && b->IsNumber()) {
      f.term_frequency_baseline = b->GetDouble();
    }
    if (const auto* tfs = member(fj, "term_frequencies"); tfs && tfs->IsObject()) {
      for (const auto& e : tfs->GetObject()) {
        if (!e.value.IsNumber()) return unexpected("match model: field " + name + ": term frequencies are numbers");
        f.term_frequencies.emplace(std::string(e.name.GetString(), e.name.GetStringLength()), e.value.GetDouble());
      }
    }
    m.fields.push_back(std::move(f));
  }
  if (auto problem = check_match_model(m); !problem.empty()) return unexpected("match model: " + problem);
  return m;
}

}  // namespace medgw::mpi
