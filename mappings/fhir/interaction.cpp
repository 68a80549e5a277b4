#include "mappings/fhir/interaction.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mappings/model/fhir_writer.hpp"

namespace medgw::fhir {

const char* to_string(InteractionKind kind) {
  switch (kind) {
    case InteractionKind::kCreate:
      return "create";
    case InteractionKind::kUpdate:
      return "update";
    case InteractionKind::kTransaction:
      return "transaction";
  }
  return "create";
}

std::optional<InteractionKind> parse_interaction_kind(std::string_view text) {
  if (text == "create") return InteractionKind::kCreate;
  if (text == "update") return InteractionKind::kUpdate;
  if (text == "transaction") return InteractionKind::kTransaction;
  return std::nullopt;
}

std::string interaction_json(const Interaction& in) {
  rapidjson::StringBuffer buffer;
  model::json::CompactWriter w(buffer);
  const auto put = [&w](const char* key, std::string_view value) {
    w.Key(key);
    model::json::write_string(w, value);
  };
  w.StartObject();
  put("interaction", to_string(in.kind));
  put("client", in.client);
  put("type", in.type);
  if (!in.id.empty()) put("id", in.id);
  if (in.if_match) {
    w.Key("ifMatch");
    w.Int64(*in.if_match);
  }
  put("key", in.key);
  put("bodyContentType", in.body_content_type);
  put("body", in.body);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

Issue wrapper_issue(std::string what) {
  return {Severity::kError, issue_code::kStructure, "", "the interaction record " + std::move(what)};
}

}  // namespace

Expected<Interaction, std::vector<Issue>> parse_interaction(std::string_view raw) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(raw.data(), raw.size());
  if (doc.HasParseError() || !doc.IsObject())
    return unexpected(std::vector<Issue>{wrapper_issue("is not a JSON object")});
  Interaction in;
  std::vector<Issue> issues;
  bool have_kind = false, have_key = false, have_body = false, have_client = false, have_type = false;
  // Const iteration: Clang 14 in C++20 finds rapidjson's non-const iterator != ambiguous.
  const rapidjson::Value& root = doc;
  for (auto m = root.MemberBegin(); m != root.MemberEnd(); ++m) {
    const std::string_view name(m->name.GetString(), m->name.GetStringLength());
    const rapidjson::Value& v = m->value;
    const auto text = [&](std::string& out, bool& have) {
      if (!v.IsString()) {
        issues.push_back(wrapper_issue("has a non-string " + std::string(name)));
        return;
      }
      out.assign(v.GetString(), v.GetStringLength());
      have = true;
    };
    bool unused = false;
    if (name == "interaction") {
      std::string kind;
      text(kind, unused);
      if (auto k = parse_interaction_kind(kind)) {
        in.kind = *k;
        have_kind = true;
      } else if (unused) {
        issues.push_back(wrapper_issue("names an unknown interaction"));
      }
    } else if (name == "client") {
      text(in.client, have_client);
    } else if (name == "type") {
      text(in.type, have_type);
    } else if (name == "id") {
      text(in.id, unused);
    } else if (name == "ifMatch") {
      if (v.IsInt64()) {
        in.if_match = v.GetInt64();
      } else {
        issues.push_back(wrapper_issue("has a non-integer ifMatch"));
      }
    } else if (name == "key") {
      text(in.key, have_key);
    } else if (name == "bodyContentType") {
      text(in.body_content_type, unused);
    } else if (name == "body") {
      text(in.body, have_body);
    } else {
      issues.push_back(wrapper_issue("has an unknown member"));
    }
  }
  if (!have_kind) issues.push_back(wrapper_issue("lacks the interaction"));
  if (!have_client) issues.push_back(wrapper_issue("lacks the client"));
  if (!have_type) issues.push_back(wrapper_issue("lacks the type"));
  if (!have_key || in.key.empty()) issues.push_back(wrapper_issue("lacks the key"));
  if (!have_body) issues.push_back(wrapper_issue("lacks the body"));
  if (have_kind && in.kind == InteractionKind::kUpdate && in.id.empty()) {
    issues.push_back(wrapper_issue("is an update without an id"));
  }
  if (!issues.empty()) return unexpected(std::move(issues));
  return in;
}

}  // namespace medgw::fhir
