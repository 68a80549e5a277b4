#include "adapters/fhir/match_request.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string_view>

namespace medgw::fhir {
namespace {

MatchRequestError error(std::string expression, std::string message) {
  return MatchRequestError{std::move(expression), std::move(message)};
}

// The value[x] members of one parameter: their count, and the first one's name.
std::size_t value_members(const rapidjson::Value& p, std::string_view& first) {
  std::size_t n = 0;
  for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
    const std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (name.substr(0, 5) == "value" || name == "resource" || name == "part") {
      if (n++ == 0) first = name;
    }
  }
  return n;
}

}  // namespace

Expected<MatchRequest, MatchRequestError> parse_match_request(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return unexpected(error("", "the body is not a JSON object"));
  auto type = d.FindMember("resourceType");
  if (type == d.MemberEnd() || !type->value.IsString()) {
    return unexpected(error("resourceType", "the body has no resourceType"));
  }
  if (std::string_view(type->value.GetString(), type->value.GetStringLength()) != "Parameters") {
    return unexpected(
        error("resourceType", "Patient/$match takes a Parameters resource with the Patient as parameter 'resource'"));
  }
  MatchRequest out;
  bool have_resource = false, have_certain = false, have_count = false;
  auto params = d.FindMember("parameter");
  if (params != d.MemberEnd()) {
    if (!params->value.IsArray()) return unexpected(error("Parameters.parameter", "parameter must be an array"));
    const auto& list = params->value.GetArray();
    for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
      const std::string at = "Parameters.parameter[" + std::to_string(i) + "]";
      const rapidjson::Value& p = list[i];
      if (!p.IsObject()) return unexpected(error(at, "a parameter must be an object"));
      auto name_member = p.FindMember("name");
      if (name_member == p.MemberEnd() || !name_member->value.IsString()) {
        return unexpected(error(at + ".name", "a parameter needs a name"));
      }
      const std::string_view name(name_member->value.GetString(), name_member->value.GetStringLength());
      std::string_view value_name;
      const std::size_t values = value_members(p, value_name);
      if (name == "resource") {
        if (have_resource) return unexpected(error(at, "parameter 'resource' is given more than once"));
        have_resource = true;
        auto r = p.FindMember("resource");
        if (values != 1 || r == p.MemberEnd() || !r->value.IsObject()) {
          return unexpected(error(at, "parameter 'resource' must carry a Patient in 'resource'"));
        }
        auto rt = r->value.FindMember("resourceType");
        if (rt == r->value.MemberEnd() || !rt->value.IsString() ||
            std::string_view(rt->value.GetString(), rt->value.GetStringLength()) != "Patient") {
          return unexpected(error(at + ".resource", "parameter 'resource' must be a Patient"));
        }
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        r->value.Accept(w);
        out.patient_json.assign(buf.GetString(), buf.GetSize());
      } else if (name == "onlyCertainMatches") {
        if (have_certain) return unexpected(error(at, "parameter 'onlyCertainMatches' is given more than once"));
        have_certain = true;
        auto v = p.FindMember("valueBoolean");
        if (values != 1 || v == p.MemberEnd() || !v->value.IsBool()) {
          return unexpected(error(at, "parameter 'onlyCertainMatches' must be a valueBoolean"));
        }
        out.only_certain = v->value.GetBool();
      } else if (name == "count") {
        if (have_count) return unexpected(error(at, "parameter 'count' is given more than once"));
        have_count = true;
        auto v = p.FindMember("valueInteger");
        if (values != 1 || v == p.MemberEnd() || !v->value.IsInt64()) {
          return unexpected(error(at, "parameter 'count' must be a valueInteger"));
        }
        const std::int64_t n = v->value.GetInt64();
        if (n < 1) return unexpected(error(at + ".valueInteger", "count must be at least 1"));
        out.count = static_cast<std::size_t>(std::min<std::int64_t>(n, static_cast<std::int64_t>(kMaxMatchCount)));
      } else {
        return unexpected(error(at + ".name", "Patient/$match has no parameter '" + std::string(name.substr(0, 64)) +
                                                  "' (it takes resource, onlyCertainMatches and count)"));
      }
    }
  }
  if (!have_resource) {
    return unexpected(error("Parameters.parameter", "parameter 'resource' (the Patient to match) is required"));
  }
  return out;
}

}  // namespace medgw::fhir
