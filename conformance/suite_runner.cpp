#include "conformance/suite_runner.hpp"

#include <rapidjson/document.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "adapters/fhir/http_client.hpp"
#include "adapters/mllp/sender.hpp"
#include "mappings/hl7v2/batch.hpp"
#include "mappings/hl7v2/message.hpp"
#include "mappings/hl7v2/path.hpp"

namespace medgw::conformance {
namespace {

Finding scenario(std::string rule, std::string description, std::string actual = {}) {
  return {Severity::kError, Location{}, std::move(rule), 0, std::move(description), std::move(actual)};
}

struct ErrEntry {
  int code = 0;
  std::string segment;
  std::size_t field = 0;
  std::string text() const {
    return std::to_string(code) + "@" + (segment.empty() ? "-" : segment + (field ? "-" + std::to_string(field) : ""));
  }
};

std::vector<ErrEntry> err_entries(const hl7v2::Message& ack) {
  std::vector<ErrEntry> out;
  for (std::size_t i = 0; i < ack.segment_count(); ++i) {
    const hl7v2::Segment seg = ack.segment(i);
    if (seg.name() != "ERR") continue;
    ErrEntry e;
    const hl7v2::Field err3 = seg.field(3), err2 = seg.field(2), err1 = seg.field(1);
    if (!err3.empty()) {
      e.code = std::atoi(std::string(err3.component(1).raw()).c_str());
      e.segment = std::string(err2.component(1).raw());
      e.field = static_cast<std::size_t>(std::atoi(std::string(err2.component(3).raw()).c_str()));
    } else {  // v2.4 and earlier: ERR-1 = segment^sequence^field^code&text
      e.segment = std::string(err1.component(1).raw());
      e.field = static_cast<std::size_t>(std::atoi(std::string(err1.component(3).raw()).c_str()));
      e.code = std::atoi(std::string(err1.component(4).subcomponent(1)).c_str());
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A synchronous GET on the coroutine client: one request at a time on a private io_context.
class FhirReader {
 public:
  static Expected<std::unique_ptr<FhirReader>, std::string> open(const RunOptions& options) {
    auto origin = fhir::parse_http_url(options.fhir_base);
    if (!origin) return unexpected("--fhir: " + origin.error());
    auto reader = std::unique_ptr<FhirReader>(new FhirReader());
    fhir::HttpClientConfig cfg;
    cfg.origin = *origin;
    cfg.request_timeout = options.timeout;
    auto client = fhir::HttpClient::create(reader->io_.get_executor(), cfg);
    if (!client) return unexpected("--fhir: " + client.error());
    reader->client_ = std::move(*client);
    reader->base_ = origin->path;
    if (!options.fhir_token.empty()) reader->headers_.emplace_back("Authorization", "Bearer " + options.fhir_token);
    reader->headers_.emplace_back("Accept", "application/fhir+json");
    return reader;
  }

  // The resources of a search's Bundle (ids and their JSON), or an error sentence.
  struct Page {
    std::string error;
    std::vector<std::pair<std::string, std::string>> resources;  // (type/id, JSON text)
    std::string body;
  };

  Page search(const std::string& query) {
    fhir::HttpResult result;
    boost::asio::co_spawn(io_, client_->get(base_ + "/" + query, headers_),
                          [&result](std::exception_ptr e, fhir::HttpResult r) {
                            if (e) result.error = "the request failed";
                            else result = std::move(r);
                          });
    io_.restart();
    io_.run();
    Page page;
    if (!result.ok()) {
      page.error = result.error;
      return page;
    }
    if (result.response.status != 200) {
      page.error = "HTTP " + std::to_string(result.response.status) + " for " + query;
      return page;
    }
    page.body = result.response.body;
    rapidjson::Document doc;
    doc.Parse(page.body.c_str(), page.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      page.error = "the answer to " + query + " is not JSON";
      return page;
    }
    if (doc.HasMember("entry") && doc["entry"].IsArray()) {
      for (const auto& entry : doc["entry"].GetArray()) {
        if (!entry.IsObject() || !entry.HasMember("resource") || !entry["resource"].IsObject()) continue;
        const auto& res = entry["resource"];
        if (!res.HasMember("resourceType") || !res["resourceType"].IsString()) continue;
        std::string id = res.HasMember("id") && res["id"].IsString() ? res["id"].GetString() : "";
        page.resources.emplace_back(std::string(res["resourceType"].GetString()) + "/" + id, "");
      }
    }
    return page;
  }

 private:
  FhirReader() = default;
  boost::asio::io_context io_;
  std::unique_ptr<fhir::HttpClient> client_;
  std::string base_;
  fhir::HttpHeaders headers_;
};

std::size_t count_type(const FhirReader::Page& page, const std::string& type) {
  std::size_t n = 0;
  for (const auto& r : page.resources) n += r.first.rfind(type + "/", 0) == 0;
  return n;
}

std::string first_of_type(const FhirReader::Page& page, const std::string& type) {
  for (const auto& r : page.resources) {
    if (r.first.rfind(type + "/", 0) == 0) return r.first.substr(type.size() + 1);
  }
  return {};
}

// One pass of an archive check; the finding is empty (no rule) when it holds.
Finding check_archive_once(FhirReader& fhir, const ArchiveCheck& check) {
  const std::string query = "Patient?identifier=" + url_encode(check.patient);
  const FhirReader::Page patients = fhir.search(query);
  if (!patients.error.empty()) return scenario("scenario.archive", "FHIR API: " + patients.error);
  const std::string id = first_of_type(patients, "Patient");
  if (check.absent) {
    return id.empty() ? Finding{} : scenario("scenario.archive", "no patient expected for identifier " + check.patient, "Patient/" + id);
  }
  if (id.empty()) return scenario("scenario.archive", "no patient found for identifier " + check.patient);
  std::string texts = patients.body;
  if (!check.same_patient_as.empty()) {
    const FhirReader::Page other = fhir.search("Patient?identifier=" + url_encode(check.same_patient_as));
    if (!other.error.empty()) return scenario("scenario.archive", "FHIR API: " + other.error);
    const std::string other_id = first_of_type(other, "Patient");
    if (other_id != id) {
      return scenario("scenario.archive",
                      "identifiers " + check.patient + " and " + check.same_patient_as + " should find the same (merged) patient",
                      "Patient/" + id + " and " + (other_id.empty() ? "none" : "Patient/" + other_id));
    }
  }
  for (const auto& [type, expected] : check.count) {
    const FhirReader::Page page = fhir.search(type + "?patient=" + url_encode(id) + "&_count=1000");
    if (!page.error.empty()) return scenario("scenario.archive", "FHIR API: " + page.error);
    const std::size_t n = count_type(page, type);
    if (n != expected) {
      return scenario("scenario.archive",
                      std::to_string(expected) + " " + type + " expected for identifier " + check.patient,
                      std::to_string(n) + " found");
    }
    texts += page.body;
  }
  for (const std::string& text : check.contains) {
    if (texts.find(text) == std::string::npos) {
      return scenario("scenario.archive", "the patient's resources should contain " + text);
    }
  }
  return {};
}

Expected<std::pair<std::string, std::uint16_t>, std::string> parse_mllp_target(const std::string& target) {
  const std::string prefix = "mllp://";
  if (target.rfind(prefix, 0) != 0) return unexpected(std::string("--target must be mllp://HOST:PORT"));
  const std::string rest = target.substr(prefix.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return unexpected(std::string("--target must be mllp://HOST:PORT"));
  const int port = std::atoi(rest.substr(colon + 1).c_str());
  if (port <= 0 || port > 65535) return unexpected(std::string("--target: bad port"));
  return std::make_pair(rest.substr(0, colon), static_cast<std::uint16_t>(port));
}

}  // namespace

std::vector<Finding> check_ack(const Step& step, const std::string& ack_text) {
  std::vector<Finding> out;
  auto ack = hl7v2::Message::parse(ack_text);
  if (!ack) {
    out.push_back(scenario("scenario.ack-unreadable", "the acknowledgement does not parse: " + ack.error().message));
    return out;
  }
  const auto msa = ack->find("MSA");
  const std::string code = msa ? std::string(msa->field(1).raw()) : "";
  if (code != step.ack) {
    Finding f = scenario("scenario.ack-code", "MSA-1 should be " + step.ack, code);
    f.location = {"MSA", 1, 0, 1, 0, 0, 0};
    out.push_back(std::move(f));
  }
  const std::vector<ErrEntry> errs = err_entries(*ack);
  for (const ExpectedError& want : step.errors) {
    std::string segment;
    std::size_t field = 0;
    if (!want.location.empty()) {
      auto path = hl7v2::parse_path(want.location);
      if (path) {
        segment = path->segment;
        field = path->field;
      }
    }
    bool found = false;
    for (const ErrEntry& e : errs) {
      if ((want.code == 0 || e.code == want.code) && (segment.empty() || e.segment == segment) && (field == 0 || e.field == field)) {
        found = true;
      }
    }
    if (!found) {
      std::string actual;
      for (const ErrEntry& e : errs) actual += (actual.empty() ? "" : ", ") + e.text();
      Finding f = scenario("scenario.ack-err",
                           "an ERR with code " + std::to_string(want.code) + (want.location.empty() ? "" : " at " + want.location) +
                               " was expected",
                           actual.empty() ? "no ERR" : actual);
      f.location = {"ERR", 0, 0, 0, 0, 0, 0};
      out.push_back(std::move(f));
    }
  }
  return out;
}

Expected<Report, std::string> run_suite(const Suite& suite, const RunOptions& options) {
  auto target = parse_mllp_target(options.target);
  if (!target) return unexpected(target.error());
  std::unique_ptr<FhirReader> fhir;
  if (!options.fhir_base.empty()) {
    auto reader = FhirReader::open(options);
    if (!reader) return unexpected(reader.error());
    fhir = std::move(*reader);
  }
  mllp::SenderConfig cfg;
  cfg.host = target->first;
  cfg.port = target->second;
  cfg.ack_timeout = options.timeout;
  cfg.max_attempts = 1;  // a retry would hide a gateway that does not answer in time

  Report report = new_report("run");
  report.suite = suite.name;
  report.profile = suite.profile;
  report.target = options.target + (options.fhir_base.empty() ? "" : " " + options.fhir_base);
  for (std::size_t i = 0; i < suite.steps.size(); ++i) {
    const Step& step = suite.steps[i];
    CaseResult result;
    result.name = "step " + std::to_string(i + 1) + ": " + step.name;
    std::string message = hl7v2::with_cr_terminators(step.message);
    while (!message.empty() && (message.back() == '\r' || message.back() == '\n')) message.pop_back();
    message += '\r';
    if (auto parsed = hl7v2::Message::parse(message, {})) {
      result.control_id = std::string(parsed->control_id());
      result.message_type = std::string(parsed->message_code()) + "^" + std::string(parsed->trigger_event());
    }
    const auto sent = mllp::send_messages(cfg, {message});
    if (sent.empty() || sent[0].ack_code.empty()) {
      result.findings.push_back(scenario("scenario.no-ack", "no acknowledgement: " + (sent.empty() ? std::string("not sent") : sent[0].error)));
      report.cases.push_back(std::move(result));
      continue;
    }
    result.findings = check_ack(step, sent[0].ack_text);
    if (!step.archive.empty()) {
      if (!fhir) {
        result.findings.push_back({Severity::kWarning, Location{}, "scenario.archive-skipped", 0,
                                   "archive checks skipped: no --fhir URL given", ""});
      } else {
        for (const ArchiveCheck& check : step.archive) {
          const auto deadline = std::chrono::steady_clock::now() + options.timeout;
          Finding f = check_archive_once(*fhir, check);
          while (!f.rule.empty() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            f = check_archive_once(*fhir, check);
          }
          if (!f.rule.empty()) result.findings.push_back(std::move(f));
        }
      }
    }
    report.cases.push_back(std::move(result));
  }
  return report;
}

}  // namespace medgw::conformance
