#include "queue/queue_error.hpp"

#include <string>

namespace medgw::queue {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "medgw.queue"; }
  std::string message(int code) const override {
    switch (static_cast<QueueErrc>(code)) {
      case QueueErrc::kClosed:
        return "queue closed";
      case QueueErrc::kNotFound:
        return "no undelivered envelope with this id";
      case QueueErrc::kWrongState:
        return "envelope is not in a state that allows this";
      case QueueErrc::kWriteFailed:
        return "queue write failed; nothing was stored";
      case QueueErrc::kReadFailed:
        return "queue read failed";
      case QueueErrc::kCorruptRecord:
        return "queue record is corrupt";
    }
    return "unknown queue error";
  }
};

}  // namespace

const std::error_category& queue_category() {
  static const Category category;
  return category;
}

}  // namespace medgw::queue
