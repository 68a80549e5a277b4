#include "gateway/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "adapters/fhir/http_client.hpp"

namespace medgw::config {
namespace {

// Config errors are exceptions inside this file only (start-up time), turned into a value at the
// boundary.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw ConfigError(where + ": " + why);
}

void check_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) fail(where, "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(where.empty() ? key : where + "." + key, "unknown key (allowed here: " + list + ")");
    }
  }
}

std::string path_of(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

template <class T>
T get(const YAML::Node& node, const std::string& where, const std::string& key, T fallback) {
  YAML::Node v = node[key];
  if (!v) return fallback;
  if (!v.IsScalar()) fail(path_of(where, key), "expected a single value");
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    if constexpr (std::is_same_v<T, bool>) fail(path_of(where, key), "expected true or false");
    if constexpr (std::is_integral_v<T>) fail(path_of(where, key), "expected a whole number");
    fail(path_of(where, key), "expected text");
  }
}

std::uint64_t get_count(const YAML::Node& node, const std::string& where, const std::string& key,
                        std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
  long long v = get<long long>(node, where, key, static_cast<long long>(fallback));
  if (v < static_cast<long long>(min) || static_cast<unsigned long long>(v) > max) {
    fail(path_of(where, key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return static_cast<std::uint64_t>(v);
}

std::string existing_file(const YAML::Node& node, const std::string& where, const std::string& key, bool required) {
  std::string f = get<std::string>(node, where, key, "");
  if (f.empty()) {
    if (required) fail(path_of(where, key), "required");
    return f;
  }
  if (!std::filesystem::is_regular_file(f)) fail(path_of(where, key), "file '" + f + "' does not exist");
  return f;
}

TlsConfig read_tls(const YAML::Node& t, const std::string& tw) {
  check_keys(t, tw, {"certificate", "private_key", "ca", "require_client_certificate"});
  TlsConfig tls;
  tls.certificate = existing_file(t, tw, "certificate", true);
  tls.private_key = existing_file(t, tw, "private_key", true);
  tls.ca = existing_file(t, tw, "ca", false);
  tls.require_client_certificate = get<bool>(t, tw, "require_client_certificate", false);
  if (tls.require_client_certificate && tls.ca.empty()) {
    fail(path_of(tw, "ca"), "required when require_client_certificate is true");
  }
  return tls;
}

mllp::ListenerConfig read_listener(const YAML::Node& n, const std::string& where) {
  check_keys(
      n, where,
      {"name", "protocol", "bind", "port", "max_frame_bytes", "max_connections", "frame_timeout_ms", "idle_timeout_ms",
       "write_timeout_ms", "mllp_release", "default_charset", "unmapped_types", "ack_application", "ack_facility",
       "log_content", "tls"});
  mllp::ListenerConfig c;
  c.name = get<std::string>(n, where, "name", "");
  if (c.name.empty()) fail(path_of(where, "name"), "required (it names the source in logs and the queue)");
  std::string protocol = get<std::string>(n, where, "protocol", "mllp");
  if (protocol != "mllp") fail(path_of(where, "protocol"), "only 'mllp' listeners exist so far");
  c.bind = get<std::string>(n, where, "bind", c.bind);
  c.port = static_cast<std::uint16_t>(get_count(n, where, "port", c.port, 0, 65535));
  c.max_frame_bytes = get_count(n, where, "max_frame_bytes", c.max_frame_bytes, 1024, 1ull << 30);
  c.max_connections = get_count(n, where, "max_connections", c.max_connections, 1, 100'000);
  c.frame_timeout =
      std::chrono::milliseconds(get_count(n, where, "frame_timeout_ms", c.frame_timeout.count(), 10, 86'400'000));
  c.idle_timeout =
      std::chrono::milliseconds(get_count(n, where, "idle_timeout_ms", c.idle_timeout.count(), 10, 86'400'000));
  c.write_timeout =
      std::chrono::milliseconds(get_count(n, where, "write_timeout_ms", c.write_timeout.count(), 10, 86'400'000));
  c.mllp_release = static_cast<int>(get_count(n, where, "mllp_release", 1, 1, 2));
  std::string charset = get<std::string>(n, where, "default_charset", "");
  if (!charset.empty()) {
    auto cs = hl7v2::find_charset(charset);
    if (!cs || !cs->supported)
      fail(path_of(where, "default_charset"), "unknown or unsupported charset '" + charset + "'");
    c.default_charset = *cs;
  }
  const std::string unmapped = get<std::string>(n, where, "unmapped_types", "reject");
  if (unmapped != "reject" && unmapped != "park") fail(path_of(where, "unmapped_types"), "expected reject or park");
  c.reject_unmapped_types = unmapped == "reject";
  c.ack_application = get<std::string>(n, where, "ack_application", c.ack_application);
  c.ack_facility = get<std::string>(n, where, "ack_facility", c.ack_facility);
  c.log_content = get<bool>(n, where, "log_content", false);
  if (YAML::Node t = n["tls"]) c.tls = read_tls(t, path_of(where, "tls"));
  return c;
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) fail(where, "expected a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) fail(where + "[" + std::to_string(i) + "]", "expected text");
    out.push_back(n[i].as<std::string>());
  }
  return out;
}

// crm_store.survivorship (adapters/crmstore/survivorship.hpp): a rule per field and the ranked
// senders most_trusted uses.
crmstore::SurvivorshipRules read_survivorship(const YAML::Node& n) {
  const std::string where = "crm_store.survivorship";
  check_keys(n, where, {"trusted_senders", "name", "birth_date", "gender", "telecom", "address"});
  crmstore::SurvivorshipRules r;
  if (YAML::Node t = n["trusted_senders"]) {
    r.trusted_senders = string_list(t, path_of(where, "trusted_senders"));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < r.trusted_senders.size(); ++i) {
      const std::string at = path_of(where, "trusted_senders") + "[" + std::to_string(i) + "]";
      if (r.trusted_senders[i].empty()) fail(at, "a sender name is required");
      if (!seen.insert(r.trusted_senders[i]).second) fail(at, "'" + r.trusted_senders[i] + "' is listed twice");
    }
  }
  bool any_trusted = false;
  auto rule = [&](const char* key, crmstore::SurvivorshipRule& out) {
    const std::string text = get<std::string>(n, where, key, crmstore::to_string(out));
    auto parsed = crmstore::parse_survivorship_rule(text);
    if (!parsed) fail(path_of(where, key), "must be most_recent or most_trusted, not '" + text + "'");
    out = *parsed;
    if (out == crmstore::SurvivorshipRule::kMostTrusted) any_trusted = true;
  };
  rule("name", r.name);
  rule("birth_date", r.birth_date);
  rule("gender", r.gender);
  rule("telecom", r.telecom);
  rule("address", r.address);
  if (any_trusted && r.trusted_senders.empty()) {
    fail(path_of(where, "trusted_senders"), "required when a field is most_trusted (the senders, most trusted first)");
  }
  return r;
}

FhirConfig read_fhir(const YAML::Node& n) {
  const std::string where = "fhir";
  check_keys(n, where,
             {"enabled", "name", "bind", "port", "base_path", "public_base_url", "max_body_bytes", "max_header_bytes",
              "max_connections", "max_bundle_entries", "read_timeout_ms", "idle_timeout_ms", "write_timeout_ms",
              "handler_threads", "apply_wait_ms", "tls", "api_keys", "jwt"});
  FhirConfig f;
  f.enabled = get<bool>(n, where, "enabled", true);
  f.server.name = get<std::string>(n, where, "name", f.server.name);
  f.server.bind = get<std::string>(n, where, "bind", f.server.bind);
  f.server.port = static_cast<std::uint16_t>(get_count(n, where, "port", f.server.port, 0, 65535));
  f.api.base_path = get<std::string>(n, where, "base_path", f.api.base_path);
  if (f.api.base_path.empty() || f.api.base_path.front() != '/' || f.api.base_path.back() == '/') {
    fail(path_of(where, "base_path"), "must start with '/' and not end with one (\"/fhir\")");
  }
  f.api.public_base_url = get<std::string>(n, where, "public_base_url", "");
  f.server.max_body_bytes = get_count(n, where, "max_body_bytes", f.server.max_body_bytes, 1024, 1ull << 30);
  f.server.max_header_bytes = get_count(n, where, "max_header_bytes", f.server.max_header_bytes, 1024, 1u << 20);
  f.server.max_connections = get_count(n, where, "max_connections", f.server.max_connections, 1, 100'000);
  f.api.max_batch_entries = get_count(n, where, "max_bundle_entries", f.api.max_batch_entries, 1, 100'000);
  f.server.read_timeout =
      std::chrono::milliseconds(get_count(n, where, "read_timeout_ms", f.server.read_timeout.count(), 10, 86'400'000));
  f.server.idle_timeout =
      std::chrono::milliseconds(get_count(n, where, "idle_timeout_ms", f.server.idle_timeout.count(), 10, 86'400'000));
  f.server.write_timeout = std::chrono::milliseconds(
      get_count(n, where, "write_timeout_ms", f.server.write_timeout.count(), 10, 86'400'000));
  f.server.handler_threads =
      static_cast<unsigned>(get_count(n, where, "handler_threads", f.server.handler_threads, 1, 256));
  f.apply_wait = std::chrono::milliseconds(get_count(n, where, "apply_wait_ms", f.apply_wait.count(), 0, 600'000));
  if (YAML::Node t = n["tls"]) f.server.tls = read_tls(t, path_of(where, "tls"));
  if (YAML::Node keys = n["api_keys"]) {
    if (!keys.IsSequence()) fail(path_of(where, "api_keys"), "expected a list");
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string kw = path_of(where, "api_keys") + "[" + std::to_string(i) + "]";
      check_keys(keys[i], kw, {"client", "token_sha256", "scopes"});
      fhir::ApiKey k;
      k.client = get<std::string>(keys[i], kw, "client", "");
      if (k.client.empty()) fail(path_of(kw, "client"), "required (it names the client in the audit trail)");
      k.token_sha256 = get<std::string>(keys[i], kw, "token_sha256", "");
      if (k.token_sha256.size() != 64 ||
          k.token_sha256.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        fail(path_of(kw, "token_sha256"), "must be the 64 hex digits of the token's SHA-256 (medgw fhir hash-token)");
      }
      if (!keys[i]["scopes"]) fail(path_of(kw, "scopes"), "required (system/*.read, system/Observation.write, ...)");
      k.scopes = string_list(keys[i]["scopes"], path_of(kw, "scopes"));
      f.access.api_keys.push_back(std::move(k));
    }
  }
  if (YAML::Node jwts = n["jwt"]) {
    if (!jwts.IsSequence()) fail(path_of(where, "jwt"), "expected a list");
    for (std::size_t i = 0; i < jwts.size(); ++i) {
      const std::string jw = path_of(where, "jwt") + "[" + std::to_string(i) + "]";
      check_keys(jwts[i], jw, {"issuer", "audience", "public_key", "key_id"});
      fhir::JwtKey k;
      k.issuer = get<std::string>(jwts[i], jw, "issuer", "");
      if (k.issuer.empty()) fail(path_of(jw, "issuer"), "required");
      k.audience = get<std::string>(jwts[i], jw, "audience", "");
      k.public_key_file = existing_file(jwts[i], jw, "public_key", true);
      k.key_id = get<std::string>(jwts[i], jw, "key_id", "");
      f.access.jwt_keys.push_back(std::move(k));
    }
  }
  if (f.enabled && f.access.api_keys.empty() && f.access.jwt_keys.empty()) {
    fail(where, "no api_keys and no jwt issuers: nobody could use the API (every request needs a token)");
  }
  return f;
}

dbpoll::Parameter read_parameter(const YAML::Node& n, const std::string& where, bool columns_allowed) {
  if (!n.IsScalar()) fail(where, "expected text");
  const std::string v = n.as<std::string>();
  dbpoll::Parameter p;
  if (v == "watermark_timestamp") {
    p.kind = dbpoll::Parameter::Kind::kWatermarkTimestamp;
  } else if (v == "watermark_key") {
    p.kind = dbpoll::Parameter::Kind::kWatermarkKey;
  } else if (v == "batch_size") {
    p.kind = dbpoll::Parameter::Kind::kBatchSize;
  } else if (columns_allowed && v.rfind("column:", 0) == 0 && v.size() > 7) {
    p.kind = dbpoll::Parameter::Kind::kColumn;
    p.column = v.substr(7);
  } else {
    fail(where, "'" + v + "' is not a parameter (watermark_timestamp, watermark_key, batch_size" +
                    (columns_allowed ? ", column:NAME)" : ")"));
  }
  return p;
}

std::vector<dbpoll::Parameter> read_parameters(const YAML::Node& n, const std::string& where, bool columns_allowed) {
  if (!n) return {};
  if (!n.IsSequence()) fail(where, "expected a list");
  std::vector<dbpoll::Parameter> out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    out.push_back(read_parameter(n[i], where + "[" + std::to_string(i) + "]", columns_allowed));
  }
  return out;
}

bool has_password_key(const std::string& connection) {
  std::string lower;
  for (char c : connection) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("pwd=") != std::string::npos || lower.find("password=") != std::string::npos;
}

dbpoll::DbSourceConfig read_db_source(const YAML::Node& n, const std::string& where) {
  check_keys(
      n, where,
      {"name", "connection", "password_file", "password_env", "query", "params", "timestamp_column", "key_column",
       "ordering_column", "initial_watermark", "poll_interval_ms", "batch_size", "encoding", "max_value_bytes",
       "login_timeout_s", "query_timeout_s", "reconnect_base_ms", "reconnect_max_ms", "write_back"});
  dbpoll::DbSourceConfig c;
  c.name = get<std::string>(n, where, "name", "");
  if (c.name.empty())
    fail(path_of(where, "name"), "required (it names the source in logs, the queue and the watermark)");
  c.connection_string = get<std::string>(n, where, "connection", "");
  if (c.connection_string.empty()) fail(path_of(where, "connection"), "required (an ODBC connection string)");
  c.password_file = existing_file(n, where, "password_file", false);
  c.password_env = get<std::string>(n, where, "password_env", "");
  if (!c.password_file.empty() && !c.password_env.empty()) {
    fail(path_of(where, "password_env"), "give password_file or password_env, not both");
  }
  if ((!c.password_file.empty() || !c.password_env.empty()) && has_password_key(c.connection_string)) {
    fail(path_of(where, "connection"), "holds a PWD= while password_file/password_env is set: keep it in one place");
  }
  c.query = get<std::string>(n, where, "query", "");
  if (c.query.empty()) fail(path_of(where, "query"), "required (a SELECT with ? markers bound per params)");
  c.params = read_parameters(n["params"], path_of(where, "params"), false);
  c.timestamp_column = get<std::string>(n, where, "timestamp_column", "");
  if (c.timestamp_column.empty()) fail(path_of(where, "timestamp_column"), "required (the watermark's timestamp)");
  c.key_column = get<std::string>(n, where, "key_column", "");
  if (c.key_column.empty()) fail(path_of(where, "key_column"), "required (the watermark's tie-breaking key)");
  c.ordering_column = get<std::string>(n, where, "ordering_column", "");
  if (YAML::Node w = n["initial_watermark"]) {
    const std::string ww = path_of(where, "initial_watermark");
    check_keys(w, ww, {"timestamp", "key"});
    c.initial_timestamp = get<std::string>(w, ww, "timestamp", c.initial_timestamp);
    c.initial_key = get<std::string>(w, ww, "key", c.initial_key);
  }
  c.poll_interval =
      std::chrono::milliseconds(get_count(n, where, "poll_interval_ms", c.poll_interval.count(), 10, 86'400'000));
  c.batch_size = get_count(n, where, "batch_size", c.batch_size, 1, 100'000);
  c.encoding = get<std::string>(n, where, "encoding", c.encoding);
  if (auto cs = hl7v2::find_charset(c.encoding); !cs || !cs->supported) {
    fail(path_of(where, "encoding"), "unknown or unsupported charset '" + c.encoding + "'");
  }
  c.max_value_bytes = get_count(n, where, "max_value_bytes", c.max_value_bytes, 1, 1ull << 30);
  c.login_timeout_s = static_cast<unsigned>(get_count(n, where, "login_timeout_s", c.login_timeout_s, 0, 3600));
  c.query_timeout_s = static_cast<unsigned>(get_count(n, where, "query_timeout_s", c.query_timeout_s, 0, 86'400));
  c.reconnect_base =
      std::chrono::milliseconds(get_count(n, where, "reconnect_base_ms", c.reconnect_base.count(), 1, 3'600'000));
  c.reconnect_max =
      std::chrono::milliseconds(get_count(n, where, "reconnect_max_ms", c.reconnect_max.count(), 1, 86'400'000));
  if (c.reconnect_max < c.reconnect_base)
    fail(path_of(where, "reconnect_max_ms"), "must not be below reconnect_base_ms");
  if (YAML::Node wb = n["write_back"]) {
    const std::string wbw = path_of(where, "write_back");
    check_keys(wb, wbw, {"statement", "params"});
    c.has_write_back = true;
    c.write_back.statement = get<std::string>(wb, wbw, "statement", "");
    if (c.write_back.statement.empty()) fail(path_of(wbw, "statement"), "required (an UPDATE with ? markers)");
    c.write_back.params = read_parameters(wb["params"], path_of(wbw, "params"), true);
  }
  return c;
}

// A bearer token from a file (`file_key`) or an environment variable (`env_key`), one of them or
// neither; never logged, never in an error.
std::string read_bearer_token(const YAML::Node& n, const std::string& where, const std::string& file_key,
                              const std::string& env_key) {
  std::string token;
  const std::string token_file = existing_file(n, where, file_key, false);
  const std::string token_env = get<std::string>(n, where, env_key, "");
  if (!token_file.empty() && !token_env.empty())
    fail(path_of(where, env_key), "give " + file_key + " or " + env_key + ", not both");
  if (!token_file.empty()) {
    std::ifstream in(token_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    token = ss.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
    if (!in || token.empty()) fail(path_of(where, file_key), "'" + token_file + "' is unreadable or empty");
  } else if (!token_env.empty()) {
    const char* v = std::getenv(token_env.c_str());
    if (v == nullptr || *v == '\0')
      fail(path_of(where, env_key), "the environment variable '" + token_env + "' is not set");
    token = v;
  }
  // The token goes into a header line: a line break in it would inject headers.
  if (token.find_first_of("\r\n") != std::string::npos) {
    fail(path_of(where, token_file.empty() ? env_key : file_key), "the token must be one line");
  }
  return token;
}

// The TLS of an HTTPS client (an upstream FHIR server, the FHIR destination).
struct ClientTls {
  std::string ca, certificate, private_key;
};

ClientTls read_client_tls(const YAML::Node& t, const std::string& tw, const std::string& base_url) {
  check_keys(t, tw, {"ca", "certificate", "private_key"});
  ClientTls tls;
  tls.ca = existing_file(t, tw, "ca", false);
  tls.certificate = existing_file(t, tw, "certificate", false);
  tls.private_key = existing_file(t, tw, "private_key", false);
  if (tls.certificate.empty() != tls.private_key.empty()) {
    fail(path_of(tw, tls.certificate.empty() ? "certificate" : "private_key"),
         "mutual TLS needs both certificate and private_key");
  }
  if (!base_url.starts_with("https://")) fail(tw, "given, but base_url is not https://");
  return tls;
}

// fhir_destination: committed change sets to an external FHIR server (fhir_destination.hpp).
fhir::FhirDestinationConfig read_fhir_destination(const YAML::Node& n) {
  const std::string where = "fhir_destination";
  check_keys(n, where,
             {"base_url", "token_file", "token_env", "tls", "connections", "connect_timeout_ms", "request_timeout_ms",
              "key_system"});
  fhir::FhirDestinationConfig d;
  d.base_url = get<std::string>(n, where, "base_url", "");
  if (d.base_url.empty()) fail(path_of(where, "base_url"), "required (http(s)://host[:port][/path])");
  if (auto origin = fhir::parse_http_url(d.base_url); !origin) fail(path_of(where, "base_url"), origin.error());
  d.bearer_token = read_bearer_token(n, where, "token_file", "token_env");
  if (YAML::Node t = n["tls"]) {
    const ClientTls tls = read_client_tls(t, path_of(where, "tls"), d.base_url);
    d.ca_file = tls.ca;
    d.certificate = tls.certificate;
    d.private_key = tls.private_key;
  }
  d.connections = static_cast<unsigned>(get_count(n, where, "connections", d.connections, 1, 64));
  d.connect_timeout =
      std::chrono::milliseconds(get_count(n, where, "connect_timeout_ms", d.connect_timeout.count(), 10, 600'000));
  d.request_timeout =
      std::chrono::milliseconds(get_count(n, where, "request_timeout_ms", d.request_timeout.count(), 10, 3'600'000));
  d.key_system = get<std::string>(n, where, "key_system", d.key_system);
  if (d.key_system.empty()) fail(path_of(where, "key_system"), "must not be empty");
  return d;
}

// fhir_sources[i]: an upstream FHIR server polled as a source (adapters/fhir/fhir_poller.hpp).
fhir::FhirSourceConfig read_fhir_source(const YAML::Node& n, const std::string& where) {
  check_keys(n, where,
             {"name", "base_url", "resource_types", "page_size", "interval_ms", "token_file", "token_env", "tls",
              "backoff_base_ms", "backoff_max_ms", "connect_timeout_ms", "request_timeout_ms", "max_body_bytes",
              "max_pages_per_poll"});
  fhir::FhirSourceConfig s;
  s.name = get<std::string>(n, where, "name", "");
  if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
                            std::string::npos) {
    fail(path_of(where, "name"), "required: letters, digits, '.', '_' or '-' (it names the source and its records)");
  }
  s.base_url = get<std::string>(n, where, "base_url", "");
  if (!(s.base_url.starts_with("http://") || s.base_url.starts_with("https://")) ||
      s.base_url.find_first_of("?#@") != std::string::npos) {
    fail(path_of(where, "base_url"), "required: http(s)://host[:port][/path], without query or user@");
  }
  while (s.base_url.size() > 8 && s.base_url.back() == '/') s.base_url.pop_back();
  if (!n["resource_types"]) fail(path_of(where, "resource_types"), "required (Patient, Observation, ...)");
  s.resource_types = string_list(n["resource_types"], path_of(where, "resource_types"));
  if (s.resource_types.empty()) fail(path_of(where, "resource_types"), "needs at least one type");
  std::set<std::string> seen_types;
  for (std::size_t i = 0; i < s.resource_types.size(); ++i) {
    const std::string& t = s.resource_types[i];
    static const std::set<std::string> kTypes{"Patient",        "Encounter",         "Observation", "DiagnosticReport",
                                              "ServiceRequest", "DocumentReference", "ImagingStudy"};
    const std::string tw = path_of(where, "resource_types") + "[" + std::to_string(i) + "]";
    if (!kTypes.count(t)) {
      fail(tw, "'" + t +
                   "' is not a type the archive takes (Patient, Encounter, Observation, DiagnosticReport, "
                   "ServiceRequest, DocumentReference, ImagingStudy)");
    }
    if (!seen_types.insert(t).second) fail(tw, "'" + t + "' is listed twice");
  }
  s.page_size = static_cast<unsigned>(get_count(n, where, "page_size", s.page_size, 1, 1000));
  s.interval = std::chrono::milliseconds(get_count(n, where, "interval_ms", s.interval.count(), 10, 86'400'000));
  s.bearer_token = read_bearer_token(n, where, "token_file", "token_env");
  if (YAML::Node t = n["tls"]) {
    const ClientTls tls = read_client_tls(t, path_of(where, "tls"), s.base_url);
    s.tls_ca = tls.ca;
    s.tls_certificate = tls.certificate;
    s.tls_private_key = tls.private_key;
  }
  s.backoff_base =
      std::chrono::milliseconds(get_count(n, where, "backoff_base_ms", s.backoff_base.count(), 1, 86'400'000));
  s.backoff_max =
      std::chrono::milliseconds(get_count(n, where, "backoff_max_ms", s.backoff_max.count(), 1, 86'400'000));
  if (s.backoff_max < s.backoff_base) fail(path_of(where, "backoff_max_ms"), "must not be below backoff_base_ms");
  s.connect_timeout =
      std::chrono::milliseconds(get_count(n, where, "connect_timeout_ms", s.connect_timeout.count(), 10, 600'000));
  s.request_timeout =
      std::chrono::milliseconds(get_count(n, where, "request_timeout_ms", s.request_timeout.count(), 10, 3'600'000));
  s.max_body_bytes = get_count(n, where, "max_body_bytes", s.max_body_bytes, 1024, 1ull << 31);
  s.max_pages_per_poll = get_count(n, where, "max_pages_per_poll", s.max_pages_per_poll, 1, 10'000'000);
  return s;
}

GatewayConfig read(const YAML::Node& root) {
  GatewayConfig g;
  if (!root || root.IsNull()) fail("config", "empty");
  check_keys(root, "",
             {"log", "queue", "listeners", "io_threads", "stats_interval_s", "site", "crm_store", "pipeline", "fhir",
              "db_sources", "fhir_sources", "fhir_destination"});
  if (YAML::Node d = root["fhir_destination"]) g.fhir_destination = read_fhir_destination(d);
  if (YAML::Node f = root["fhir"]) g.fhir = read_fhir(f);
  if (YAML::Node srcs = root["fhir_sources"]) {
    if (!srcs.IsSequence()) fail("fhir_sources", "expected a list");
    std::set<std::string> names;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
      const std::string where = "fhir_sources[" + std::to_string(i) + "]";
      fhir::FhirSourceConfig s = read_fhir_source(srcs[i], where);
      if (!names.insert(s.name).second) fail(path_of(where, "name"), "'" + s.name + "' is used by another source");
      g.fhir_sources.push_back(std::move(s));
    }
  }
  g.site = existing_file(root, "", "site", false);
  if (YAML::Node c = root["crm_store"]) {
    check_keys(c, "crm_store", {"path", "survivorship"});
    g.crm_store.path = get<std::string>(c, "crm_store", "path", g.crm_store.path);
    if (g.crm_store.path.empty()) fail("crm_store.path", "required");
    if (YAML::Node sv = c["survivorship"]) g.crm_store.survivorship = read_survivorship(sv);
  }
  if (YAML::Node p = root["pipeline"]) {
    check_keys(p, "pipeline", {"enabled", "workers", "batch_max"});
    g.pipeline.enabled = get<bool>(p, "pipeline", "enabled", g.pipeline.enabled);
    g.pipeline.workers = static_cast<unsigned>(get_count(p, "pipeline", "workers", g.pipeline.workers, 1, 64));
    g.pipeline.batch_max = get_count(p, "pipeline", "batch_max", g.pipeline.batch_max, 1, 10'000);
  }
  g.io_threads = static_cast<unsigned>(get_count(root, "", "io_threads", g.io_threads, 1, 64));
  g.stats_interval = std::chrono::seconds(get_count(root, "", "stats_interval_s", g.stats_interval.count(), 1, 86'400));
  if (YAML::Node l = root["log"]) {
    check_keys(l, "log", {"level"});
    g.log_level = get<std::string>(l, "log", "level", g.log_level);
    if (g.log_level != "debug" && g.log_level != "info" && g.log_level != "warn" && g.log_level != "error") {
      fail("log.level", "must be debug, info, warn or error");
    }
  }
  if (YAML::Node q = root["queue"]) {
    check_keys(q, "queue",
               {"path", "max_batch", "max_batch_wait_us", "high_watermark", "low_watermark", "dedupe_window_hours",
                "retention_days", "max_attempts", "backoff_base_ms", "backoff_max_ms", "park_policy"});
    QueueConfig& c = g.queue;
    c.path = get<std::string>(q, "queue", "path", c.path);
    if (c.path.empty()) fail("queue.path", "required");
    c.max_batch = get_count(q, "queue", "max_batch", c.max_batch, 1, 1'000'000);
    c.max_batch_wait = std::chrono::microseconds(get_count(q, "queue", "max_batch_wait_us", 0, 0, 1'000'000));
    c.high_watermark = get_count(q, "queue", "high_watermark", c.high_watermark, 1, 1ull << 40);
    c.low_watermark = get_count(q, "queue", "low_watermark", c.low_watermark, 0, 1ull << 40);
    if (c.low_watermark > c.high_watermark) fail("queue.low_watermark", "must not exceed queue.high_watermark");
    c.dedupe_window =
        std::chrono::hours(get_count(q, "queue", "dedupe_window_hours", c.dedupe_window.count(), 0, 24 * 3650));
    c.retention = std::chrono::hours(24 * get_count(q, "queue", "retention_days", c.retention.count() / 24, 0, 3650));
    c.max_attempts = static_cast<std::uint32_t>(get_count(q, "queue", "max_attempts", c.max_attempts, 1, 1000));
    c.backoff_base =
        std::chrono::milliseconds(get_count(q, "queue", "backoff_base_ms", c.backoff_base.count(), 1, 86'400'000));
    c.backoff_max =
        std::chrono::milliseconds(get_count(q, "queue", "backoff_max_ms", c.backoff_max.count(), 1, 86'400'000));
    std::string policy = get<std::string>(q, "queue", "park_policy", "block_key");
    if (policy != "block_key" && policy != "skip") fail("queue.park_policy", "must be block_key or skip");
    c.park_blocks_key = policy == "block_key";
  }
  YAML::Node ls = root["listeners"];
  if (ls) {
    if (!ls.IsSequence()) fail("listeners", "expected a list");
    std::set<std::pair<std::string, int>> ports;
    std::set<std::string> names;
    for (std::size_t i = 0; i < ls.size(); ++i) {
      const std::string where = "listeners[" + std::to_string(i) + "]";
      mllp::ListenerConfig c = read_listener(ls[i], where);
      if (!names.insert(c.name).second) fail(path_of(where, "name"), "'" + c.name + "' is used by another listener");
      if (c.port != 0) {
        for (const auto& [bind, port] : ports) {
          if (port == c.port && (bind == c.bind || bind == "0.0.0.0" || c.bind == "0.0.0.0")) {
            fail(path_of(where, "port"), std::to_string(c.port) + " is already used by another listener");
          }
        }
        ports.insert({c.bind, c.port});
      }
      g.listeners.push_back(std::move(c));
    }
  }
  if (YAML::Node ds = root["db_sources"]) {
    if (!ds.IsSequence()) fail("db_sources", "expected a list");
    std::set<std::string> names;
    for (const auto& l : g.listeners) names.insert(l.name);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const std::string where = "db_sources[" + std::to_string(i) + "]";
      dbpoll::DbSourceConfig c = read_db_source(ds[i], where);
      if (!names.insert(c.name).second) fail(path_of(where, "name"), "'" + c.name + "' is used by another source");
      g.db_sources.push_back(std::move(c));
    }
  }
  return g;
}

}  // namespace

Expected<GatewayConfig, std::string> parse_config(const std::string& yaml_text) {
  try {
    return read(YAML::Load(yaml_text));
  } catch (const ConfigError& e) {
    return unexpected(std::string(e.what()));
  } catch (const YAML::Exception& e) {
    return unexpected("YAML: " + std::string(e.what()));
  }
}

Expected<GatewayConfig, std::string> load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = parse_config(ss.str());
  if (!c) return unexpected(path + ": " + c.error());
  return c;
}

}  // namespace medgw::config
