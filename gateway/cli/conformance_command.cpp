// `medgw conformance`: the suite vendors run before their system is connected.
//   validate --profile P [--format text|json|junit|html] [--out FILE] FILE...
//       every finding about each message; exit 0 when no errors, 1 when any, 2 on usage errors.
//   run --suite S --target mllp://HOST:PORT [--fhir URL] [--junit F] [--html F]
//       plays a scenario suite to a running medgw and checks its ACKs and FHIR API.
//   listen --suite S --port P [--junit F] [--html F]
//       receives the vendor's messages for a suite, checks them, answers as medgw would.
// Findings may quote message values: they go to the vendor's report only, never to a log.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "conformance/listener.hpp"
#include "conformance/report.hpp"
#include "conformance/suite_runner.hpp"
#include "conformance/validator.hpp"
#include "gateway/cli/commands.hpp"
#include "gateway/cli/read_file.hpp"
#include "mappings/hl7v2/batch.hpp"

namespace medgw::cli {
namespace {

namespace cf = conformance;

struct ValidateArgs {
  std::string profile = "medgw";
  std::string format = "text";
  std::string out;
  std::vector<std::string> files;
};

struct SuiteArgs {
  std::string suite;
  std::string target;
  std::string fhir;
  std::string fhir_token;
  std::string profile;
  std::string junit, html;
  int port = 0;
  std::string bind = "0.0.0.0";
  int timeout_ms = 30'000;
};

bool write_to(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "medgw conformance: cannot write the " << what << " report to " << path << "\n";
    return false;
  }
  return true;
}

Expected<cf::ProfileSet, std::string> load_profiles(const std::string& name) {
  const std::string dir = cf::resolve_profile_dir(name);
  if (dir.empty()) return unexpected("no profile set \"" + name + "\" (a directory, or a shipped name such as medgw or cn-his)");
  return cf::load_profile_set(dir);
}

int validate(const ValidateArgs& args) {
  auto profiles = load_profiles(args.profile);
  if (!profiles) {
    std::cerr << "medgw conformance validate: " << profiles.error() << "\n";
    return 2;
  }
  cf::Report report = cf::new_report("validate");
  report.profile = profiles->name;
  cf::ValidateOptions options;
  options.today = cf::utc_today();
  for (const std::string& path : args.files) {
    auto data = read_file(path);
    if (!data) {
      std::cerr << "medgw conformance validate: " << data.error() << "\n";
      return 2;
    }
    report.target += (report.target.empty() ? "" : " ") + path;
    auto file = hl7v2::read_batch(*data);
    if (!file) {
      // The file cannot be split into messages: validate it whole, which reports why.
      cf::CaseResult r = cf::validate_message(*profiles, *data, options);
      r.name = path;
      report.cases.push_back(std::move(r));
      continue;
    }
    const auto spans = file->all_messages();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      cf::CaseResult r = cf::validate_message(*profiles, spans[i].text, options);
      r.name = spans.size() > 1 ? path + " #" + std::to_string(i + 1) : path;
      report.cases.push_back(std::move(r));
    }
  }
  const std::string text = args.format == "json"    ? cf::to_json(report)
                           : args.format == "junit" ? cf::to_junit(report)
                           : args.format == "html"  ? cf::to_html(report)
                                                    : cf::to_text(report);
  if (args.out.empty()) std::cout << text;
  else if (!write_to(args.out, text, args.format.c_str())) return 2;
  return report.count(cf::Severity::kError) ? 1 : 0;
}

int write_reports(const cf::Report& report, const SuiteArgs& args) {
  std::cout << cf::to_text(report);
  bool ok = true;
  if (!args.junit.empty()) ok = write_to(args.junit, cf::to_junit(report), "JUnit") && ok;
  if (!args.html.empty()) ok = write_to(args.html, cf::to_html(report), "HTML") && ok;
  if (!ok) return 2;
  return report.passed() ? 0 : 1;
}

Expected<cf::Suite, std::string> load_suite_named(const std::string& name) {
  const std::string dir = cf::resolve_suite_dir(name);
  if (dir.empty()) return unexpected("no suite \"" + name + "\" (a directory, or a shipped name such as patient-lifecycle)");
  return cf::load_suite(dir);
}

int run_suite(const SuiteArgs& args) {
  auto suite = load_suite_named(args.suite);
  if (!suite) {
    std::cerr << "medgw conformance run: " << suite.error() << "\n";
    return 2;
  }
  cf::RunOptions options;
  options.target = args.target;
  options.fhir_base = args.fhir;
  options.fhir_token = args.fhir_token;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  auto report = cf::run_suite(*suite, options);
  if (!report) {
    std::cerr << "medgw conformance run: " << report.error() << "\n";
    return 2;
  }
  return write_reports(*report, args);
}

int listen(const SuiteArgs& args) {
  auto suite = load_suite_named(args.suite);
  if (!suite) {
    std::cerr << "medgw conformance listen: " << suite.error() << "\n";
    return 2;
  }
  cf::ListenOptions options;
  options.bind = args.bind;
  options.port = static_cast<std::uint16_t>(args.port);
  auto report = cf::listen_for_suite(*suite, options, std::cerr);
  if (!report) {
    std::cerr << "medgw conformance listen: " << report.error() << "\n";
    return 2;
  }
  return write_reports(*report, args);
}

}  // namespace

void add_conformance_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("conformance", "Check a vendor's HL7 v2 messages against medgw's profiles and scenario suites");
  cmd->require_subcommand(1);

  auto v = std::make_shared<ValidateArgs>();
  CLI::App* validate_cmd = cmd->add_subcommand("validate", "Validate message files against a profile set");
  validate_cmd->add_option("--profile", v->profile, "Profile set: a directory or a shipped name (medgw, cn-his)");
  validate_cmd->add_option("--format", v->format, "text, json, junit or html")->check(CLI::IsMember({"text", "json", "junit", "html"}));
  validate_cmd->add_option("--out", v->out, "Write the report here instead of standard output");
  validate_cmd->add_option("files", v->files, "Files holding one message, several, or a batch")->required();
  validate_cmd->callback([v, &exit_code] { exit_code = validate(*v); });

  auto r = std::make_shared<SuiteArgs>();
  CLI::App* run_cmd = cmd->add_subcommand("run", "Run a scenario suite against a running medgw");
  run_cmd->add_option("--suite", r->suite, "Suite: a directory or a shipped name")->required();
  run_cmd->add_option("--target", r->target, "mllp://HOST:PORT of the gateway's listener")->required();
  run_cmd->add_option("--fhir", r->fhir, "Base URL of the gateway's FHIR API, for the archive checks");
  run_cmd->add_option("--fhir-token", r->fhir_token, "Bearer token for the FHIR API")->envname("MEDGW_FHIR_TOKEN");
  run_cmd->add_option("--junit", r->junit, "Write a JUnit XML report");
  run_cmd->add_option("--html", r->html, "Write the HTML report");
  run_cmd->add_option("--timeout-ms", r->timeout_ms, "Wait this long for each ACK and archive check")->check(CLI::Range(100, 600'000));
  run_cmd->callback([r, &exit_code] { exit_code = run_suite(*r); });

  auto l = std::make_shared<SuiteArgs>();
  CLI::App* listen_cmd = cmd->add_subcommand("listen", "Receive a suite's messages from the vendor's system and check them");
  listen_cmd->add_option("--suite", l->suite, "Suite: a directory or a shipped name")->required();
  listen_cmd->add_option("--port", l->port, "MLLP port to listen on (0: any free port, printed on standard error)")->required()->check(CLI::Range(0, 65535));
  listen_cmd->add_option("--bind", l->bind, "Address to listen on");
  listen_cmd->add_option("--junit", l->junit, "Write a JUnit XML report");
  listen_cmd->add_option("--html", l->html, "Write the HTML report");
  listen_cmd->callback([l, &exit_code] { exit_code = listen(*l); });
}

}  // namespace medgw::cli
