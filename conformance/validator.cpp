#include "conformance/validator.hpp"

#include <set>

#include "conformance/primitive_checks.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/mpi/national_id.hpp"

namespace medgw::conformance {
namespace {

using hl7v2::Message;
using hl7v2::Segment;

// HL7 table 0357 codes used in findings.
constexpr int kSequenceError = 100, kRequiredMissing = 101, kDataTypeError = 102, kTableValue = 103,
              kTooLong = 104, kCardinality = 198, kOther = 199, kUnsupportedType = 200, kUnsupportedEvent = 201;

// Counts code points, not bytes: HL7 lengths are characters, and Chinese text is 3 bytes each.
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class Checker {
 public:
  Checker(const ProfileSet& profiles, const Message& message, const ValidateOptions& options, CaseResult& out)
      : profiles_(profiles), message_(message), options_(options), out_(out) {
    for (std::size_t i = 0; i < message.segment_count(); ++i) {
      const std::string name(message.segment(i).name());
      occurrence_.push_back(++seen_[name]);
    }
  }

  void run(const MessageProfile& profile) {
    std::set<std::string> follow;
    match(profile.grammar, follow);
    // What is left has no place in the grammar at all (a second MSH cannot occur: the parser
    // refuses it).
    while (pos_ < message_.segment_count()) unexpected_segment();
    national_ids();
  }

 private:
  Location at(std::size_t index) const {
    Location l;
    l.segment = std::string(message_.segment(index).name());
    l.occurrence = occurrence_[index];
    l.line = index + 1;
    return l;
  }

  void add(Severity severity, Location location, std::string rule, int code, std::string description, std::string actual = {}) {
    out_.findings.push_back({severity, std::move(location), std::move(rule), code, std::move(description), std::move(actual)});
  }

  // The segment ids a node can begin with: itself, or a group's children up to its first required one.
  static void start_set(const GrammarNode& node, std::set<std::string>& into) {
    if (!node.is_group) {
      into.insert(node.name);
      return;
    }
    for (const GrammarNode& c : node.children) {
      start_set(c, into);
      if (c.min > 0) break;
    }
  }

  static std::string first_required(const GrammarNode& node) {
    if (!node.is_group) return node.name;
    for (const GrammarNode& c : node.children) {
      if (c.min > 0) return first_required(c);
    }
    return node.children.front().is_group ? first_required(node.children.front()) : node.children.front().name;
  }

  std::string_view current() const { return message_.segment(pos_).name(); }

  void unexpected_segment() {
    const Location l = at(pos_);
    const bool z = l.segment.size() == 3 && l.segment[0] == 'Z';
    if (z) {
      // Z-segments are site extensions: medgw keeps the message and ignores them.
      add(Severity::kWarning, l, "segment.z-segment", kOther, "Z-segment not in the profile; medgw ignores it");
    } else if (seen_in_grammar_.count(l.segment)) {
      add(Severity::kError, l, "segment.order", kSequenceError,
          "segment " + l.segment + " is not allowed here (order or too many occurrences)");
    } else {
      add(Severity::kError, l, "segment.unexpected", kSequenceError,
          "segment " + l.segment + " is not part of this message structure");
    }
    ++pos_;
  }

  // Matches `nodes` in order from pos_. `follow`: the segment ids that may come after this list
  // (where the enclosing lists resume), so a segment in it ends this list instead of being stray.
  void match(const std::vector<GrammarNode>& nodes, const std::set<std::string>& follow) {
    for (const GrammarNode& n : nodes) collect_names(n);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const GrammarNode& node = nodes[i];
      std::set<std::string> after = follow;
      for (std::size_t j = i + 1; j < nodes.size(); ++j) start_set(nodes[j], after);
      std::set<std::string> starts;
      start_set(node, starts);
      std::size_t count = 0;
      while (pos_ < message_.segment_count()) {
        const std::string name(current());
        if (starts.count(name) && count < node.max) {
          if (node.usage == Usage::kNotSupported) {
            add(Severity::kError, at(pos_), "usage.not-supported", kSequenceError,
                (node.is_group ? "group " + node.name : "segment " + node.name) + " has usage X and must not be sent");
          }
          ++count;
          if (node.is_group) {
            std::set<std::string> inner = after;
            if (node.max > count) inner.insert(starts.begin(), starts.end());
            match(node.children, inner);
          } else {
            check_segment(*node.segment, pos_);
            ++pos_;
          }
          continue;
        }
        if (after.count(name) || starts.count(name)) break;  // belongs later, or to an outer repeat
        // No later node here nor any enclosing list can take it: stray, reported where it stands.
        unexpected_segment();
      }
      if (count < node.min) {
        Location l;
        l.segment = first_required(node);
        add(Severity::kError, l, node.is_group ? "group.missing" : "segment.missing", kRequiredMissing,
            (node.is_group ? "required group " + node.name + " (starting with " + l.segment + ")"
                           : "required segment " + node.name) +
                " is missing" + (node.min > 1 ? " (at least " + std::to_string(node.min) + " expected)" : ""));
      }
    }
  }

  void collect_names(const GrammarNode& n) {
    if (!n.is_group) {
      seen_in_grammar_.insert(n.name);
      return;
    }
    for (const GrammarNode& c : n.children) collect_names(c);
  }

  const ValueSet* value_set(const std::string& id) const {
    auto it = profiles_.value_sets.find(id);
    return it == profiles_.value_sets.end() ? nullptr : &it->second;
  }

  template <class Def>
  void check_value(const Def& def, std::string_view raw, std::string_view value, const Location& l) {
    if (raw.empty() || raw == "\"\"") return;
    if (def.max_length && utf8_length(value) > def.max_length) {
      add(Severity::kError, l, "length", kTooLong,
          def.name + ": " + std::to_string(utf8_length(value)) + " characters, at most " + std::to_string(def.max_length) +
              " allowed",
          std::string(value));
    }
    if (is_checked_primitive(def.datatype)) {
      if (std::string why = check_primitive(def.datatype, value); !why.empty()) {
        add(Severity::kError, l, "datatype." + def.datatype, kDataTypeError, def.name + ": " + why, std::string(value));
        return;
      }
    }
    if (def.table.empty()) return;
    const ValueSet* vs = value_set(def.table);
    if (vs == nullptr || vs->codes.count(std::string(value))) return;
    if (!def.site.also_accepted.empty()) {
      if (const ValueSet* extra = value_set(def.site.also_accepted); extra && extra->codes.count(std::string(value))) {
        add(Severity::kWarning, l, "value-set.site", kTableValue,
            def.name + ": code of " + (extra->name.empty() ? extra->id : extra->name) + ", not of table " + def.table +
                (def.site.note.empty() ? "" : "; " + def.site.note),
            std::string(value));
        return;
      }
    }
    add(Severity::kError, l, "value-set", kTableValue,
        def.name + ": not a code of " + (vs->name.empty() ? "table " + vs->id : "table " + vs->id + " (" + vs->name + ")"),
        std::string(value));
  }

  // Usage of a part that is empty (absent) or present.
  template <class Def>
  void check_usage(const Def& def, bool present, const Location& l, std::string_view raw) {
    if (!present && def.usage == Usage::kRequired) {
      add(Severity::kError, l, "usage.required", kRequiredMissing, def.name + " is required (usage R) and is empty");
    } else if (present && def.usage == Usage::kNotSupported) {
      add(Severity::kError, l, "usage.not-supported", kOther, def.name + " has usage X and must not be sent", std::string(raw));
    }
  }

  void check_components(const std::vector<ComponentDef>& defs, const hl7v2::Repetition& rep, Location l) {
    for (std::size_t c = 0; c < defs.size(); ++c) {
      const ComponentDef& def = defs[c];
      const hl7v2::Component comp = rep.component(c + 1);
      l.component = c + 1;
      l.subcomponent = 0;
      check_usage(def, !comp.empty(), l, comp.raw());
      if (comp.empty()) continue;
      if (def.children.empty()) {
        check_value(def, comp.raw(), comp.value(), l);
        continue;
      }
      for (std::size_t s = 0; s < def.children.size(); ++s) {
        const ComponentDef& sub = def.children[s];
        l.subcomponent = s + 1;
        const std::string_view raw = comp.subcomponent(s + 1);
        check_usage(sub, !raw.empty(), l, raw);
        check_value(sub, raw, comp.subvalue(s + 1), l);
      }
    }
  }

  // The HL7 "varies" type: OBX-5, whose type OBX-2 names.
  static bool varies_by_value_type(const SegmentDef& def, std::size_t field) {
    return def.name == "OBX" && field == 5 && def.fields.size() >= 5 &&
           (def.fields[4].datatype.empty() || def.fields[4].datatype == "varies");
  }

  void check_segment(const SegmentDef& def, std::size_t index) {
    const Segment seg = message_.segment(index);
    const bool msh = def.name == "MSH";
    for (std::size_t f = 0; f < def.fields.size(); ++f) {
      const FieldDef& fd = def.fields[f];
      const std::size_t number = f + 1;
      // MSH-1 and MSH-2 are the delimiters; the parser has already checked them.
      if (msh && number <= 2) continue;
      const hl7v2::Field field = seg.field(number);
      Location l = at(index);
      l.field = number;
      check_usage(fd, !field.empty(), l, field.raw());
      if (field.empty() || field.is_null()) continue;
      const std::size_t reps = field.repetition_count();
      if (fd.max != kUnbounded && reps > fd.max) {
        add(Severity::kError, l, "cardinality.max", kCardinality,
            fd.name + ": " + std::to_string(reps) + " repetitions, at most " + std::to_string(fd.max) + " allowed",
            std::string(field.raw()));
      }
      if (reps < fd.min) {
        add(Severity::kError, l, "cardinality.min", kCardinality,
            fd.name + ": " + std::to_string(reps) + " repetitions, at least " + std::to_string(fd.min) + " required",
            std::string(field.raw()));
      }
      for (std::size_t r = 1; r <= reps; ++r) {
        const hl7v2::Repetition rep = field.repetition(r);
        Location lr = l;
        if (fd.max != 1) lr.repetition = r;
        if (rep.empty()) continue;
        if (fd.components.empty() && varies_by_value_type(def, number)) {
          // OBX-5's type is OBX-2: a numeric result must be a number, a date a date.
          FieldDef typed = fd;
          typed.datatype = seg.field(2).value();
          if (typed.datatype == "SN" || !is_checked_primitive(typed.datatype) || typed.datatype == "ID" ||
              typed.datatype == "IS") {
            continue;
          }
          const hl7v2::Component first = rep.component(1);
          if (typed.datatype != "TS" && rep.component_count() > 1) {
            add(Severity::kError, lr, "datatype." + typed.datatype, kDataTypeError,
                fd.name + ": " + typed.datatype + " (OBX-2) has no components", std::string(rep.raw()));
            continue;
          }
          typed.name = fd.name + " (" + typed.datatype + ")";
          check_value(typed, first.raw(), first.value(), lr);
        } else if (fd.components.empty()) {
          // A primitive field (or a composite the profile does not detail): a primitive's
          // component separator would be a data type error.
          if (is_checked_primitive(fd.datatype) && rep.component_count() > 1) {
            add(Severity::kError, lr, "datatype." + fd.datatype, kDataTypeError,
                fd.name + ": " + fd.datatype + " has no components", std::string(rep.raw()));
            continue;
          }
          // TS is a composite of DTM and a deprecated precision: its value is the first component.
          const hl7v2::Component first = rep.component(1);
          if (fd.datatype == "TS") check_value(fd, first.raw(), first.value(), lr);
          else check_value(fd, rep.raw(), rep.value(), lr);
        } else {
          if (fd.max_length && utf8_length(rep.raw()) > fd.max_length) {
            add(Severity::kError, lr, "length", kTooLong,
                fd.name + ": " + std::to_string(utf8_length(rep.raw())) + " characters, at most " +
                    std::to_string(fd.max_length) + " allowed",
                std::string(rep.raw()));
          }
          check_components(fd.components, rep, lr);
        }
      }
    }
  }

  void national_ids() {
    for (const NationalIdRule& rule : profiles_.site.national_ids) {
      for (std::size_t i = 0; i < message_.segment_count(); ++i) {
        const Segment seg = message_.segment(i);
        if (seg.name() != rule.segment) continue;
        const hl7v2::Field field = seg.field(rule.field);
        for (std::size_t r = 1; r <= field.repetition_count(); ++r) {
          const hl7v2::Repetition rep = field.repetition(r);
          const std::string authority(rep.component(4).subcomponent(1));
          const std::string type(rep.component(5).raw());
          const bool matches = (!rule.authority.empty() && authority == rule.authority) ||
                               (!rule.identifier_type.empty() && type == rule.identifier_type);
          if (!matches) continue;
          Location l = at(i);
          l.field = rule.field;
          l.repetition = r;
          l.component = 1;
          const std::string id = rep.component(1).value();
          if (id.empty()) {
            add(Severity::kError, l, "national-id.missing", kRequiredMissing, "resident identity number is empty");
            continue;
          }
          const mpi::NationalIdCheck check = mpi::check_national_id(id, options_.today);
          if (check.valid) continue;
          if (check.problem == mpi::NationalIdProblem::kLegacy15Digit) {
            add(Severity::kWarning, l, "national-id.legacy-15-digit", kDataTypeError,
                "15-digit resident identity number: it has no check character, so medgw never links patients by it", id);
          } else {
            const std::string reason(check.reason());
            std::string rule_id = "national-id." + reason;
            for (char& c : rule_id) {
              if (c == ' ') c = '-';
            }
            add(Severity::kError, l, rule_id, kDataTypeError, "resident identity number (GB 11643): " + reason, id);
          }
        }
      }
    }
  }

  const ProfileSet& profiles_;
  const Message& message_;
  const ValidateOptions& options_;
  CaseResult& out_;
  std::size_t pos_ = 0;
  std::map<std::string, std::size_t> seen_;
  std::vector<std::size_t> occurrence_;
  std::set<std::string> seen_in_grammar_;
};

}  // namespace

std::chrono::year_month_day utc_today() {
  return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
}

CaseResult validate_parsed(const ProfileSet& profiles, const Message& message, const ValidateOptions& options) {
  CaseResult out;
  out.control_id = std::string(message.control_id());
  out.message_type = std::string(message.message_code());
  if (!message.trigger_event().empty()) out.message_type += "^" + std::string(message.trigger_event());
  const MessageProfile* profile =
      profiles.find(message.message_code(), message.trigger_event(), message.message_structure());
  if (profile == nullptr) {
    Location l{"MSH", 1, 1, 9, 0, 0, 0};
    const bool known_code = [&] {
      for (const MessageProfile& m : profiles.messages) {
        if (m.message_type == message.message_code()) return true;
      }
      return false;
    }();
    l.component = known_code ? 2 : 1;
    Finding f{Severity::kError, l, known_code ? "profile.unsupported-event" : "profile.unsupported-message-type",
              known_code ? kUnsupportedEvent : kUnsupportedType,
              std::string("no message profile in ") + profiles.name + " for this " + (known_code ? "event" : "message type"),
              out.message_type};
    out.findings.push_back(std::move(f));
    return out;
  }
  out.profile = profile->identifier;
  Checker(profiles, message, options, out).run(*profile);
  return out;
}

CaseResult validate_message(const ProfileSet& profiles, std::string_view bytes, const ValidateOptions& options) {
  hl7v2::ParseOptions parse_options;
  if (!profiles.site.default_charset.empty()) parse_options.default_charset = hl7v2::find_charset(profiles.site.default_charset);
  auto message = Message::parse(bytes, parse_options);
  if (!message) {
    const hl7v2::ParseError& e = message.error();
    CaseResult out;
    Location l;
    l.segment = e.segment;
    l.occurrence = e.occurrence;
    l.line = e.segment_index;
    l.field = e.field;
    out.findings.push_back({Severity::kError, l, "parse." + std::string(hl7v2::to_string(e.code)), hl7v2::hl7_error_code(e.code),
                            e.message + " (byte " + std::to_string(e.offset) + ")", ""});
    return out;
  }
  return validate_parsed(profiles, *message, options);
}

}  // namespace medgw::conformance
