#include "services/session/wake_scheduler.h"

#include <algorithm>
#include <functional>
#include <utility>

namespace yoga::session {

WakeScheduler::WakeScheduler(const Clock& clock, int threads,
                             absl::Duration period,
                             std::function<void()> housekeeping)
    : clock_(clock), period_(period), housekeeping_(std::move(housekeeping)) {
  if (threads <= 0)
    threads =
        std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i)
    shards_.push_back(std::make_unique<Shard>());
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = *shards_[i];
    shard.thread = std::thread([this, &shard, i] { Run(shard, i == 0); });
  }
}

WakeScheduler::~WakeScheduler() {
  for (auto& shard : shards_) {
    absl::MutexLock lock(&shard->mutex);
    shard->stopping = true;
    shard->changed.Signal();
  }
  for (auto& shard : shards_) shard->thread.join();
}

void WakeScheduler::WakeAt(absl::Time when, std::weak_ptr<Wakeable> target) {
  // The same target always lands on the same shard (its address, while it
  // lives), so its wakes run one at a time and in order.
  const std::shared_ptr<Wakeable> alive = target.lock();
  if (alive == nullptr) return;
  const size_t index = std::hash<const void*>()(alive.get()) /
                       alignof(std::max_align_t) % shards_.size();
  Shard& shard = *shards_[index];
  absl::MutexLock lock(&shard.mutex);
  const bool sooner = shard.queue.empty() || when < shard.queue.top().when;
  shard.queue.push({when, shard.next_order++, std::move(target)});
  if (sooner) shard.changed.Signal();
}

void WakeScheduler::Run(Shard& shard, bool housekeeper) {
  absl::Time next_housekeeping = clock_.Now() + period_;
  std::vector<std::weak_ptr<Wakeable>> due;
  absl::MutexLock lock(&shard.mutex);
  while (!shard.stopping) {
    const absl::Time now = clock_.Now();
    while (!shard.queue.empty() && shard.queue.top().when <= now) {
      due.push_back(shard.queue.top().target);
      shard.queue.pop();
    }
    // Every shard keeps the period (it bounds each wait); one does the work.
    const bool period_over = now >= next_housekeeping;
    const bool housekeeping_due = period_over && housekeeper && housekeeping_;
    if (period_over) next_housekeeping = now + period_;
    if (due.empty() && !housekeeping_due) {
      absl::Time deadline = next_housekeeping;
      if (!shard.queue.empty())
        deadline = std::min(deadline, shard.queue.top().when);
      clock_.WaitUntil(shard.changed, shard.mutex, deadline);
      continue;
    }
    shard.mutex.Unlock();
    for (const auto& weak : due) {
      if (std::shared_ptr<Wakeable> target = weak.lock()) target->Wake();
    }
    due.clear();
    if (housekeeping_due) housekeeping_();
    shard.mutex.Lock();
  }
}

}  // namespace yoga::session
