#pragma once
// The FHIR poller (issue 5): an upstream FHIR server as a source. For each configured resource
// type, in order, every `interval`:
//
//   GET <base>/<Type>?_lastUpdated=ge<watermark>&_sort=_lastUpdated&_count=<page_size>
//
// then page by page (see Paging): the page's resources not yet stored (poll_watermark.hpp: same instant as the
// watermark and an id already seen -> skipped) become envelopes (poll_envelope.hpp), and the
// envelopes and the watermark they bring the type to go into the queue in ONE synced write
// (Queue::append_batch). Only after it completes does the poller read on, so a crash at any point
// re-polls from the stored watermark, and the dedupe keys (one per upstream resource version)
// absorb what was read twice. Nothing is acknowledged upstream: the watermark is our only ack,
// and it never moves ahead of what is on disk (DESIGN.md, principle 1).
//
// Paging. The server's `next` links are offsets into a result it recomputes per page (HAPI's
// `_getpagesoffset`): when a resource of the result is updated during the poll it leaves its place,
// and the next page starts one resource late (skipped); a tie group cut by a page boundary may
// also come back in another order. So:
// - once a page moves the watermark, the poller does not follow `next` but queries afresh from
//   the new watermark (`ge`: the tie group at it is re-read and filtered by the seen ids);
// - a page lying entirely at the watermark's instant (a tie group larger than the page) is asked
//   for again with `_count` doubled (up to 1000), so the group comes in one consistent answer;
// - only a server that caps `_count` below the group leaves its `next` links, and then, before
//   the watermark leaves that group, the group is read again from its start until a pass finds
//   nothing new (at most 4 passes, then `fhir_poll.unstable_paging` is logged). The checkpoint
//   stays at the group's instant meanwhile, so a crash repeats the check rather than skips it.
// What remains: a server whose order within one instant changes from request to request, for a
// group larger than its maximum page, can defeat any client; the final group of a poll is re-read
// by the next poll anyway. `next` links must stay on the upstream's origin (the bearer token is
// sent with them); one that leaves it fails the poll.
//
// Patients first. A resource's subject must be in the archive when the pipeline applies it (the
// store refuses an unknown subject). Types are polled in the configured order (Patient first),
// and for a resource whose Patient this process has not queued yet, the poller reads that
// Patient (GET <base>/Patient/<id>) and queues it in the same batch, ahead of the resource and
// under the same ordering key. Its dedupe key makes the later copy from the Patient poll a
// duplicate. The set of patients known to be queued is in memory (bounded; cleared when full):
// after a restart each patient costs one extra read.
//
// Failures (connection refused, timeouts, 5xx, a body that is not a searchset Bundle, the queue
// failing) end the cycle and retry after a full-jitter backoff (backoff_base * 2^(n-1), capped at
// backoff_max, at least the server's Retry-After); 401/403 are logged as an error naming the
// setting to check. Logs carry the source, type, counts and reasons, never a resource, an id of
// a patient or the token.
//
// Threading: one coroutine per upstream, on a strand of the gateway's io_context. Waits
// (HTTP, the queue's fsync, the interval) are asynchronous; the CPU work is parsing one page
// (bounded by max_body_bytes and page_size), the same order as an API request's body.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "adapters/fhir/fhir_source_config.hpp"
#include "gateway/core/expected.hpp"
#include "gateway/core/queue.hpp"

namespace boost::asio {
class io_context;
}

namespace medgw::fhir {

struct FhirPollerCounters {
  std::atomic<std::uint64_t> polls{0};       // cycles over all types that ended without an error
  std::atomic<std::uint64_t> pages{0};       // pages read
  std::atomic<std::uint64_t> stored{0};      // envelopes stored
  std::atomic<std::uint64_t> duplicates{0};  // envelopes the queue already had (dedupe key)
  std::atomic<std::uint64_t> skipped{0};     // resources skipped by the watermark's seen ids
  std::atomic<std::uint64_t> patients_fetched{0};
  std::atomic<std::uint64_t> failures{0};
};

// The checkpoint name of one type: "fhir-poll/<source>/<Type>".
std::string poll_checkpoint_name(const std::string& source, const std::string& type);

class FhirPoller {
 public:
  // Checks the base URL and loads the TLS material; no request is made yet.
  static Expected<std::unique_ptr<FhirPoller>, std::string> create(boost::asio::io_context& io, FhirSourceConfig config,
                                                                   Queue& queue);
  ~FhirPoller();

  void start();
  // From any thread. The poll stops after the request or commit in flight; the queue must stay
  // open until the io_context has run out of work.
  void stop();

  const FhirPollerCounters& counters() const;
  const FhirSourceConfig& config() const;

  struct Impl;

 private:
  explicit FhirPoller(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace medgw::fhir
