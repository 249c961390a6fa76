// A token bucket: `rate` tokens a second flow in up to `burst`; each call takes
// one. Callers pass the time, so the bucket is a plain value that tests drive
// without sleeping. Not thread-safe; the owner locks.
//
//   TokenBucket bucket(/*rate=*/5, /*burst=*/10, absl::Now());
//   absl::Duration wait = bucket.TryTake(absl::Now());
//   if (wait > absl::ZeroDuration()) ... refuse, "retry in <wait>";
#ifndef YOGA_SERVICES_RUNTIME_TOKEN_BUCKET_H_
#define YOGA_SERVICES_RUNTIME_TOKEN_BUCKET_H_

#include "absl/time/time.h"

namespace yoga {

class TokenBucket {
 public:
  // Starts full. `rate` > 0 tokens per second, `burst` >= 1.
  TokenBucket(double rate, double burst, absl::Time now);

  // Takes a token and returns zero, or takes nothing and returns how long
  // until a token will be there.
  absl::Duration TryTake(absl::Time now);

 private:
  void Refill(absl::Time now);

  double rate_;
  double burst_;
  double tokens_;
  absl::Time last_refill_;
};

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_TOKEN_BUCKET_H_
