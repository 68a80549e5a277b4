#pragma once
// An IndexStore in memory for the resolver's tests: the same contract as the CRM store's tables
// (links kept when replaced, review tasks deduplicated per kind and record, merges remembered),
// small enough to read next to the tests. Counts calls so tests can assert what was written.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mappings/mpi/index_store.hpp"

namespace medgw::mpi::testing {

class MemoryIndexStore final : public IndexStore {
 public:
  struct Record {
    SourceRecordId id = 0;
    std::string sender;
    IdentifierKey key;
    model::Patient patient;
    std::vector<IdentifierKey> link_identifiers;
    std::string demographic_key;
    std::vector<std::string> flags;
    std::string fhir_json;
    std::string match_features;
    std::vector<std::string> blocking_keys;
  };
  struct Link {
    SourceRecordId record = 0;
    GoldenId golden = 0;
    LinkGrade grade = LinkGrade::kNew;
    std::string reason;
    bool current = true;
    std::int64_t seq = 0;
  };
  struct Task {
    ReviewTaskId id = 0;
    ReviewTask task;
    bool open = true;
  };
  struct Merge {
    GoldenId from = 0, into = 0;
    std::vector<std::pair<std::size_t, std::size_t>> moved;  // (old link index, new link index)
    bool undone = false;
  };

  std::vector<Record> records;
  std::vector<Link> links;
  std::vector<Task> tasks;
  std::vector<Merge> merges;
  std::map<GoldenId, GoldenId> merged_into;
  std::vector<std::pair<GoldenId, GoldenId>> distinct_pairs;  // "not the same person" marks
  GoldenId next_golden = 1;
  std::optional<MpiError> fail_next;  // the next call fails with this error

  std::optional<SourceLink> current_link(SourceRecordId record) const {
    for (const auto& l : links) {
      if (l.record == record && l.current) return SourceLink{l.record, l.golden, l.grade};
    }
    return std::nullopt;
  }
  std::vector<SourceRecordId> records_of(GoldenId golden) const {
    std::vector<SourceRecordId> out;
    for (const auto& l : links) {
      if (l.golden == golden && l.current) out.push_back(l.record);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  const Record* record(SourceRecordId id) const {
    for (const auto& r : records) {
      if (r.id == id) return &r;
    }
    return nullptr;
  }
  std::size_t open_tasks(std::string_view kind) const {
    return static_cast<std::size_t>(std::count_if(tasks.begin(), tasks.end(), [&](const Task& t) {
      return t.open && t.task.kind == kind;
    }));
  }

  MpiResult<std::optional<SourceLink>> find_source_record(std::string_view sender,
                                                          const IdentifierKey& key) override {
    if (auto e = failure()) return unexpected(*e);
    for (const auto& r : records) {
      if (r.sender == sender && r.key == key) return current_link(r.id);
    }
    return std::optional<SourceLink>();
  }

  MpiResult<std::vector<GoldenId>> goldens_with_identifier(const IdentifierKey& id) override {
    if (auto e = failure()) return unexpected(*e);
    return goldens_where([&](const Record& r) {
      return std::find(r.link_identifiers.begin(), r.link_identifiers.end(), id) != r.link_identifiers.end();
    });
  }

  MpiResult<std::vector<GoldenId>> goldens_with_demographic_key(std::string_view key, std::size_t limit) override {
    if (auto e = failure()) return unexpected(*e);
    auto out = goldens_where([&](const Record& r) { return r.demographic_key == key; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  MpiResult<std::vector<BlockedRecord>> records_with_blocking_key(std::string_view key, std::size_t limit) override {
    if (auto e = failure()) return unexpected(*e);
    std::vector<BlockedRecord> out;
    for (const auto& r : records) {  // records are in id order: the oldest first
      if (out.size() >= limit) break;
      if (std::find(r.blocking_keys.begin(), r.blocking_keys.end(), key) == r.blocking_keys.end()) continue;
      if (auto l = current_link(r.id)) out.push_back({r.id, l->golden, r.match_features});
    }
    return out;
  }

  MpiResult<std::vector<IdentifierKey>> identifiers_of_golden(GoldenId golden) override {
    if (auto e = failure()) return unexpected(*e);
    std::vector<IdentifierKey> out;
    for (SourceRecordId id : records_of(golden)) {
      for (const auto& k : record(id)->link_identifiers) out.push_back(k);
    }
    return out;
  }

  MpiResult<GoldenId> create_golden() override {
    if (auto e = failure()) return unexpected(*e);
    return next_golden++;
  }

  MpiResult<SourceRecordId> upsert_source_record(const SourceRecordData& data) override {
    if (auto e = failure()) return unexpected(*e);
    Record* r = nullptr;
    for (auto& existing : records) {
      if (existing.sender == data.sender && existing.key == data.key) r = &existing;
    }
    if (r == nullptr) {
      records.emplace_back();
      r = &records.back();
      r->id = static_cast<SourceRecordId>(records.size());
    }
    r->sender = data.sender;
    r->key = data.key;
    r->patient = *data.patient;
    r->link_identifiers = data.link_identifiers;
    r->demographic_key = data.demographic_key;
    r->flags = data.flags;
    r->fhir_json = std::string(data.fhir_json);
    r->match_features = data.match_features;
    r->blocking_keys = data.blocking_keys;
    return r->id;
  }

  MpiResult<Done> link(SourceRecordId record_id, GoldenId golden, LinkGrade grade,
                       std::string_view reason) override {
    if (auto e = failure()) return unexpected(*e);
    if (record(record_id) == nullptr) return unexpected(MpiError{"no such source record", false});
    for (auto& l : links) {
      if (l.record == record_id) l.current = false;
    }
    links.push_back(Link{record_id, golden, grade, std::string(reason), true, ++seq_});
    return Done{};
  }

  MpiResult<ReviewTaskId> open_review_task(const ReviewTask& task) override {
    if (auto e = failure()) return unexpected(*e);
    for (const auto& t : tasks) {
      if (t.open && t.task.kind == task.kind && t.task.source_record == task.source_record) return t.id;
    }
    tasks.push_back(Task{static_cast<ReviewTaskId>(tasks.size() + 1), task, true});
    return tasks.back().id;
  }

  MpiResult<MergeId> record_merge(GoldenId from, GoldenId into, std::string_view reason) override {
    if (auto e = failure()) return unexpected(*e);
    Merge m{from, into, {}, false};
    const std::size_t n = links.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (links[i].golden != from || !links[i].current) continue;
      links[i].current = false;
      links.push_back(Link{links[i].record, into, LinkGrade::kMerged, std::string(reason), true, ++seq_});
      m.moved.emplace_back(i, links.size() - 1);
    }
    merged_into[from] = into;
    merges.push_back(std::move(m));
    return static_cast<MergeId>(merges.size());
  }

  MpiResult<Done> undo_merge(MergeId id) override {
    if (auto e = failure()) return unexpected(*e);
    if (id < 1 || static_cast<std::size_t>(id) > merges.size() || merges[id - 1].undone) {
      return unexpected(MpiError{"no such merge", false});
    }
    Merge& m = merges[id - 1];
    for (auto [old_link, new_link] : m.moved) {
      if (!links[new_link].current) return unexpected(MpiError{"links changed since the merge", false});
    }
    for (auto [old_link, new_link] : m.moved) {
      links[new_link].current = false;
      links[old_link].current = true;
    }
    merged_into.erase(m.from);
    m.undone = true;
    return Done{};
  }

  MpiResult<std::vector<GoldenId>> distinct_goldens(GoldenId golden) override {
    if (auto e = failure()) return unexpected(*e);
    std::vector<GoldenId> out;
    for (auto [a, b] : distinct_pairs) {
      if (surviving(a) == golden) out.push_back(surviving(b));
      if (surviving(b) == golden) out.push_back(surviving(a));
    }
    return out;
  }

  GoldenId surviving(GoldenId g) const {
    for (auto it = merged_into.find(g); it != merged_into.end(); it = merged_into.find(g)) g = it->second;
    return g;
  }

 private:
  std::optional<MpiError> failure() {
    auto e = std::move(fail_next);
    fail_next.reset();
    return e;
  }

  template <class Pred>
  std::vector<GoldenId> goldens_where(Pred pred) const {
    std::vector<const Link*> hits;
    for (const auto& l : links) {
      if (l.current && pred(*record(l.record))) hits.push_back(&l);
    }
    std::sort(hits.begin(), hits.end(), [](const Link* a, const Link* b) { return a->seq < b->seq; });
    std::vector<GoldenId> out;
    for (const Link* l : hits) {
      if (std::find(out.begin(), out.end(), l->golden) == out.end()) out.push_back(l->golden);
    }
    return out;
  }

  std::int64_t seq_ = 0;
};

}  // namespace medgw::mpi::testing
