#pragma once
// A FHIR API write as the queue stores it (Envelope::raw with content type
// kContentTypeFhirInteraction): the request body as received plus what the mapping needs from the
// request line and headers. The FHIR server writes it; the pipeline reads it back and maps it
// (map_interaction.hpp). Raw first: the body stays byte for byte what the client sent.
//
//   {"interaction":"create"|"update"|"transaction", "client":"<client id>", "type":"Observation",
//    "id":"17" (update only), "ifMatch":3 (optional), "key":"<uuid of this request>",
//    "bodyContentType":"application/fhir+json" (or "application/fhir+xml": the body is then the XML
//    as received, converted by map_interaction), "body":"<the request body, as a JSON string>"}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/expected.hpp"
#include "mappings/fhir/issue.hpp"

namespace medgw::fhir {

enum class InteractionKind { kCreate, kUpdate, kTransaction };

const char* to_string(InteractionKind kind);
std::optional<InteractionKind> parse_interaction_kind(std::string_view text);

struct Interaction {
  InteractionKind kind = InteractionKind::kCreate;
  std::string client;                    // the authenticated client's id
  std::string type;                      // the resource type of the URL ("Observation"; "Bundle" for a transaction)
  std::string id;                        // update: the id of the URL
  std::optional<std::int64_t> if_match;  // the version of If-Match: W/"3" -> 3
  std::string key;                       // the uuid the server assigned to this request
  std::string body_content_type = "application/fhir+json";
  std::string body;  // as received
  bool operator==(const Interaction&) const = default;
};

// The wrapper JSON (compact, members in the order above).
std::string interaction_json(const Interaction& interaction);

// The inverse; a malformed wrapper (not JSON, a member missing or mistyped, an unknown
// interaction, an update without id) gives error issues. Unknown members are refused, so a wrapper
// written by a newer server is not half-understood.
Expected<Interaction, std::vector<Issue>> parse_interaction(std::string_view raw);

}  // namespace medgw::fhir
