#include "adapters/fhir/mpi_admin_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "adapters/crmstore/index_json.hpp"
#include "adapters/crmstore/sqlite_crm_store.hpp"
#include "adapters/fhir/authenticator.hpp"

namespace medgw::fhir {
namespace {

HttpResponse json(unsigned status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.set_header("Content-Type", "application/json");
  res.set_header("Cache-Control", "no-store");  // review answers hold patient data
  res.body = std::move(body);
  return res;
}

HttpResponse error(unsigned status, std::string_view message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("error");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return json(status, std::string(buf.GetString(), buf.GetSize()));
}

HttpResponse store_error(const crmstore::StoreError& e) {
  if (!e.retryable) return error(409, e.message);
  HttpResponse res = error(503, "the CRM store is busy: try again");
  res.set_header("Retry-After", "1");
  return res;
}

const std::string* query_value(const HttpRequest& req, std::string_view name) {
  for (const auto& [k, v] : req.query) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<std::int64_t> positive(const std::string& text) {
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const std::int64_t v = std::stoll(text);
  return v > 0 ? std::optional<std::int64_t>(v) : std::nullopt;
}

// A POST body: the ids the operation names, and who and why.
struct Body {
  rapidjson::Document doc;
  std::optional<std::string> problem;

  std::optional<std::int64_t> id(const char* name) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsInt64() || it->value.GetInt64() <= 0) {
      problem = std::string("\"") + name + "\" must be a positive id";
      return std::nullopt;
    }
    return it->value.GetInt64();
  }
  std::string text(const char* name) {
    auto it = doc.FindMember(name);
    if (it == doc.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
  }
};

}  // namespace

HttpResponse MpiAdminApi::handle(const HttpRequest& req) {
  auto who = auth_.authenticate(req.header("authorization"), std::chrono::system_clock::now());
  if (!who) {
    HttpResponse res = error(401, who.error());
    res.set_header("WWW-Authenticate", "Bearer realm=\"medgw\"");
    return res;
  }
  if (std::find(who->scopes.begin(), who->scopes.end(), kMpiAdminScope) == who->scopes.end()) {
    return error(403, "the token's scopes do not include " + std::string(kMpiAdminScope));
  }
  const std::string_view action = std::string_view(req.path).substr(kMpiAdminPath.size());

  if (action == "review" || action == "history") {
    if (req.method != "GET") return error(405, "read with GET");
    if (action == "review") {
      const std::string* all = query_value(req, "all");
      auto views = store_.review_views(!(all && *all == "true"));
      if (!views) return store_error(views.error());
      return json(200, crmstore::review_json(*views));
    }
    const std::string* golden = query_value(req, "golden");
    const auto id = golden ? positive(*golden) : std::nullopt;
    if (!id) return error(400, "history needs ?golden=ID");
    auto exists = store_.golden_view(*id);
    if (!exists) return store_error(exists.error());
    if (!*exists) return error(404, "no golden patient " + std::to_string(*id));
    auto rows = store_.operations_of_golden(*id);
    if (!rows) return store_error(rows.error());
    return json(200, crmstore::history_json(*rows));
  }

  const bool known = action == "link" || action == "unlink" || action == "merge" || action == "unmerge" ||
                     action == "distinct" || action == "undo";
  if (!known) return error(404, "no such operation: see /admin/mpi/review, history, link, unlink, merge, unmerge, distinct, undo");
  if (req.method != "POST") return error(405, "operations are POSTed as JSON");
  Body body;
  body.doc.Parse(req.body.c_str(), req.body.size());
  if (body.doc.HasParseError() || !body.doc.IsObject()) return error(400, "the body must be a JSON object");
  mpi::Actor actor;
  const std::string person = body.text("by");
  actor.by = person.empty() ? who->client : person + " via " + who->client;
  actor.reason = body.text("reason");
  if (actor.reason.empty()) return error(400, "\"reason\" is required");

  Expected<crmstore::OperationResult, crmstore::StoreError> done = unexpected(crmstore::StoreError{"", false});
  if (action == "link") {
    auto record = body.id("source_record");
    auto golden = body.id("golden");
    if (body.problem) return error(400, *body.problem);
    done = store_.link_record(*record, *golden, actor);
  } else if (action == "unlink") {
    auto record = body.id("source_record");
    if (body.problem) return error(400, *body.problem);
    done = store_.unlink_record(*record, actor);
  } else if (action == "merge") {
    auto from = body.id("from");
    auto into = body.id("into");
    if (body.problem) return error(400, *body.problem);
    done = store_.merge_goldens(*from, *into, actor);
  } else if (action == "unmerge") {
    auto merge = body.id("merge");
    if (body.problem) return error(400, *body.problem);
    done = store_.unmerge(*merge, actor);
  } else if (action == "distinct") {
    auto a = body.id("golden_a");
    auto b = body.id("golden_b");
    if (body.problem) return error(400, *body.problem);
    done = store_.mark_distinct(*a, *b, actor);
  } else {
    auto op = body.id("operation");
    if (body.problem) return error(400, *body.problem);
    done = store_.undo_operation(*op, actor);
  }
  if (!done) return store_error(done.error());
  return json(200, crmstore::operation_json(*done));
}

}  // namespace medgw::fhir
