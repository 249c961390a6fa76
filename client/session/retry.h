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
//
// Each wait is shortened by a random part of itself (jitter), so that the
// many clients a server drain or a network drop cut at the same moment do not
// all come back at the same moments. Waits never exceed the doubling
// schedule, so "at most 250 ms, 500 ms, 1 s, ... 4 s" stays true.
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
  // A wait is cut by up to this fraction of it, at random: 0.4 spreads the
  // clients' retries over 60% to 100% of the schedule. 0 for none.
  double jitter = 0.4;
  // Draws the random part: uniform in [0, 1). Null for a generator seeded
  // from the system; tests give a fixed one.
  std::function<double()> uniform;
};

bool IsRetryable(const absl::Status& status);

// The longest wait before retry number `attempt` (1, 2, ...): first_wait
// doubled each time, at most longest_wait.
absl::Duration RetryWait(const RetryPolicy& policy, int attempt);

// The wait to use before retry number `attempt`: RetryWait less its random
// part, in whole milliseconds (at least 1 ms, at most RetryWait).
absl::Duration JitteredRetryWait(const RetryPolicy& policy, int attempt);

// Calls `call` until it returns a status that is not retryable, or until
// give_up_after has passed; then returns that status. `on_retry`, when given,
// is told why and how long it waits (the jittered wait) before each retry.
absl::Status CallWithRetry(
    const std::function<absl::Status()>& call, const RetryPolicy& policy,
    const std::function<void(const absl::Status&, absl::Duration)>& on_retry);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_RETRY_H_
