// Retrying calls to a server that cannot be reached: wait, double the wait,
// and give up after a bound, telling the runner each time.
//
//   absl::Status status = CallWithRetry(
//       [&] { return StartSession(...); }, RetryPolicy(),
//       [](const absl::Status& why, absl::Duration wait) { print ... });
//
// Only UNAVAILABLE is retried: the server is not there (yet) or went away.
// Everything else (a bad request, a missing session) is final, as is
// UNAVAILABLE once `give_up_after` has passed since the first failure.
#ifndef YOGA_CLIENT_SESSION_RETRY_H_
#define YOGA_CLIENT_SESSION_RETRY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace yoga::client {

struct RetryPolicy {
  absl::Duration first_wait = absl::Milliseconds(250);
  absl::Duration longest_wait = absl::Seconds(4);
  absl::Duration give_up_after = absl::Seconds(30);
};

bool IsRetryable(const absl::Status& status);

// The wait before retry number `attempt` (1, 2, ...): first_wait doubled each
// time, at most longest_wait.
absl::Duration RetryWait(const RetryPolicy& policy, int attempt);

// Calls `call` until it returns a status that is not retryable, or until
// give_up_after has passed; then returns that status. `on_retry`, when given,
// is told why and how long it waits before each retry.
absl::Status CallWithRetry(
    const std::function<absl::Status()>& call, const RetryPolicy& policy,
    const std::function<void(const absl::Status&, absl::Duration)>& on_retry);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_RETRY_H_
