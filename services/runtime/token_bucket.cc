#include "services/runtime/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace yoga {

TokenBucket::TokenBucket(double rate, double burst, absl::Time now)
    : rate_(rate), burst_(burst), tokens_(burst), last_refill_(now) {}

void TokenBucket::Refill(absl::Time now) {
  // A clock that steps back adds nothing rather than taking tokens away.
  if (now <= last_refill_) return;
  const double elapsed = absl::ToDoubleSeconds(now - last_refill_);
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_refill_ = now;
}

absl::Duration TokenBucket::TryTake(absl::Time now) {
  Refill(now);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return absl::ZeroDuration();
  }
  // Rounded up to the millisecond, so a caller who waits exactly this long
  // finds a whole token.
  const double missing_seconds = (1 - tokens_) / rate_;
  return absl::Milliseconds(std::ceil(missing_seconds * 1000));
}

}  // namespace yoga
