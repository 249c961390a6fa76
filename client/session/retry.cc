#include "client/session/retry.h"

#include <algorithm>

namespace yoga::client {

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

absl::Duration RetryWait(const RetryPolicy& policy, int attempt) {
  absl::Duration wait = policy.first_wait;
  for (int i = 1; i < attempt && wait < policy.longest_wait; ++i) wait *= 2;
  return std::min(wait, policy.longest_wait);
}

absl::Status CallWithRetry(
    const std::function<absl::Status()>& call, const RetryPolicy& policy,
    const std::function<void(const absl::Status&, absl::Duration)>& on_retry) {
  const absl::Time give_up = absl::Now() + policy.give_up_after;
  for (int attempt = 1;; ++attempt) {
    absl::Status status = call();
    if (!IsRetryable(status)) return status;
    const absl::Duration wait = RetryWait(policy, attempt);
    if (absl::Now() + wait > give_up) return status;
    if (on_retry) on_retry(status, wait);
    absl::SleepFor(wait);
  }
}

}  // namespace yoga::client
