// One session's life, without gRPC or threads of its own: where session time
// stands, pause and resume, NEXT/PREVIOUS jumps, STOP, and which event each
// stream following the session should get next. Thread-safe; every call takes
// the time, so tests drive it with a fake clock.
//
// The cue log. Cues get their seq in the order the session releases them: a
// cue is released (sendable) once session time reaches its offset minus the
// lookahead. A jump cuts the log where it stands: cues already released stay
// in it, and those not yet due are withdrawn by a SKIPPED event that every
// stream gets after them; the timeline then continues from the target step
// with the next seq. So seq rises by one with no gaps and no reuse, and a
// stream resuming after any seq gets every later cue exactly once.
#ifndef YOGA_SERVICES_SESSION_SESSION_H_
#define YOGA_SERVICES_SESSION_SESSION_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/timeline.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

// How far ahead of its offset a cue is sent, and how often a quiet stream
// gets a heartbeat.
struct StreamTiming {
  absl::Duration lookahead = absl::Milliseconds(1500);
  absl::Duration heartbeat = absl::Seconds(1);
};

// Where one stream is in the session's log.
struct StreamCursor {
  int64_t last_seq = 0;        // Last cue sent (or that the client had).
  size_t segment = 0;          // Log segment of the next cue.
  uint64_t controls_seen = 0;  // PAUSED/RESUMED events already sent.
  bool tell_paused = false;    // Send PAUSED first (joined a paused session).
  bool stop_sent = false;
  absl::Time last_sent = absl::InfinitePast();
};

// What a stream does next.
struct StreamAction {
  enum Kind { kSend, kWait, kFinish } kind = kWait;
  yoga::session::v1::CueEvent event;         // kSend.
  absl::Time wake = absl::InfiniteFuture();  // kWait: look again then.
};

class Session {
 public:
  Session(std::string id, yoga::type::v1::Routine routine,
          yoga::session::v1::SessionOptions options,
          std::shared_ptr<const Timeline> timeline, StreamTiming timing,
          absl::Time now);

  const std::string& id() const { return id_; }

  // PAUSE, RESUME, NEXT, PREVIOUS or STOP at `now`. FAILED_PRECONDITION when
  // the state does not allow it (pausing a paused session, NEXT at the end,
  // PREVIOUS at the first step, anything once completed or stopped).
  absl::Status Control(yoga::session::v1::ControlAction action, absl::Time now);

  yoga::session::v1::Session ToProto(absl::Time now) const;
  // The timeline as planned, before any jump.
  const Timeline& timeline() const { return *timeline_; }
  yoga::session::v1::SessionState State(absl::Time now) const;
  int64_t SessionTimeMs(absl::Time now) const;
  // Seq of the last cue in the log as it stands.
  int64_t LastSeq() const;

  // A cursor for a stream that already has every cue up to `after_seq`.
  // INVALID_ARGUMENT when after_seq is beyond the log's last cue.
  absl::StatusOr<StreamCursor> OpenCursor(int64_t after_seq, absl::Time now);
  // The next event for the stream at `now`; moves the cursor past it.
  StreamAction Next(StreamCursor& cursor, absl::Time now);

  // Streams following the session, and who to tell when a control changes
  // what they should send. RESOURCE_EXHAUSTED past `max_streams`.
  absl::StatusOr<int> AddStream(std::function<void()> wake, int max_streams,
                                absl::Time now);
  void RemoveStream(int stream_id, absl::Time now);
  // When no stream and no control came for `idle` by `now`, marks the session
  // expired (AddStream then answers NOT_FOUND) and returns true.
  bool ExpireIfIdle(absl::Time now, absl::Duration idle);

 private:
  // A stretch of the log played from one place in the timeline.
  struct Segment {
    int64_t first_seq;
    int template_begin;     // Timeline index of first_seq.
    int64_t shift_ms;       // Session offset = timeline offset + shift.
    int64_t last_seq = -1;  // Set when cut; -1 while open.
    int64_t cut_ms = 0;     // Session time of the cut.
  };
  struct ControlEvent {
    yoga::session::v1::CueKind kind;
    int64_t session_time_ms;
  };

  int64_t SessionTimeLocked(absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  yoga::session::v1::SessionState StateLocked(absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  int64_t LastSeqLocked() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  int64_t ReleasedSeqLocked(int64_t session_ms) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  yoga::session::v1::CueEvent CueAtLocked(int64_t seq) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  int64_t OffsetOfLocked(int64_t seq) const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  size_t SegmentOfLocked(int64_t seq) const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  int64_t EndMsLocked() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  absl::Time WallTimeOfLocked(int64_t session_ms) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  int TimelinePositionLocked(int64_t session_ms) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  absl::Status JumpLocked(yoga::session::v1::ControlAction action,
                          int64_t session_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // `now`, or the latest time any caller has used if that is later: time
  // never goes back for a session, whatever order threads take the lock in.
  absl::Time NotBeforeLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  yoga::session::v1::CueEvent StreamEvent(yoga::session::v1::CueKind kind,
                                          int64_t offset_ms,
                                          int64_t session_ms) const;

  const std::string id_;
  const yoga::type::v1::Routine routine_;
  const yoga::session::v1::SessionOptions options_;
  const std::shared_ptr<const Timeline> timeline_;
  const StreamTiming timing_;
  const absl::Time create_time_;

  mutable absl::Mutex mutex_;
  std::vector<Segment> segments_ ABSL_GUARDED_BY(mutex_);
  bool running_ ABSL_GUARDED_BY(mutex_) = true;
  bool stopped_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t stop_ms_ ABSL_GUARDED_BY(mutex_) = 0;
  // Session time = base + (now - running_since) while running, base otherwise.
  int64_t base_ms_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Time running_since_ ABSL_GUARDED_BY(mutex_);
  // End of the last prompt heard before the latest jump, so the next segment
  // does not start over it.
  int64_t busy_until_ms_ ABSL_GUARDED_BY(mutex_) = 0;
  // The most recent PAUSED/RESUMED events; controls_total_ counts all ever.
  std::deque<ControlEvent> controls_ ABSL_GUARDED_BY(mutex_);
  uint64_t controls_total_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<int, std::function<void()>> streams_ ABSL_GUARDED_BY(mutex_);
  int next_stream_id_ ABSL_GUARDED_BY(mutex_) = 1;
  absl::Time last_activity_ ABSL_GUARDED_BY(mutex_);
  absl::Time latest_now_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
  bool expired_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_H_
