#include "adapters/fhir/fhir_poller.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <map>
#include <random>
#include <unordered_set>

#include "adapters/fhir/http_client.hpp"
#include "adapters/fhir/poll_bundle.hpp"
#include "adapters/fhir/poll_envelope.hpp"
#include "adapters/fhir/poll_watermark.hpp"
#include "gateway/core/log.hpp"
#include "queue/backoff.hpp"

namespace medgw::fhir {

namespace asio = boost::asio;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kMaxKnownPatients = 100'000;
// A tie group larger than page_size is asked for in pages doubled up to this size.
constexpr unsigned kMaxTiePage = 1000;
// Re-reads of a tie group paged by the server's offsets before the watermark leaves it.
constexpr unsigned kMaxVerifyPasses = 4;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Query values: unreserved characters as they are, the rest (the '+' of a zone offset) escaped.
std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A `next` link as a request target on our origin; nullopt when it points elsewhere.
std::optional<std::string> target_of_link(const HttpOrigin& origin, std::string_view url) {
  if (url.starts_with("/")) return std::string(url);
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::size_t path_start = url.find('/', scheme_end + 3);
  const std::size_t query_start = url.find('?', scheme_end + 3);
  const std::size_t cut = std::min(path_start, query_start);
  auto o = parse_http_url(url.substr(0, cut));
  if (!o || !o->same_origin(origin)) return std::nullopt;
  if (cut == std::string_view::npos) return std::string("/");
  std::string target(url.substr(cut));
  if (target.front() == '?') target.insert(0, "/");
  return target;
}

// Retry-After in seconds (the HTTP-date form is ignored: the backoff applies).
std::chrono::milliseconds retry_after_of(std::string_view v) {
  unsigned seconds = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (v.empty() || r.ec != std::errc() || seconds > 86'400) return std::chrono::milliseconds(0);
  return std::chrono::seconds(seconds);
}

// Queue::append_batch as an awaitable: the callback (on the queue's thread) posts the result back
// to the coroutine's executor.
template <class Token>
auto async_append_batch(Queue& queue, SourceBatch batch, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code, std::vector<AppendResult>)>(
      [&queue](auto handler, SourceBatch b) {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        using State = std::pair<decltype(handler), decltype(work)>;
        auto state = std::make_shared<State>(std::move(handler), std::move(work));
        queue.append_batch(std::move(b), [state](std::error_code ec, std::vector<AppendResult> results) {
          auto ex = state->second.get_executor();
          asio::post(ex, [state, ec, results = std::move(results)]() mutable {
            auto h = std::move(state->first);
            state->second.reset();
            std::move(h)(ec, std::move(results));
          });
        });
      },
      token, std::move(batch));
}

// Coroutine results are plain aggregates built as named locals (http_client.hpp, HttpResult).
struct PollFailure {
  bool failed = false;
  std::string reason;
  std::chrono::milliseconds retry_after{0};
  bool unauthorized = false;
};

PollFailure failure(std::string reason) {
  PollFailure f;
  f.failed = true;
  f.reason = std::move(reason);
  return f;
}

struct FetchResult {
  PollFailure failure;
  ClientResponse response;
};

struct PatientResult {
  PollFailure failure;
  std::optional<PolledResource> patient;  // nullopt: the upstream has no such patient
};

}  // namespace

std::string poll_checkpoint_name(const std::string& source, const std::string& type) {
  return "fhir-poll/" + source + "/" + type;
}

struct FhirPoller::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, FhirSourceConfig c, Queue& q, HttpOrigin o)
      : strand(asio::make_strand(io)),
        cfg(std::move(c)),
        queue(q),
        origin(std::move(o)),
        timer(strand),
        backoff(cfg.backoff_base, cfg.backoff_max, std::random_device{}()) {}

  asio::strand<asio::io_context::executor_type> strand;
  FhirSourceConfig cfg;
  Queue& queue;
  HttpOrigin origin;
  std::unique_ptr<HttpClient> client;
  asio::steady_timer timer;
  queue::Backoff backoff;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};
  FhirPollerCounters counters;
  std::map<std::string, Watermark> marks;  // per type, read from the queue's checkpoint once
  std::unordered_set<std::string> known_patients;

  std::string base_url() const {
    return origin.scheme + "://" + origin.host +
           ((origin.scheme == "https" && origin.port == 443) || (origin.scheme == "http" && origin.port == 80)
                ? std::string()
                : ":" + std::to_string(origin.port)) +
           origin.path;
  }

  HttpHeaders headers() const {
    HttpHeaders h{{"Accept", "application/fhir+json"}};
    if (!cfg.bearer_token.empty()) h.emplace_back("Authorization", "Bearer " + cfg.bearer_token);
    return h;
  }

  std::string search_target(const std::string& type, const Watermark& w, unsigned count) const {
    std::string t = origin.path + "/" + type + "?";
    if (!w.empty()) t += "_lastUpdated=ge" + url_encode(w.last_updated()) + "&";
    t += "_sort=_lastUpdated&_count=" + std::to_string(count);
    return t;
  }

  // One GET; a non-200 answer is a failure with the reason.
  awaitable<FetchResult> fetch(std::string target) {
    FetchResult out;
    // Named locals, not temporaries, in co_await expressions (see HttpResult).
    HttpHeaders h = headers();
    HttpResult r = co_await client->get(std::move(target), std::move(h));
    if (!r.ok()) {
      out.failure = failure(std::move(r.error));
      co_return out;
    }
    const unsigned status = r.response.status;
    if (status == 200) {
      out.response = std::move(r.response);
      co_return out;
    }
    out.failure = failure("HTTP " + std::to_string(status));
    if (status == 401 || status == 403) {
      out.failure.unauthorized = true;
      out.failure.reason +=
          ": the upstream refused the credentials (check token_file / token_env and the scopes it grants)";
    } else if (status == 404 || status == 410) {
      out.failure.reason += ": not found";
    }
    if (status == 429 || status == 503) out.failure.retry_after = retry_after_of(r.response.retry_after);
    co_return out;
  }

  // The Patient a resource names, read by id, as an envelope; none when the upstream has no such
  // patient (the resource is then queued alone and the store refuses it with "unknown subject").
  awaitable<PatientResult> fetch_patient(const std::string& id) {
    PatientResult out;
    std::string target = origin.path + "/Patient/" + id;
    FetchResult r = co_await fetch(std::move(target));
    if (r.failure.failed) {
      if (!r.failure.reason.starts_with("HTTP 404") && !r.failure.reason.starts_with("HTTP 410")) {
        out.failure = std::move(r.failure);
        co_return out;
      }
      log::warn("fhir_poll.subject_missing",
                {{"source", cfg.name}, {"hint", "a resource names a Patient the upstream does not return"}});
      co_return out;
    }
    out.failure = patient_envelope(id, r.response.body, out.patient);
    co_return out;
  }

  // Not a coroutine: the parsing and checks of a Patient read.
  PollFailure patient_envelope(const std::string& id, const std::string& body, std::optional<PolledResource>& out) {
    auto doc = JsonDocument::parse(body);
    if (!doc) return failure("a Patient read is not JSON");
    const rapidjson::Value& root = doc->root();
    const auto text = [&](const rapidjson::Value& v, const char* name) -> std::string {
      if (!v.IsObject()) return {};
      auto m = v.FindMember(name);
      return m != v.MemberEnd() && doc->is_string(m->value) ? std::string(text_of(m->value)) : std::string();
    };
    if (text(root, "resourceType") != "Patient" || text(root, "id") != id) {
      return failure("a Patient read returned another resource");
    }
    PolledEntry e;
    e.type = "Patient";
    e.resource = &root;
    e.id = id;
    if (auto meta = root.FindMember("meta"); meta != root.MemberEnd()) {
      e.version_id = text(meta->value, "versionId");
      e.last_updated = text(meta->value, "lastUpdated");
    }
    if (e.last_updated.empty() || !parse_instant(e.last_updated)) {
      return failure("a Patient read has no meta.lastUpdated");
    }
    ++counters.patients_fetched;
    out = polled_envelope(cfg.name, base_url(), *doc, e, now_ms());
    return {};
  }

  PollFailure load_mark(const std::string& type, Watermark& out) {
    if (auto it = marks.find(type); it != marks.end()) {
      out = it->second;
      return {};
    }
    Watermark w;
    if (auto stored = queue.checkpoint(poll_checkpoint_name(cfg.name, type))) {
      auto decoded = Watermark::decode(*stored);
      // Polling from the beginning instead would store every resource again: refuse, loudly.
      if (!decoded) return failure("the stored checkpoint is unreadable");
      w = std::move(*decoded);
    }
    marks[type] = w;
    out = std::move(w);
    return {};
  }

  // Polls one type through its pages; failed == false when done.
  awaitable<PollFailure> poll_type(const std::string& type) {
    PollFailure result;
    Watermark mark;
    result = load_mark(type, mark);
    if (result.failed) co_return result;
    std::string bound = mark.last_updated();  // the lower bound of the current query
    std::optional<InstantKey> bound_key = parse_instant(bound);
    unsigned count = cfg.page_size;
    std::string target = search_target(type, mark, count);
    bool paged_in_group = false;  // a next link was followed within the bound's instant
    bool verifying = false;       // re-reading that tie group before the watermark leaves it
    std::uint64_t found_in_pass = 0;
    unsigned passes = 0;
    std::uint64_t stored = 0, duplicates = 0, pages = 0;
    while (!stopping.load()) {
      if (++pages > cfg.max_pages_per_poll) {
        result = failure("more than " + std::to_string(cfg.max_pages_per_poll) + " pages in one poll");
        co_return result;
      }
      std::string request = target;
      FetchResult res = co_await fetch(std::move(request));
      if (res.failure.failed) {
        result = std::move(res.failure);
        co_return result;
      }
      ++counters.pages;
      auto page = parse_search_page(res.response.body, type);
      if (!page) {
        result = failure(std::move(page).error());
        co_return result;
      }

      // A tie group read through the server's offsets: offsets shift when a resource of the group
      // is updated meanwhile (it leaves the group), and the next page then starts one resource
      // late. Before the watermark leaves the group, the group is read again from its start
      // until a pass finds nothing new.
      const bool beyond =
          bound_key && std::any_of(page->entries.begin(), page->entries.end(),
                                   [&](const PolledEntry& e) { return *parse_instant(e.last_updated) > *bound_key; });
      std::uint64_t unseen_at_bound = 0;
      for (const PolledEntry& e : page->entries) {
        const InstantKey at = *parse_instant(e.last_updated);
        if (bound_key && at == *bound_key && !mark.seen(at, e.id)) ++unseen_at_bound;
      }
      if (beyond && paged_in_group && (!verifying || found_in_pass + unseen_at_bound > 0)) {
        if (passes < kMaxVerifyPasses) {
          verifying = true;
          ++passes;
          found_in_pass = 0;
          target = search_target(type, mark, count);
          continue;
        }
        log::warn("fhir_poll.unstable_paging",
                  {{"source", cfg.name},
                   {"type", type},
                   {"passes", passes},
                   {"hint", "a tie group larger than the server's page size kept changing"}});
      }

      Watermark next = mark;
      std::vector<Envelope> envelopes;
      std::unordered_set<std::string> batch_patients;
      for (const PolledEntry& e : page->entries) {
        const InstantKey at = *parse_instant(e.last_updated);  // checked by parse_search_page
        if (next.seen(at, e.id)) {
          ++counters.skipped;
          continue;
        }
        if (verifying && bound_key && at == *bound_key) ++found_in_pass;
        PolledResource polled = polled_envelope(cfg.name, base_url(), page->doc, e, now_ms());
        if (type != "Patient" && !polled.patient_id.empty() && !known_patients.contains(polled.patient_id) &&
            !batch_patients.contains(polled.patient_id)) {
          PatientResult patient = co_await fetch_patient(polled.patient_id);
          if (patient.failure.failed) {
            result = std::move(patient.failure);
            co_return result;
          }
          if (patient.patient) envelopes.push_back(std::move(patient.patient->envelope));
          batch_patients.insert(polled.patient_id);
        }
        if (type == "Patient") batch_patients.insert(e.id);
        envelopes.push_back(std::move(polled.envelope));
        next.record(at, e.last_updated, e.id);
      }
      if (stopping.load()) co_return result;  // nothing of this page is stored; re-read next time

      if (!envelopes.empty() || !(next == mark)) {
        SourceBatch batch{poll_checkpoint_name(cfg.name, type), next.encode(), std::move(envelopes)};
        auto [ec, results] = co_await async_append_batch(queue, std::move(batch), kTuple);
        if (ec) {
          result = failure("the queue could not store the page: " + ec.message());
          co_return result;
        }
        for (const AppendResult& r : results) {
          if (r.duplicate) {
            ++duplicates;
          } else {
            ++stored;
          }
        }
        mark = std::move(next);
        marks[type] = mark;
        if (known_patients.size() + batch_patients.size() > kMaxKnownPatients) known_patients.clear();
        known_patients.insert(batch_patients.begin(), batch_patients.end());
      }
      if (page->next.empty()) break;
      if (mark.last_updated() != bound) {
        // The watermark moved: a fresh query from it, instead of trusting the server's offsets.
        bound = mark.last_updated();
        bound_key = parse_instant(bound);
        count = cfg.page_size;
        paged_in_group = verifying = false;
        passes = 0;
        target = search_target(type, mark, count);
        continue;
      }
      // The whole page lay at the watermark's instant: a tie group larger than the page. Asking
      // for a larger page reads it in one consistent answer; a server that caps _count (answers
      // fewer than asked) leaves only its next link.
      if (page->entries.size() >= count && count < kMaxTiePage && !verifying) {
        count = std::min(count * 2, kMaxTiePage);
        target = search_target(type, mark, count);
        continue;
      }
      auto link = target_of_link(origin, page->next);
      if (!link) {
        result = failure("a next link points outside the upstream's base URL");
        co_return result;
      }
      target = std::move(*link);
      paged_in_group = true;
    }
    counters.stored += stored;
    counters.duplicates += duplicates;
    if (stored > 0 || duplicates > 0) {
      log::info(
          "fhir_poll.polled",
          {{"source", cfg.name}, {"type", type}, {"stored", stored}, {"duplicates", duplicates}, {"pages", pages}});
    }
    co_return result;
  }

  static awaitable<void> run(std::shared_ptr<Impl> self) {
    std::uint32_t failures = 0;
    while (!self->stopping.load()) {
      PollFailure failed;
      std::string failed_type;
      for (const std::string& type : self->cfg.resource_types) {
        failed = co_await self->poll_type(type);
        if (failed.failed) {
          failed_type = type;
          break;
        }
        if (self->stopping.load()) break;
      }
      if (self->stopping.load()) break;
      std::chrono::milliseconds delay = self->cfg.interval;
      if (failed.failed) {
        ++failures;
        ++self->counters.failures;
        self->client->close();
        delay = std::chrono::milliseconds(self->backoff.delay_ms(failures));
        delay = std::max(delay, std::min(failed.retry_after, self->cfg.backoff_max));
        const std::initializer_list<log::Field> fields{{"source", self->cfg.name},
                                                       {"type", failed_type},
                                                       {"reason", failed.reason},
                                                       {"failures", failures},
                                                       {"retry_in_ms", static_cast<std::int64_t>(delay.count())}};
        if (failed.unauthorized) {
          log::error("fhir_poll.unauthorized", fields);
        } else {
          log::warn("fhir_poll.failed", fields);
        }
      } else {
        if (failures > 0) log::info("fhir_poll.recovered", {{"source", self->cfg.name}, {"failures", failures}});
        failures = 0;
        ++self->counters.polls;
      }
      self->timer.expires_after(delay);
      co_await self->timer.async_wait(kTuple);
    }
    self->client->close();
    log::info("fhir_poll.stopped", {{"source", self->cfg.name}});
  }
};

Expected<std::unique_ptr<FhirPoller>, std::string> FhirPoller::create(asio::io_context& io, FhirSourceConfig config,
                                                                      Queue& queue) {
  auto origin = parse_http_url(config.base_url);
  if (!origin) return unexpected("fhir_sources " + config.name + ": base_url " + origin.error());
  auto impl = std::make_shared<Impl>(io, std::move(config), queue, *origin);
  HttpClientConfig hc;
  hc.origin = *origin;
  hc.ca_file = impl->cfg.tls_ca;
  hc.certificate = impl->cfg.tls_certificate;
  hc.private_key = impl->cfg.tls_private_key;
  hc.connect_timeout = impl->cfg.connect_timeout;
  hc.request_timeout = impl->cfg.request_timeout;
  hc.max_body_bytes = impl->cfg.max_body_bytes;
  auto client = HttpClient::create(impl->strand, std::move(hc));
  if (!client) return unexpected("fhir_sources " + impl->cfg.name + ": " + client.error());
  impl->client = std::move(*client);
  return std::unique_ptr<FhirPoller>(new FhirPoller(std::move(impl)));
}

FhirPoller::FhirPoller(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
FhirPoller::~FhirPoller() {
  stop();
}

void FhirPoller::start() {
  impl_->started = true;
  log::info("fhir_poll.started",
            {{"source", impl_->cfg.name}, {"types", static_cast<std::uint64_t>(impl_->cfg.resource_types.size())}});
  asio::co_spawn(impl_->strand, Impl::run(impl_), asio::detached);
}

void FhirPoller::stop() {
  // Never started (a later source failed to start): nothing runs, and nothing may be posted to an
  // io_context that will not run again.
  if (impl_->stopping.exchange(true) || !impl_->started.load()) return;
  asio::post(impl_->strand, [impl = impl_] {
    impl->timer.cancel();
    impl->client->close();
  });
}

const FhirPollerCounters& FhirPoller::counters() const {
  return impl_->counters;
}
const FhirSourceConfig& FhirPoller::config() const {
  return impl_->cfg;
}

}  // namespace medgw::fhir
