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
  thread_ = std::thread([this] { Run(); });
}

SessionKeeper::~SessionKeeper() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  thread_.join();
  for (const Finish& finish : to_finish_) finish.done();
}

void SessionKeeper::FinishSoon(std::shared_ptr<Session> session,
                               std::function<void()> done) {
  absl::MutexLock lock(&mutex_);
  to_finish_.push_back({std::move(session), std::move(done)});
}

void SessionKeeper::Run() {
  FailureLog catch_up_log("session_catch_up");
  FailureLog sweep_log("session_sweep");
  const bool shared = registry_.store()->Shared();
  const absl::Duration tick =
      shared ? std::min(poll_, sweep_) : std::min(sweep_, absl::Seconds(1));
  absl::Time next_sweep = absl::Now();
  while (true) {
    std::vector<Finish> to_finish;
    {
      absl::MutexLock lock(&mutex_);
      auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
        return stopping_ || !to_finish_.empty();
      };
      mutex_.AwaitWithTimeout(absl::Condition(&woken), tick);
      if (stopping_) return;
      to_finish.swap(to_finish_);
    }
    const absl::Time now = registry_.clock().Now();
    for (const Finish& finish : to_finish) {
      // A failure here is left to the sweep, which finds the row due.
      finish.session
          ->FinishIfDue(now, registry_.limits().idle_timeout,
                        *registry_.store())
          .IgnoreError();
      finish.done();
    }
    if (shared) catch_up_log.Report(registry_.CatchUp().status());
    if (absl::Now() >= next_sweep) {
      sweep_log.Report(registry_.FinishDue().status());
      next_sweep = absl::Now() + sweep_;
    }
  }
}

}  // namespace yoga::session
