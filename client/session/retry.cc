#include "client/session/retry.h"

#include <algorithm>

#include "absl/random/random.h"

namespace yoga::client {
namespace {

// Uniform in [0, 1), from a generator of the calling thread's own, seeded
// from the system: no lock, and no two processes draw alike.
double SystemUniform() {
  thread_local absl::BitGen generator;
  return absl::Uniform<double>(generator, 0.0, 1.0);
}

}  // namespace

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

absl::Duration RetryWait(const RetryPolicy& policy, int attempt) {
  absl::Duration wait = policy.first_wait;
  for (int i = 1; i < attempt && wait < policy.longest_wait; ++i) wait *= 2;
  return std::min(wait, policy.longest_wait);
}

absl::Duration JitteredRetryWait(const RetryPolicy& policy, int attempt) {
  const absl::Duration most = RetryWait(policy, attempt);
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double draw =
      std::clamp(policy.uniform ? policy.uniform() : SystemUniform(), 0.0, 1.0);
  const absl::Duration wait =
      absl::Ceil(most * (1.0 - jitter * draw), absl::Milliseconds(1));
  return std::clamp(wait, std::min(absl::Milliseconds(1), most), most);
}

absl::Status CallWithRetry(
    const std::function<absl::Status()>& call, const RetryPolicy& policy,
    const std::function<void(const absl::Status&, absl::Duration)>& on_retry) {
  const absl::Time give_up = absl::Now() + policy.give_up_after;
  for (int attempt = 1;; ++attempt) {
    absl::Status status = call();
    if (!IsRetryable(status)) return status;
    const absl::Duration wait = JitteredRetryWait(policy, attempt);
    if (absl::Now() + wait > give_up) return status;
    if (on_retry) on_retry(status, wait);
    absl::SleepFor(wait);
  }
}

}  // namespace yoga::client
