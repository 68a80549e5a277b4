#pragma once
// The patient index's operations (issue 7): the decisions a person (or a sender's explicit
// instruction, ADT^A40 or a FHIR Patient.link) makes about links, each recorded with who, why and
// when, and each reversible:
//
//   link      a source record linked to a chosen golden patient (grade manual; confirms a
//             probable link when it is the record's golden patient already)
//   unlink    a source record moved to a new golden patient of its own (grade manual)
//   merge     a golden patient merged into another (all its records follow; ADT^A40 the same way)
//   unmerge   a merge undone: exactly the links it moved are restored
//   distinct  two golden patients marked "not the same person": never linked or proposed again
//   undo      a link, unlink or distinct mark undone (a merge's undo is an unmerge)
//
// A manual decision is never overridden by the matcher: a known source record keeps its link
// (resolver.hpp), and a distinct pair is filtered from the candidates (IndexStore::distinct_goldens).
// The log lives in the CRM store (mpi_operations, adapters/crmstore/index_operations.hpp).
#include <cstdint>
#include <string>
#include <string_view>

namespace medgw::mpi {

using OperationId = std::int64_t;

// Stored texts (mpi_operations.kind): never rename one.
inline constexpr std::string_view kOperationLink = "link";
inline constexpr std::string_view kOperationUnlink = "unlink";
inline constexpr std::string_view kOperationMerge = "merge";
inline constexpr std::string_view kOperationUnmerge = "unmerge";
inline constexpr std::string_view kOperationDistinct = "distinct";
inline constexpr std::string_view kOperationUndo = "undo";

// Who made a decision and why. An operator names themself (`--by`) and must give a reason; an
// automatic operation names the sender whose message asked for it, and a reason without PHI (the
// message type and control id). An operator's reason is free text: stored and shown to reviewers
// as typed, never written to the gateway's log (it may describe what the operator saw).
struct Actor {
  std::string by;
  std::string reason;
  bool automatic = false;
};

}  // namespace medgw::mpi
