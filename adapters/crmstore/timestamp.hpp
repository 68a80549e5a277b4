#pragma once
// Times the store writes (created, updated, applied): UTC, FHIR instant form with milliseconds.
#include <chrono>
#include <string>

namespace medgw::crmstore {

std::string utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());

}  // namespace medgw::crmstore
