#pragma once
// The running gateway: the queue, the listeners on an Asio io_context, periodic stats and
// retention, and a graceful shutdown on SIGINT/SIGTERM (stop accepting, finish the commits and
// ACKs in flight, close the queue).
#include <string>

#include "gateway/config/config.hpp"

namespace medgw::runtime {

// Runs until a signal asks it to stop. Returns the process exit status; start-up errors are
// printed to stderr with what to fix.
int run_gateway(const config::GatewayConfig& config);

}  // namespace medgw::runtime
