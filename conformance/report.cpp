#include "conformance/report.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#ifndef MEDGW_VERSION
#define MEDGW_VERSION "unknown"
#endif

namespace medgw::conformance {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// XML 1.0 cannot carry most control characters even escaped: they become U+FFFD.
std::string xml_text(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 && c != '\t' && c != '\n') out += "\xEF\xBF\xBD";
    else out += static_cast<char>(c);
  }
  return escape_xml(out);
}

std::string summary_line(const Report& r) {
  return std::to_string(r.cases.size()) + " " + (r.kind == "validate" ? "messages" : "steps") + ", " +
         std::to_string(r.failed_cases()) + " failed; " + std::to_string(r.count(Severity::kError)) + " errors, " +
         std::to_string(r.count(Severity::kWarning)) + " warnings";
}

}  // namespace

std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::size_t Report::count(Severity severity) const {
  std::size_t n = 0;
  for (const CaseResult& c : cases) n += c.count(severity);
  return n;
}

std::size_t Report::failed_cases() const {
  std::size_t n = 0;
  for (const CaseResult& c : cases) n += !c.passed();
  return n;
}

Report new_report(std::string kind) {
  Report r;
  r.kind = std::move(kind);
  r.medgw_version = MEDGW_VERSION;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r.generated_at = buf;
  return r;
}

std::string to_text(const Report& r) {
  std::string out;
  for (const CaseResult& c : r.cases) {
    out += (c.passed() ? "PASS " : "FAIL ") + c.name;
    if (!c.message_type.empty()) out += " (" + c.message_type + (c.control_id.empty() ? "" : " " + c.control_id) + ")";
    out += "\n";
    for (const Finding& f : c.findings) {
      out += "  " + std::string(to_string(f.severity)) + " " + f.location.to_string() + " " + f.rule + ": " + f.description;
      if (!f.actual.empty()) out += " [actual: " + f.actual + "]";
      out += "\n";
    }
  }
  out += summary_line(r) + "\n";
  return out;
}

std::string to_json(const Report& r) {
  std::string out = "{\"kind\":" + json_string(r.kind) + ",\"profile\":" + json_string(r.profile) +
                    ",\"suite\":" + json_string(r.suite) + ",\"target\":" + json_string(r.target) +
                    ",\"generated_at\":" + json_string(r.generated_at) + ",\"medgw_version\":" + json_string(r.medgw_version) +
                    ",\"passed\":" + (r.passed() ? "true" : "false") + ",\"errors\":" + std::to_string(r.count(Severity::kError)) +
                    ",\"warnings\":" + std::to_string(r.count(Severity::kWarning)) + ",\"cases\":[";
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& c = r.cases[i];
    out += (i ? "," : "") + std::string("{\"name\":") + json_string(c.name) + ",\"profile\":" + json_string(c.profile) +
           ",\"control_id\":" + json_string(c.control_id) + ",\"message_type\":" + json_string(c.message_type) +
           ",\"passed\":" + (c.passed() ? "true" : "false") + ",\"findings\":[";
    for (std::size_t j = 0; j < c.findings.size(); ++j) {
      const Finding& f = c.findings[j];
      const Location& l = f.location;
      out += (j ? "," : "") + std::string("{\"severity\":") + json_string(to_string(f.severity)) +
             ",\"location\":" + json_string(l.to_string()) + ",\"segment\":" + json_string(l.segment) +
             ",\"occurrence\":" + std::to_string(l.occurrence) + ",\"line\":" + std::to_string(l.line) +
             ",\"field\":" + std::to_string(l.field) + ",\"repetition\":" + std::to_string(l.repetition) +
             ",\"component\":" + std::to_string(l.component) + ",\"subcomponent\":" + std::to_string(l.subcomponent) +
             ",\"rule\":" + json_string(f.rule) + ",\"hl7_error_code\":" + std::to_string(f.hl7_error_code) +
             ",\"description\":" + json_string(f.description) + ",\"actual\":" + json_string(f.actual) + "}";
    }
    out += "]}";
  }
  return out + "]}\n";
}

std::string to_junit(const Report& r) {
  const std::string suite = r.suite.empty() ? "medgw conformance " + r.kind + " (" + r.profile + ")" : r.suite;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"" + xml_text(suite) + "\" tests=\"" + std::to_string(r.cases.size()) + "\" failures=\"" +
         std::to_string(r.failed_cases()) + "\">\n";
  out += "  <testsuite name=\"" + xml_text(suite) + "\" tests=\"" + std::to_string(r.cases.size()) + "\" failures=\"" +
         std::to_string(r.failed_cases()) + "\" errors=\"0\" timestamp=\"" + xml_text(r.generated_at) + "\">\n";
  out += "    <properties>\n      <property name=\"profile\" value=\"" + xml_text(r.profile) + "\"/>\n" +
         "      <property name=\"target\" value=\"" + xml_text(r.target) + "\"/>\n" +
         "      <property name=\"medgw_version\" value=\"" + xml_text(r.medgw_version) + "\"/>\n    </properties>\n";
  for (const CaseResult& c : r.cases) {
    out += "    <testcase classname=\"" + xml_text(r.suite.empty() ? r.profile : r.suite) + "\" name=\"" + xml_text(c.name) + "\"";
    std::string findings;
    for (const Finding& f : c.findings) {
      findings += std::string(to_string(f.severity)) + " " + f.location.to_string() + " " + f.rule + ": " + f.description +
                  (f.actual.empty() ? "" : " [actual: " + f.actual + "]") + "\n";
    }
    if (c.passed() && findings.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (!c.passed()) {
      out += "      <failure message=\"" + std::to_string(c.count(Severity::kError)) + " error(s)\" type=\"conformance\">" +
             xml_text(findings) + "</failure>\n";
    } else {
      out += "      <system-out>" + xml_text(findings) + "</system-out>\n";
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string to_html(const Report& r) {
  auto h = [](const std::string& s) { return xml_text(s); };
  const std::string title = "medgw conformance report: " + (r.suite.empty() ? r.profile : r.suite);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<title>" + h(title) + "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}"
      "th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#eee}"
      ".pass{color:#176117;font-weight:bold}.fail{color:#a01010;font-weight:bold}"
      ".error{background:#fde8e8}.warning{background:#fff6d6}.info{background:#eef4ff}"
      "code{font-family:monospace;white-space:pre-wrap;word-break:break-all}h2{margin-top:1.5em}\n"
      "</style></head><body>\n";
  out += "<h1>" + h(title) + "</h1>\n<table>\n";
  auto row = [&](const std::string& k, const std::string& v) { out += "<tr><th>" + h(k) + "</th><td>" + h(v) + "</td></tr>\n"; };
  row("Result", r.passed() ? "PASSED" : "FAILED");
  row("Kind", r.kind);
  row("Profile", r.profile);
  if (!r.suite.empty()) row("Suite", r.suite);
  row("Target", r.target);
  row("Date (UTC)", r.generated_at);
  row("medgw version", r.medgw_version);
  row("Summary", summary_line(r));
  out += "</table>\n<h2>Summary</h2>\n<table><tr><th>#</th><th>Case</th><th>Message</th><th>Result</th><th>Errors</th><th>Warnings</th></tr>\n";
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& c = r.cases[i];
    out += "<tr><td>" + std::to_string(i + 1) + "</td><td><a href=\"#case-" + std::to_string(i + 1) + "\">" + h(c.name) +
           "</a></td><td>" + h(c.message_type + (c.control_id.empty() ? "" : " " + c.control_id)) + "</td><td class=\"" +
           (c.passed() ? "pass\">PASS" : "fail\">FAIL") + "</td><td>" + std::to_string(c.count(Severity::kError)) + "</td><td>" +
           std::to_string(c.count(Severity::kWarning)) + "</td></tr>\n";
  }
  out += "</table>\n<h2>Findings</h2>\n";
  for (std::size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& c = r.cases[i];
    out += "<h3 id=\"case-" + std::to_string(i + 1) + "\">" + std::to_string(i + 1) + ". " + h(c.name) + " <span class=\"" +
           (c.passed() ? "pass\">PASS" : "fail\">FAIL") + "</span></h3>\n";
    if (!c.profile.empty()) out += "<p>Profile: " + h(c.profile) + "</p>\n";
    if (c.findings.empty()) {
      out += "<p>No findings.</p>\n";
      continue;
    }
    out += "<table><tr><th>Severity</th><th>Location</th><th>Rule</th><th>HL7 code</th><th>Description</th><th>Actual value</th></tr>\n";
    for (const Finding& f : c.findings) {
      out += "<tr class=\"" + std::string(to_string(f.severity)) + "\"><td>" + to_string(f.severity) + "</td><td><code>" +
             h(f.location.to_string()) + "</code></td><td><code>" + h(f.rule) + "</code></td><td>" +
             (f.hl7_error_code ? std::to_string(f.hl7_error_code) : "") + "</td><td>" + h(f.description) + "</td><td><code>" +
             h(f.actual) + "</code></td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<p>Generated by medgw " + h(r.medgw_version) + " on " + h(r.generated_at) + ".</p>\n</body></html>\n";
  return out;
}

}  // namespace medgw::conformance
