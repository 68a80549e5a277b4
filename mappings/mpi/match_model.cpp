#include "mappings/mpi/match_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace medgw::mpi {
namespace {

FieldModel field(MatchField f, Comparator c, std::vector<double> m, std::vector<double> u, bool tf = false) {
  FieldModel out;
  out.field = f;
  out.comparator = c;
  out.m = std::move(m);
  out.u = std::move(u);
  out.term_frequency = tf;
  return out;
}

double clamp_p(double p) { return std::clamp(p, kMinProbability, 1.0); }

void append_number(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  out += buf;
}

}  // namespace

MatchModel default_match_model() {
  MatchModel m;
  m.description = "built-in default: m and u set by hand, not trained";
  // m: how often one person's two records reach the level (typos, swaps, moves); u: how often two
  // different people sharing a blocking key do. Birth date u from ~30,000 days of birth in a
  // population; names from common-name shares; addresses and numbers nearly unique.
  m.fields = {
      // Names: same-sound is a Han name written with a homophone or in pinyin (never two Latin
      // names); homophones are common among given names (伟 威 维 卫 薇 are all "wei").
      field(MatchField::kGiven, Comparator::kPersonName, {0.82, 0.05, 0.06, 0.03, 0.04},
            {0.01, 0.01, 0.005, 0.03, 0.945}, true),
      field(MatchField::kFamily, Comparator::kPersonName, {0.82, 0.05, 0.06, 0.03, 0.04},
            {0.005, 0.005, 0.003, 0.02, 0.967}, true),
      field(MatchField::kBirthDate, Comparator::kDate, {0.84, 0.02, 0.01, 0.07, 0.01, 0.01, 0.04},
            {0.0005, 0.0001, 0.0002, 0.002, 0.003, 0.03, 0.9642}),
      field(MatchField::kGender, Comparator::kCategory, {0.97, 0.03}, {0.5, 0.5}),
      field(MatchField::kPhone, Comparator::kCode, {0.75, 0.08, 0.17}, {0.0001, 0.0005, 0.9994}),
      field(MatchField::kPostcode, Comparator::kCode, {0.86, 0.07, 0.07}, {0.02, 0.04, 0.94}),
      field(MatchField::kStreet, Comparator::kText, {0.75, 0.12, 0.05, 0.08}, {0.0005, 0.002, 0.02, 0.9775}),
      field(MatchField::kLocality, Comparator::kText, {0.82, 0.08, 0.03, 0.07}, {0.02, 0.01, 0.03, 0.94}),
      field(MatchField::kIdNumber, Comparator::kCode, {0.8, 0.12, 0.08}, {0.00001, 0.0001, 0.99989}),
  };
  return m;
}

double level_weight(const FieldModel& f, int level, std::string_view value) {
  if (level < 0 || static_cast<std::size_t>(level) >= f.m.size()) return 0.0;
  const double m = clamp_p(f.m[static_cast<std::size_t>(level)]);
  const double u = clamp_p(f.u[static_cast<std::size_t>(level)]);
  double w = std::log2(m / u);
  if (level == 0 && f.term_frequency && f.term_frequency_baseline > 0.0 && !value.empty()) {
    auto it = f.term_frequencies.find(std::string(value));
    if (it != f.term_frequencies.end()) w += std::min(0.0, std::log2(f.term_frequency_baseline / clamp_p(it->second)));
  }
  return w;
}

PairScore score_pair(const MatchModel& model, const MatchFeatures& a, const MatchFeatures& b) {
  PairScore out;
  out.fields.reserve(model.fields.size());
  for (const auto& f : model.fields) {
    const std::string& va = a[f.field];
    const int level = compare(f.comparator, va, b[f.field]);
    const double w = level_weight(f, level, va);
    out.fields.push_back({f.field, level, w});
    out.total += w;
  }
  return out;
}

std::vector<std::int8_t> comparison_levels(const MatchModel& model, const MatchFeatures& a, const MatchFeatures& b) {
  std::vector<std::int8_t> out;
  out.reserve(model.fields.size());
  for (const auto& f : model.fields) {
    out.push_back(static_cast<std::int8_t>(compare(f.comparator, a[f.field], b[f.field])));
  }
  return out;
}

double match_probability(const MatchModel& model, double score) {
  const double prior = std::clamp(model.prior, kMinProbability, 1.0 - kMinProbability);
  const double log_odds = score + std::log2(prior / (1.0 - prior));
  return 1.0 / (1.0 + std::exp2(-log_odds));
}

std::string field_scores_json(const MatchModel& model, const PairScore& score) {
  std::string out = "{\"score\":";
  append_number(out, score.total);
  out += ",\"link_threshold\":";
  append_number(out, model.link_threshold);
  out += ",\"review_threshold\":";
  append_number(out, model.review_threshold);
  out += ",\"model_version\":" + std::to_string(model.version) + ",\"fields\":[";
  for (std::size_t i = 0; i < score.fields.size() && i < model.fields.size(); ++i) {
    const FieldScore& s = score.fields[i];
    if (i > 0) out += ',';
    out += "{\"field\":\"";
    out += to_string(s.field);
    out += "\",\"level\":\"";
    out += s.level == kMissing ? std::string_view("missing")
                               : level_names(model.fields[i].comparator)[static_cast<std::size_t>(s.level)];
    out += "\",\"weight\":";
    append_number(out, s.weight);
    out += '}';
  }
  return out + "]}";
}

std::string check_match_model(const MatchModel& model) {
  if (model.fields.empty()) return "the model compares no field";
  if (!(model.review_threshold <= model.link_threshold)) return "review_threshold is above link_threshold";
  if (!(model.prior > 0.0 && model.prior < 1.0)) return "prior must be between 0 and 1";
  for (const auto& f : model.fields) {
    const std::size_t levels = level_names(f.comparator).size();
    const std::string name(to_string(f.field));
    if (f.m.size() != levels || f.u.size() != levels) {
      return "field " + name + ": " + std::to_string(levels) + " levels expected for comparator " +
             std::string(to_string(f.comparator));
    }
    for (std::size_t i = 0; i < levels; ++i) {
      if (!(f.m[i] >= 0.0 && f.m[i] <= 1.0 && f.u[i] >= 0.0 && f.u[i] <= 1.0)) {
        return "field " + name + ": m and u must be probabilities";
      }
    }
    if (!(f.term_frequency_baseline >= 0.0 && f.term_frequency_baseline <= 1.0)) {
      return "field " + name + ": term_frequency_baseline is not a share";
    }
    for (const auto& [value, share] : f.term_frequencies) {
      if (!(share > 0.0 && share <= 1.0)) return "field " + name + ": a term frequency is not a share";
    }
  }
  return {};
}

}  // namespace medgw::mpi
