#include "mappings/fhir/json_rewrite.hpp"

#include <rapidjson/stringbuffer.h>

#include "mappings/model/fhir_writer.hpp"

namespace medgw::fhir {
namespace {

using W = model::json::CompactWriter;

class Rewriter {
 public:
  Rewriter(const JsonDocument& doc, const RewriteOptions& options, W& w) : doc_(doc), options_(options), w_(w) {}

  // The depth is bounded by the parse (kMaxJsonDepth), so recursion is safe here.
  void value(const rapidjson::Value& v) {
    if (doc_.is_number(v)) {
      w_.RawValue(v.GetString(), v.GetStringLength(), rapidjson::kNumberType);
    } else if (v.IsString()) {
      model::json::write_string(w_, text_of(v));
    } else if (v.IsBool()) {
      w_.Bool(v.GetBool());
    } else if (v.IsNull()) {
      w_.Null();
    } else if (v.IsArray()) {
      w_.StartArray();
      for (const rapidjson::Value& item : v.GetArray()) value(item);
      w_.EndArray();
    } else {
      w_.StartObject();
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) member(m->name, m->value);
      w_.EndObject();
    }
  }

  void resource(const rapidjson::Value& v) {
    w_.StartObject();
    const bool has_identifier = v.HasMember("identifier");
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view name = text_of(m->name);
      if (name == "id" || name == "meta") continue;
      if (name == "identifier" && options_.add_identifier && m->value.IsArray()) {
        key(name);
        w_.StartArray();
        for (const rapidjson::Value& item : m->value.GetArray()) value(item);
        model::json::write_identifier(w_, *options_.add_identifier);
        w_.EndArray();
        continue;
      }
      member(m->name, m->value);
      if (name == "resourceType" && options_.add_identifier && !has_identifier) {
        key("identifier");
        w_.StartArray();
        model::json::write_identifier(w_, *options_.add_identifier);
        w_.EndArray();
      }
    }
    w_.EndObject();
  }

 private:
  void key(std::string_view k) { model::json::write_string(w_, k); }

  void member(const rapidjson::Value& name, const rapidjson::Value& v) {
    model::json::write_string(w_, text_of(name));
    if (options_.reference && text_of(name) == "reference" && doc_.is_string(v)) {
      if (std::optional<std::string> replaced = options_.reference(text_of(v))) {
        model::json::write_string(w_, *replaced);
        return;
      }
    }
    value(v);
  }

  const JsonDocument& doc_;
  const RewriteOptions& options_;
  W& w_;
};

}  // namespace

std::string rewrite_resource_json(const JsonDocument& doc, const rapidjson::Value& resource,
                                  const RewriteOptions& options) {
  rapidjson::StringBuffer buffer;
  W w(buffer);
  Rewriter(doc, options, w).resource(resource);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace medgw::fhir
