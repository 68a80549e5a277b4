#pragma once
// The unit medgw stores and moves: the raw bytes of one message as received, with what the queue
// needs to order, dedupe and trace it. Raw first, map later (DESIGN.md): the bytes are the record.
#include <cstdint>
#include <string>

namespace medgw {

// Content types of the raw bytes.
inline constexpr const char* kContentTypeHl7v2 = "application/hl7-v2";
inline constexpr const char* kContentTypeFhirJson = "application/fhir+json";
// A FHIR API write (create, update, transaction, batch entry): the request body as received plus
// what the mapping needs from the request (interaction, client, ids, If-Match); mappings/fhir.
inline constexpr const char* kContentTypeFhirInteraction = "application/vnd.medgw.fhir-interaction+json";
// A row polled from a database (adapters/dbpoll): its column names and values as JSON, in UTF-8.
inline constexpr const char* kContentTypeDbRow = "application/vnd.medgw.db-row+json";

struct Envelope {
  std::uint64_t id = 0;            // assigned by the queue at append; increases with time
  std::string source;              // the listener or poller that received it ("his-adt")
  std::int64_t received_at_ms = 0; // Unix time in milliseconds
  std::string content_type;        // kContentTypeHl7v2, ...
  std::string raw;                 // the bytes as received (charset untouched)
  std::string dedupe_key;          // sender + MSH-10; empty: never deduplicated
  std::string ordering_key;        // sender + patient identifier; messages of one key stay in order
  std::string ack;                 // the acknowledgement sent for it, replayed to a duplicate
};

}  // namespace medgw
