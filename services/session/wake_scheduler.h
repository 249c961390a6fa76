// Wakes objects at given times from a few threads: how thousands of cue
// streams wait for their next cue without a thread each. A target always
// wakes on the same thread (targets are spread over the threads by address),
// so its wakes stay in order; several threads let one stream's send overlap
// another's on a second core. Time comes from a Clock, so tests move it by
// hand. Targets are held weakly; one that is gone by its time is skipped.
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
  // Runs on a scheduler thread; must not block for long.
  virtual void Wake() = 0;
};

class WakeScheduler {
 public:
  // `threads` 0 means one a core. `housekeeping`, when given, runs every
  // `period` on the first thread.
  WakeScheduler(const Clock& clock, int threads = 0,
                absl::Duration period = absl::Seconds(10),
                std::function<void()> housekeeping = nullptr);
  ~WakeScheduler();  // Stops the threads; pending wakes are dropped.

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
  struct Shard {
    absl::Mutex mutex;
    absl::CondVar changed;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue
        ABSL_GUARDED_BY(mutex);
    uint64_t next_order ABSL_GUARDED_BY(mutex) = 0;
    bool stopping ABSL_GUARDED_BY(mutex) = false;
    std::thread thread;
  };
  void Run(Shard& shard, bool housekeeper);

  const Clock& clock_;
  const absl::Duration period_;
  const std::function<void()> housekeeping_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_WAKE_SCHEDULER_H_
