#include "client/session/cue_follower.h"

#include <utility>

#include "services/common/errors.h"

namespace yoga::client {

using yoga::session::v1::CueEvent;

CueFollower::CueFollower(yoga::session::v1::SessionService::StubInterface& stub,
                         std::string session_id, RetryPolicy policy,
                         RetryNotice on_retry)
    : stub_(stub),
      session_id_(std::move(session_id)),
      policy_(policy),
      on_retry_(std::move(on_retry)) {}

CueFollower::~CueFollower() {
  Cancel();
  if (thread_.joinable()) thread_.join();
}

void CueFollower::Start(int64_t after_seq) {
  thread_ = std::thread([this, after_seq] { Run(after_seq); });
}

void CueFollower::Cancel() {
  absl::MutexLock lock(&mutex_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

std::vector<CueFollower::Item> CueFollower::Take() {
  absl::MutexLock lock(&mutex_);
  return std::exchange(items_, {});
}

std::optional<absl::Status> CueFollower::result() const {
  absl::MutexLock lock(&mutex_);
  return result_;
}

int CueFollower::reconnects() const {
  absl::MutexLock lock(&mutex_);
  return reconnects_;
}

absl::Status CueFollower::StreamOnce(int64_t& after_seq, bool first,
                                     bool& received) {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mutex_);
    if (cancelled_) return absl::CancelledError("stopped following");
    context_ = &context;
  }
  yoga::session::v1::StreamCuesRequest request;
  request.set_session_id(session_id_);
  request.set_after_seq(after_seq);
  auto reader = stub_.StreamCues(&context, request);
  CueEvent event;
  while (reader->Read(&event)) {
    absl::MutexLock lock(&mutex_);
    items_.push_back({event, !first && !received});
    received = true;
    if (event.seq() > after_seq) after_seq = event.seq();
  }
  const grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mutex_);
  context_ = nullptr;
  if (cancelled_) return absl::CancelledError("stopped following");
  return FromGrpcStatus(status);
}

void CueFollower::Run(int64_t after_seq) {
  bool first = true;
  int failures = 0;
  absl::Time failing_since = absl::InfiniteFuture();
  absl::Status status;
  for (;;) {
    bool received = false;
    status = StreamOnce(after_seq, first, received);
    first = false;
    if (received) {
      failures = 0;
      failing_since = absl::InfiniteFuture();
    }
    if (!IsRetryable(status)) break;
    const absl::Time now = absl::Now();
    if (failing_since == absl::InfiniteFuture()) failing_since = now;
    const absl::Duration wait = JitteredRetryWait(policy_, ++failures);
    if (now + wait - failing_since > policy_.give_up_after) break;
    if (on_retry_) on_retry_(status, wait);
    {
      absl::MutexLock lock(&mutex_);
      ++reconnects_;
      // Wakes early when cancelled.
      if (mutex_.AwaitWithTimeout(absl::Condition(&cancelled_), wait)) {
        status = absl::CancelledError("stopped following");
        break;
      }
    }
  }
  absl::MutexLock lock(&mutex_);
  result_ = status;
}

}  // namespace yoga::client
