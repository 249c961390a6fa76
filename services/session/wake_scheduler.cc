#include "services/session/wake_scheduler.h"

#include <utility>

namespace yoga::session {

WakeScheduler::WakeScheduler(const Clock& clock, absl::Duration period,
                             std::function<void()> housekeeping)
    : clock_(clock),
      period_(period),
      housekeeping_(std::move(housekeeping)),
      thread_([this] { Run(); }) {}

WakeScheduler::~WakeScheduler() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    changed_.Signal();
  }
  thread_.join();
}

void WakeScheduler::WakeAt(absl::Time when, std::weak_ptr<Wakeable> target) {
  absl::MutexLock lock(&mutex_);
  const bool sooner = queue_.empty() || when < queue_.top().when;
  queue_.push({when, next_order_++, std::move(target)});
  if (sooner) changed_.Signal();
}

void WakeScheduler::Run() {
  absl::Time next_housekeeping = clock_.Now() + period_;
  std::vector<std::weak_ptr<Wakeable>> due;
  absl::MutexLock lock(&mutex_);
  while (!stopping_) {
    const absl::Time now = clock_.Now();
    while (!queue_.empty() && queue_.top().when <= now) {
      due.push_back(queue_.top().target);
      queue_.pop();
    }
    const bool housekeeping_due = housekeeping_ && now >= next_housekeeping;
    if (due.empty() && !housekeeping_due) {
      absl::Time deadline = next_housekeeping;
      if (!queue_.empty()) deadline = std::min(deadline, queue_.top().when);
      clock_.WaitUntil(changed_, mutex_, deadline);
      continue;
    }
    mutex_.Unlock();
    for (const auto& weak : due) {
      if (std::shared_ptr<Wakeable> target = weak.lock()) target->Wake();
    }
    due.clear();
    if (housekeeping_due) {
      housekeeping_();
      next_housekeeping = now + period_;
    }
    mutex_.Lock();
  }
}

}  // namespace yoga::session
