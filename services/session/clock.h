// Where the session service gets the time from. Servers use RealClock; tests
// use FakeClock and move time by hand, so no test sleeps to let a cue fall due.
#ifndef YOGA_SERVICES_SESSION_CLOCK_H_
#define YOGA_SERVICES_SESSION_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace yoga::session {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Waits on `condition` (with `mutex` held) until it is signalled or
  // `deadline` on this clock may have passed; the caller re-checks Now() after
  // waking.
  virtual void WaitUntil(absl::CondVar& condition, absl::Mutex& mutex,
                         absl::Time deadline) const = 0;
};

// The system clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void WaitUntil(absl::CondVar& condition, absl::Mutex& mutex,
                 absl::Time deadline) const override {
    condition.WaitWithDeadline(&mutex, deadline);
  }
};

// Time that moves only when a test calls Advance. Waiters poll every few real
// milliseconds, so a thread waiting for a fake deadline notices an Advance
// without the test having to know about it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mutex_);
    return now_;
  }
  void Advance(absl::Duration duration) {
    absl::MutexLock lock(&mutex_);
    now_ += duration;
  }
  void WaitUntil(absl::CondVar& condition, absl::Mutex& mutex,
                 absl::Time deadline) const override {
    if (Now() < deadline)
      condition.WaitWithTimeout(&mutex, absl::Milliseconds(2));
  }

 private:
  mutable absl::Mutex mutex_;
  absl::Time now_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_CLOCK_H_
