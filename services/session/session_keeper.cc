#include "services/session/session_keeper.h"

#include <algorithm>
#include <string>

#include "services/common/log.h"

namespace yoga::session {
namespace {

// One log line per kind of failure while it lasts, not one per attempt.
class FailureLog {
 public:
  explicit FailureLog(const char* event) : event_(event) {}
  void Report(const absl::Status& status) {
    if (status.ok()) {
      if (failing_) Log(LogLevel::kInfo, event_, {{"state", "recovered"}});
      failing_ = false;
    } else if (!failing_) {
      failing_ = true;
      Log(LogLevel::kWarning, event_,
          {{"state", "failing"}, {"error", status.ToString()}});
    }
  }

 private:
  const char* event_;
  bool failing_ = false;
};

}  // namespace

SessionKeeper::SessionKeeper(SessionRegistry& registry, absl::Duration poll,
                             absl::Duration sweep)
    : registry_(registry), poll_(poll), sweep_(sweep) {
  threads_.emplace_back([this] { FinishLoop(); });
  // Its own thread: a long sweep must not hold back the changes streams
  // wait for (StreamTiming::cut_margin counts on one poll).
  if (registry_.store()->Shared())
    threads_.emplace_back([this] { PollLoop(); });
}

SessionKeeper::~SessionKeeper() {
  std::vector<Finish> left;
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
  {
    absl::MutexLock lock(&mutex_);
    left.swap(to_finish_);
  }
  for (const Finish& finish : left) finish.done();
}

void SessionKeeper::FinishSoon(std::shared_ptr<Session> session,
                               std::function<void()> done) {
  {
    absl::MutexLock lock(&mutex_);
    if (!stopping_) {
      to_finish_.push_back({std::move(session), std::move(done)});
      return;
    }
  }
  done();
}

bool SessionKeeper::WaitFor(absl::Duration timeout, bool for_finishes) {
  absl::MutexLock lock(&mutex_);
  auto woken = [this, for_finishes]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return stopping_ || (for_finishes && !to_finish_.empty());
  };
  mutex_.AwaitWithTimeout(absl::Condition(&woken), timeout);
  return !stopping_;
}

void SessionKeeper::FinishLoop() {
  FailureLog sweep_log("session_sweep");
  absl::Time next_sweep = absl::Now();
  while (WaitFor(std::min(sweep_, absl::Seconds(1)), /*for_finishes=*/true)) {
    std::vector<Finish> to_finish;
    {
      absl::MutexLock lock(&mutex_);
      to_finish.swap(to_finish_);
    }
    for (const Finish& finish : to_finish) {
      // A failure here is left to the sweep, which finds the row due.
      registry_.Finish(*finish.session).IgnoreError();
      finish.done();
    }
    if (absl::Now() >= next_sweep) {
      sweep_log.Report(registry_.FinishDue().status());
      next_sweep = absl::Now() + sweep_;
    }
  }
}

void SessionKeeper::PollLoop() {
  FailureLog catch_up_log("session_catch_up");
  while (WaitFor(poll_, /*for_finishes=*/false)) {
    catch_up_log.Report(registry_.CatchUp().status());
  }
}

}  // namespace yoga::session
