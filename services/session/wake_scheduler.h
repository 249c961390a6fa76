// Wakes objects at given times from one thread: how thousands of cue streams
// wait for their next cue without a thread each. Time comes from a Clock, so
// tests move it by hand. Targets are held weakly; one that is gone by its time
// is skipped.
#ifndef YOGA_SERVICES_SESSION_WAKE_SCHEDULER_H_
#define YOGA_SERVICES_SESSION_WAKE_SCHEDULER_H_

#include <functional>
#include <memory>
#include <queue>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/clock.h"

namespace yoga::session {

class Wakeable {
 public:
  virtual ~Wakeable() = default;
  // Runs on the scheduler's thread; must not block for long.
  virtual void Wake() = 0;
};

class WakeScheduler {
 public:
  // `housekeeping`, when given, runs every `period` on the same thread.
  WakeScheduler(const Clock& clock, absl::Duration period = absl::Seconds(10),
                std::function<void()> housekeeping = nullptr);
  ~WakeScheduler();  // Stops the thread; pending wakes are dropped.

  void WakeAt(absl::Time when, std::weak_ptr<Wakeable> target);

 private:
  struct Entry {
    absl::Time when;
    uint64_t order;  // Ties wake in the order asked.
    std::weak_ptr<Wakeable> target;
    bool operator>(const Entry& other) const {
      return when != other.when ? when > other.when : order > other.order;
    }
  };
  void Run();

  const Clock& clock_;
  const absl::Duration period_;
  const std::function<void()> housekeeping_;
  absl::Mutex mutex_;
  absl::CondVar changed_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_
      ABSL_GUARDED_BY(mutex_);
  uint64_t next_order_ ABSL_GUARDED_BY(mutex_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_WAKE_SCHEDULER_H_
