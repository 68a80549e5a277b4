#pragma once
// Opens the queue the config names (the embedded RocksDB queue; Kafka when a cluster needs it).
#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/expected.hpp"
#include "gateway/core/queue.hpp"

namespace medgw::runtime {

Expected<std::unique_ptr<Queue>, std::string> open_queue(const config::QueueConfig& config);
// Removes delivered envelopes past retention and expired dedupe entries.
void run_retention(Queue& queue);
// Completes pending appends (their ACKs go out) and stops the queue's threads.
void close_queue(Queue& queue);

}  // namespace medgw::runtime
