#pragma once
// How far the poller has read one resource type of one upstream FHIR server: the last
// meta.lastUpdated it stored, plus the ids of the resources it stored AT that instant.
//
// Why the ids: many resources can share one lastUpdated (a bulk load, a server that stores
// seconds only, HAPI's history paging that splits a tie group across pages in no stable order).
// Querying `_lastUpdated=gt<ts>` would skip the rest of a tie group cut by a page or a crash;
// `ge<ts>` re-reads the whole group, and the ids say which of it is already stored. So the poller
// queries `ge`, skips exactly the (ts, id) pairs in the set, and never skips nor repeats a resource.
//
// The set is bounded (kMaxIdsAtTimestamp). When more resources than that share one instant, the
// ids past the bound are not remembered: after a restart (or on the next poll) they are read again
// and enqueued again, and the queue's dedupe keys (one per upstream resource version, within the
// queue's dedupe window) answer them as duplicates. Nothing is skipped; the only cost of the
// overflow is re-reading that tie group, once per poll, until a later instant moves the watermark.
//
// The checkpoint (stored by Queue::append_batch in the same synced write as the envelopes) is
//   {"v":1,"lastUpdated":"<as the server wrote it>","ids":["a","b",...]}
// An empty lastUpdated means "from the beginning".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "gateway/core/expected.hpp"

namespace medgw::fhir {

inline constexpr std::size_t kMaxIdsAtTimestamp = 5000;

// A FHIR instant as a point in time, so "10:00:00.5Z", "10:00:00.500Z" and "12:00:00.5+02:00" are
// one instant (a server is free to write any of them); finer than nanoseconds is ignored.
struct InstantKey {
  std::int64_t seconds = 0;      // since the Unix epoch, UTC
  std::int32_t nanoseconds = 0;  // within the second
  auto operator<=>(const InstantKey&) const = default;
};

// YYYY-MM-DDThh:mm:ss[.f+](Z|(+|-)hh:mm), FHIR's instant; nullopt for anything else.
std::optional<InstantKey> parse_instant(std::string_view text);

class Watermark {
 public:
  Watermark() = default;
  // `last_updated` must parse (parse_instant) unless empty.
  static std::optional<Watermark> at(std::string last_updated);

  const std::string& last_updated() const { return last_updated_; }
  const std::set<std::string, std::less<>>& ids() const { return ids_; }
  bool empty() const { return last_updated_.empty(); }

  // True when the resource (id, its meta.lastUpdated) is already stored: the same instant as the
  // watermark and an id in the set. A resource older than the watermark is NOT reported seen: a
  // server should not return it for `ge`, and when one does (a late commit, a clock step) storing
  // it is right; its dedupe key absorbs a true repeat.
  bool seen(const InstantKey& at, std::string_view id) const;
  // Records a stored resource: a later instant moves the watermark (and starts a new set), the
  // same instant adds the id (up to kMaxIdsAtTimestamp), an earlier one changes nothing.
  void record(const InstantKey& at, std::string_view last_updated_text, std::string_view id);

  std::string encode() const;
  // nullopt for a checkpoint that is not one of ours (the poller then refuses to start the type
  // rather than poll from the beginning and flood the archive with doubles).
  static std::optional<Watermark> decode(std::string_view text);

  bool operator==(const Watermark& other) const { return last_updated_ == other.last_updated_ && ids_ == other.ids_; }

 private:
  std::string last_updated_;
  InstantKey key_;
  std::set<std::string, std::less<>> ids_;
};

}  // namespace medgw::fhir
