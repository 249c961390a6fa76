#include "services/common/bounded_executor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/errors.h"

namespace yoga {

BoundedExecutor::BoundedExecutor(std::string name, int threads, int max_queued)
    : name_(std::move(name)), max_queued_(std::max(0, max_queued)) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] { Run(); });
}

BoundedExecutor::~BoundedExecutor() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

absl::Status BoundedExecutor::Schedule(absl::AnyInvocable<void() &&> work) {
  absl::MutexLock lock(&mutex_);
  if (stopping_) {
    // The threads may be gone: nothing would run it.
    return WithReason(
        absl::UnavailableError(absl::StrCat("the server is shutting down; ",
                                            name_, " calls are refused")),
        "SERVER_SHUTTING_DOWN");
  }
  if (static_cast<int>(queue_.size()) >= max_queued_) {
    return WithReason(absl::UnavailableError(absl::StrCat(
                          "the server is busy: ", queue_.size(), " ", name_,
                          " calls wait already; try again shortly")),
                      "SERVER_BUSY");
  }
  queue_.push_back(std::move(work));
  return absl::OkStatus();
}

int BoundedExecutor::queued() const {
  absl::MutexLock lock(&mutex_);
  return static_cast<int>(queue_.size());
}

void BoundedExecutor::Run() {
  for (;;) {
    absl::AnyInvocable<void() &&> work;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &BoundedExecutor::HasWorkOrStop));
      // What was queued still runs, so no caller waits for an answer that
      // never comes.
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(work)();
  }
}

}  // namespace yoga
