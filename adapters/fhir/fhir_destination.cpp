#include "adapters/fhir/fhir_destination.hpp"

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/fhir/http_client.hpp"
#include "gateway/core/log.hpp"
#include "mappings/fhir/change_set_bundle.hpp"

namespace medgw::fhir {

namespace asio = boost::asio;
using pipeline::DeliveryResult;

namespace {

// The issue codes of an OperationOutcome ("invalid, processing"): what went wrong, without the
// diagnostics text, which a server may fill with the data it refused.
std::string issue_codes(const rapidjson::Value& outcome) {
  std::string codes;
  if (!outcome.IsObject()) return codes;
  auto issues = outcome.FindMember("issue");
  if (issues == outcome.MemberEnd() || !issues->value.IsArray()) return codes;
  for (const auto& i : issues->value.GetArray()) {
    if (!i.IsObject()) continue;
    auto c = i.FindMember("code");
    if (c == i.MemberEnd() || !c->value.IsString()) continue;
    if (!codes.empty()) codes += ", ";
    codes.append(c->value.GetString(), c->value.GetStringLength());
    if (codes.size() > 200) break;
  }
  return codes;
}

std::string with_codes(std::string text, const std::string& codes) {
  if (!codes.empty()) text += " (" + codes + ")";
  return text;
}

}  // namespace

DeliveryResult classify_answer(unsigned status, const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  const bool json = !d.HasParseError() && d.IsObject();
  const std::string status_text = "HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500) {
    return {DeliveryResult::Kind::kRetry, with_codes(status_text, json ? issue_codes(d) : "")};
  }
  if (status < 200 || status >= 300) {
    return {DeliveryResult::Kind::kPermanent, with_codes(status_text, json ? issue_codes(d) : "")};
  }
  // A transaction is all or nothing, but a server may still say so entry by entry.
  if (!json) return {DeliveryResult::Kind::kPermanent, status_text + " without a transaction-response Bundle"};
  auto entries = d.FindMember("entry");
  if (entries != d.MemberEnd() && entries->value.IsArray()) {
    rapidjson::SizeType n = 0;
    for (const auto& e : entries->value.GetArray()) {
      auto r = e.IsObject() ? e.FindMember("response") : e.MemberEnd();
      if (r != e.MemberEnd() && r->value.IsObject()) {
        auto st = r->value.FindMember("status");
        if (st != r->value.MemberEnd() && st->value.IsString() && st->value.GetString()[0] != '2') {
          auto outcome = r->value.FindMember("outcome");
          return {DeliveryResult::Kind::kPermanent,
                  with_codes(status_text + " but entry " + std::to_string(n) + " answered " + st->value.GetString(),
                             outcome != r->value.MemberEnd() ? issue_codes(outcome->value) : "")};
        }
      }
      ++n;
    }
  }
  return {DeliveryResult::Kind::kDelivered, status_text};
}

struct FhirDestination::Impl {
  FhirDestinationConfig cfg;
  HttpOrigin origin;
  asio::io_context io;
  std::vector<std::unique_ptr<HttpClient>> clients;
  HttpHeaders headers;
  ChangeSetBundleOptions bundle_options;

  // Sends bundles[next..] on one client until none is left.
  asio::awaitable<void> send_all(HttpClient& client, const std::vector<std::string>& bundles, std::size_t& next,
                                 std::vector<DeliveryResult>& results, const std::vector<bool>& skip) {
    const std::string target = origin.path.empty() ? "/" : origin.path;
    while (next < bundles.size()) {
      const std::size_t i = next++;
      if (skip[i]) continue;
      HttpResult r = co_await client.post(target, headers, bundles[i]);
      if (!r.ok()) {
        results[i] = {DeliveryResult::Kind::kRetry, r.error};
        continue;
      }
      results[i] = classify_answer(r.response.status, r.response.body);
    }
  }
};

Expected<std::unique_ptr<FhirDestination>, std::string> FhirDestination::create(FhirDestinationConfig config) {
  auto impl = std::make_unique<Impl>();
  auto origin = parse_http_url(config.base_url);
  if (!origin) return unexpected("fhir_destination.base_url: " + origin.error());
  impl->origin = *origin;
  impl->cfg = std::move(config);
  if (impl->cfg.connections == 0) impl->cfg.connections = 1;
  for (unsigned i = 0; i < impl->cfg.connections; ++i) {
    HttpClientConfig hc;
    hc.origin = impl->origin;
    hc.ca_file = impl->cfg.ca_file;
    hc.certificate = impl->cfg.certificate;
    hc.private_key = impl->cfg.private_key;
    hc.connect_timeout = impl->cfg.connect_timeout;
    hc.request_timeout = impl->cfg.request_timeout;
    auto client = HttpClient::create(impl->io.get_executor(), std::move(hc));
    if (!client) return unexpected("fhir_destination: " + client.error());
    impl->clients.push_back(std::move(*client));
  }
  impl->headers = {
      {"Content-Type", "application/fhir+json"}, {"Accept", "application/fhir+json"}, {"Prefer", "return=minimal"}};
  if (!impl->cfg.bearer_token.empty()) impl->headers.emplace_back("Authorization", "Bearer " + impl->cfg.bearer_token);
  impl->bundle_options.key_system = impl->cfg.key_system;
  return std::unique_ptr<FhirDestination>(new FhirDestination(std::move(impl)));
}

FhirDestination::FhirDestination(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FhirDestination::~FhirDestination() = default;

std::vector<DeliveryResult> FhirDestination::deliver(const std::vector<const model::ChangeSet*>& changes) {
  std::vector<DeliveryResult> results(changes.size());
  std::vector<std::string> bundles(changes.size());
  std::vector<bool> skip(changes.size(), false);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    auto b = change_set_bundle(*changes[i], impl_->bundle_options);
    if (!b) {
      // Nothing a FHIR server takes (a merge alone): nothing to deliver.
      log::info("fhir_destination.nothing_to_send", {{"reason", b.error()}});
      results[i] = {DeliveryResult::Kind::kDelivered, b.error()};
      skip[i] = true;
      continue;
    }
    for (const auto& s : b->skipped) log::info("fhir_destination.not_sent", {{"what", s}});
    bundles[i] = std::move(b->json);
  }
  std::size_t next = 0;
  for (auto& client : impl_->clients) {
    asio::co_spawn(impl_->io, impl_->send_all(*client, bundles, next, results, skip), asio::detached);
  }
  impl_->io.restart();
  impl_->io.run();
  return results;
}

}  // namespace medgw::fhir
