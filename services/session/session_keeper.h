// The session service's work on its store, on threads of its own so that a
// slow database never delays a cue: every `poll` it brings the sessions that
// have streams up to date with controls other replicas wrote (shared stores
// only), every `sweep` it deals with the ends of due sessions, and it
// finishes at once a session whose stream just saw it complete.
//
// Why a short poll and not PostgreSQL's LISTEN/NOTIFY: it works the same on
// every backend, needs no connection held per replica, and its delay is
// bounded by `poll` plus one query; StreamTiming::cut_margin is set from it.
#ifndef YOGA_SERVICES_SESSION_SESSION_KEEPER_H_
#define YOGA_SERVICES_SESSION_SESSION_KEEPER_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/session_registry.h"

namespace yoga::session {

class SessionKeeper {
 public:
  // `registry` must have a store and outlive the keeper.
  SessionKeeper(SessionRegistry& registry, absl::Duration poll,
                absl::Duration sweep);
  ~SessionKeeper();  // Stops the thread.

  // Writes the end of `session` soon (its stream saw it complete), then
  // calls `done` (also when the write failed: the sweep tries again later,
  // or when the keeper stops first).
  void FinishSoon(std::shared_ptr<Session> session, std::function<void()> done);

 private:
  // Waits up to `timeout`, or until stopping (or, with `for_finishes`, until
  // a finish is asked for). False once stopping.
  bool WaitFor(absl::Duration timeout, bool for_finishes);
  void FinishLoop();  // Finishes asked for, and the sweep.
  void PollLoop();    // CatchUp, with a shared store.

  SessionRegistry& registry_;
  const absl::Duration poll_;
  const absl::Duration sweep_;
  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  struct Finish {
    std::shared_ptr<Session> session;
    std::function<void()> done;
  };
  std::vector<Finish> to_finish_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread> threads_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_KEEPER_H_
