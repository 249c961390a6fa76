// One listener's feed of a session: what a StreamCues call sends and when,
// decided without gRPC. Sessions::OpenStream makes one at the listener's
// cursor; the stream's reactor (session_service.cc) joins it, writes what
// Next says, asks the feed's scheduler to wake it when something falls due,
// and leaves when the call is done.
//
// Thread-safe as Session is, except that Next moves the feed's cursor: the
// reactor calls it under its own lock.
#ifndef YOGA_SERVICES_SESSION_CUE_FEED_H_
#define YOGA_SERVICES_SESSION_CUE_FEED_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/session/clock.h"
#include "services/session/session.h"
#include "services/session/session_keeper.h"
#include "services/session/wake_scheduler.h"

namespace yoga::session {

class CueFeed {
 public:
  // `keeper` is null without a store. Everything but `session` must outlive
  // the feed (Sessions owns them).
  CueFeed(std::shared_ptr<Session> session, StreamCursor cursor,
          const Clock& clock, WakeScheduler& scheduler, SessionKeeper* keeper,
          int max_listeners)
      : session_(std::move(session)),
        cursor_(cursor),
        clock_(clock),
        scheduler_(scheduler),
        keeper_(keeper),
        max_listeners_(max_listeners) {}
  ~CueFeed() { Leave(); }

  // Joins the session's listeners: `listener` is woken at once whenever a
  // control changes what is due. RESOURCE_EXHAUSTED when the session has
  // max_streams_per_session listeners already; NOT_FOUND once it expired.
  absl::Status Join(std::weak_ptr<Wakeable> listener);
  // Leaves the listeners (a no-op unless joined).
  void Leave();

  absl::Time Now() const { return clock_.Now(); }
  // What to do at `now`: send an event (the cursor moves past it), wait until
  // a time, or finish.
  StreamAction Next(absl::Time now);

  // After Next said finish: whether the session's practice record is still
  // to be written. The stream then ends only once WhenRecorded's `done` ran,
  // so a client that asks for its history as the stream ends finds it.
  bool AwaitsRecord() const;
  // Has the record written soon and then runs `done` (also when the write
  // failed: the keeper's sweep tries again later). Not under a lock `done`
  // takes: it may run at once.
  void WhenRecorded(std::function<void()> done);

  // Wakes `target` at `when` on the session service's scheduler threads.
  void WakeAt(absl::Time when, std::weak_ptr<Wakeable> target);

 private:
  const std::shared_ptr<Session> session_;
  StreamCursor cursor_;
  const Clock& clock_;
  WakeScheduler& scheduler_;
  SessionKeeper* const keeper_;
  const int max_listeners_;
  int listener_id_ = 0;  // 0 until joined.
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_CUE_FEED_H_
