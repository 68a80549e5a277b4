#pragma once
// Queue appends as Asio asynchronous operations: the completion, which the queue runs on its
// committer thread, is posted back to the caller's executor (a connection's strand), so session
// code stays on its strand and reads linearly with co_await.
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <memory>

#include "gateway/core/queue.hpp"

namespace medgw::mllp {

namespace detail {
// The handler and the work guard that keeps its io_context running until the append completes,
// in one allocation (an append is made for every message received).
template <class Handler>
struct PendingAppend {
  explicit PendingAppend(Handler&& h)
      : handler(std::move(h)), work(boost::asio::get_associated_executor(handler)) {}
  Handler handler;
  boost::asio::executor_work_guard<boost::asio::associated_executor_t<Handler>> work;
};

template <class Handler>
AppendCallback post_back(Handler&& handler) {
  // std::function needs a copyable callable; Asio handlers are move-only.
  auto p = std::make_shared<PendingAppend<std::decay_t<Handler>>>(std::forward<Handler>(handler));
  return [p](AppendResult result) {
    auto ex = p->work.get_executor();
    boost::asio::post(ex, [p, result = std::move(result)]() mutable {
      p->handler(std::move(result));
      p->work.reset();
    });
  };
}
}  // namespace detail

template <class CompletionToken>
auto async_append(Queue& queue, Envelope envelope, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(AppendResult)>(
      [&queue](auto handler, Envelope env) { queue.append(std::move(env), detail::post_back(std::move(handler))); },
      token, std::move(envelope));
}

template <class CompletionToken>
auto async_append_rejected(Queue& queue, Envelope envelope, std::string reason, CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(AppendResult)>(
      [&queue](auto handler, Envelope env, std::string why) {
        queue.append_rejected(std::move(env), std::move(why), detail::post_back(std::move(handler)));
      },
      token, std::move(envelope), std::move(reason));
}

}  // namespace medgw::mllp
