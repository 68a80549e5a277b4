#pragma once
// TLS material of a server endpoint (an MLLP listener, the FHIR API): the same keys in the config
// for every protocol, so hospital IT learns them once.
#include <string>

namespace medgw {

struct TlsConfig {
  std::string certificate;   // PEM chain file
  std::string private_key;   // PEM key file
  std::string ca;            // PEM file of CAs that sign client certificates (mutual TLS)
  bool require_client_certificate = false;
};

}  // namespace medgw
