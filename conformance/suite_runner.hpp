#pragma once
// `medgw conformance run`: plays a suite to a running medgw over MLLP and checks, step by step,
// the ACK (MSA-1, ERR) and then the archive through the FHIR API. Delivery to the archive is
// asynchronous, so archive checks are retried until they hold or the timeout passes.
#include <chrono>
#include <string>
#include <vector>

#include "conformance/finding.hpp"
#include "conformance/report.hpp"
#include "conformance/suite.hpp"
#include "gateway/core/expected.hpp"

namespace medgw::conformance {

struct RunOptions {
  std::string target;     // mllp://HOST:PORT
  std::string fhir_base;  // http(s)://host:port/base; "" skips archive checks (reported as skipped)
  std::string fhir_token; // bearer token for the FHIR API, when it wants one
  std::chrono::milliseconds timeout{30'000};
};

Expected<Report, std::string> run_suite(const Suite& suite, const RunOptions& options);

// The findings about an acknowledgement against what the step expects: MSA-1 and every
// expected ERR (ERR-3 code and ERR-2 location, or the v2.4 ERR-1).
std::vector<Finding> check_ack(const Step& step, const std::string& ack_text);

}  // namespace medgw::conformance
