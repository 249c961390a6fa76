// Follows one session's StreamCues on a thread of its own, reconnecting when
// the stream drops, and hands the events to the control thread.
//
//   CueFollower follower(stub, session_id, RetryPolicy(), on_retry);
//   follower.Start(/*after_seq=*/0);
//   every few ms: for (auto& item : follower.Take()) ... item.event
//   follower.result(): set once the stream has ended for good
//
// A stream that ends with UNAVAILABLE (the server restarting, the network
// dropping) is opened again with after_seq = the last seq received, after the
// RetryPolicy's (jittered) waits, so no cue is lost or repeated; the wait
// starts again from the first once a stream delivers an event. It gives up when
// no stream could be opened for give_up_after. OK (the session ended or was
// stopped) and every other error are final.
#ifndef YOGA_CLIENT_SESSION_CUE_FOLLOWER_H_
#define YOGA_CLIENT_SESSION_CUE_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/session/retry.h"
#include "grpcpp/client_context.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::client {

class CueFollower {
 public:
  struct Item {
    yoga::session::v1::CueEvent event;
    bool reconnected = false;  // First event of a stream opened again.
  };
  using RetryNotice = std::function<void(const absl::Status&, absl::Duration)>;

  // `stub` must outlive the follower. `on_retry` is called on the follower's
  // thread before each wait.
  CueFollower(yoga::session::v1::SessionService::StubInterface& stub,
              std::string session_id, RetryPolicy policy,
              RetryNotice on_retry = nullptr);
  ~CueFollower();  // Cancels the stream and joins the thread.

  void Start(int64_t after_seq);
  // Ends the stream now; result() becomes CANCELLED.
  void Cancel();

  // Events received since the last call, in order.
  std::vector<Item> Take();
  // How the stream ended for good; empty while it goes on.
  std::optional<absl::Status> result() const;
  int reconnects() const;

 private:
  void Run(int64_t after_seq);
  // One stream from `after_seq`; returns how it finished. `received` is set
  // when it delivered any event.
  absl::Status StreamOnce(int64_t& after_seq, bool first, bool& received);

  yoga::session::v1::SessionService::StubInterface& stub_;
  const std::string session_id_;
  const RetryPolicy policy_;
  const RetryNotice on_retry_;

  mutable absl::Mutex mutex_;
  std::vector<Item> items_ ABSL_GUARDED_BY(mutex_);
  std::optional<absl::Status> result_ ABSL_GUARDED_BY(mutex_);
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mutex_) = nullptr;
  bool cancelled_ ABSL_GUARDED_BY(mutex_) = false;
  int reconnects_ ABSL_GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_CUE_FOLLOWER_H_
