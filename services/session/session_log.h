// Where one session stands on its timeline, as a value: the cue log (which
// seq is which cue), session time (running or paused, from which wall time),
// the PAUSED/RESUMED events streams must hear, and every control applied. No
// locks and no streams: Session guards one, and the store keeps it as a
// yoga.storage.v1.SessionProgress so any replica can carry on from it.
//
// The cue log. Cues get their seq in the order the session releases them: a
// cue is released (sendable) once session time reaches its offset minus the
// lookahead. A jump cuts the log where it stands: cues already released stay
// in it, and those not yet due are withdrawn by a SKIPPED event that every
// stream gets after them; the timeline then continues from the target step
// with the next seq. So seq rises by one with no gaps and no reuse, and a
// stream resuming after any seq gets every later cue exactly once.
#ifndef YOGA_SERVICES_SESSION_SESSION_LOG_H_
#define YOGA_SERVICES_SESSION_SESSION_LOG_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/session/timeline.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/storage/v1/stored_session.pb.h"

namespace yoga::session {

// How far ahead of its offset a cue is sent, and how often a quiet stream
// gets a heartbeat.
struct StreamTiming {
  absl::Duration lookahead = absl::Milliseconds(1500);
  absl::Duration heartbeat = absl::Seconds(1);
  // How much later than the lookahead a cut (NEXT, PREVIOUS, STOP) falls.
  // Streams on other replicas see a control only when they next read the
  // session, and may have sent that much more by then: the cut must not fall
  // below a cue they sent. Zero when no other process shares the sessions.
  absl::Duration cut_margin = absl::ZeroDuration();
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

class SessionLog {
 public:
  // A session that starts playing `timeline` at `start`.
  SessionLog(std::shared_ptr<const Timeline> timeline, StreamTiming timing,
             absl::Time start);
  // A stored session on `timeline`. DATA_LOSS when the progress does not fit
  // the timeline (a damaged row).
  static absl::StatusOr<SessionLog> FromProto(
      std::shared_ptr<const Timeline> timeline, StreamTiming timing,
      const yoga::storage::v1::SessionProgress& progress);
  yoga::storage::v1::SessionProgress ToProto() const;

  const Timeline& timeline() const { return *timeline_; }

  // PAUSE, RESUME, NEXT, PREVIOUS or STOP at `now`. FAILED_PRECONDITION when
  // the state does not allow it (pausing a paused session, NEXT at the end,
  // PREVIOUS at the first step, anything once completed or stopped).
  // `session_id` is for messages.
  absl::Status Apply(yoga::session::v1::ControlAction action, absl::Time now,
                     absl::string_view session_id);

  yoga::session::v1::SessionState State(absl::Time now) const;
  int64_t SessionTimeMs(absl::Time now) const;
  // Session time at which the last cue ends, as the log stands.
  int64_t EndMs() const;
  // When session time reaches `session_ms`; InfiniteFuture unless running.
  absl::Time WallTimeOf(int64_t session_ms) const;
  // Seq of the last cue in the log as it stands.
  int64_t LastSeq() const;
  // Index of the routine step being done at `session_ms`.
  int StepAt(int64_t session_ms) const;
  bool streamed() const { return streamed_; }
  void set_streamed() { streamed_ = true; }

  // A cursor for a stream that already has every cue up to `after_seq`.
  // INVALID_ARGUMENT when after_seq is beyond the log's last cue.
  absl::StatusOr<StreamCursor> OpenCursor(int64_t after_seq) const;
  // The next event for the stream at `now`; moves the cursor past it.
  StreamAction Next(StreamCursor& cursor, absl::Time now) const;

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

  // Seq of the last cue released once session time is `session_ms`.
  int64_t ReleasedSeq(int64_t session_ms) const;
  // Seq of the last cue any stream may have sent by `session_ms` (a cut
  // keeps them all).
  int64_t CutSeq(int64_t session_ms) const;
  yoga::session::v1::CueEvent CueAt(int64_t seq) const;
  int64_t OffsetOf(int64_t seq) const;
  size_t SegmentOf(int64_t seq) const;
  absl::Status Jump(yoga::session::v1::ControlAction action, int64_t session_ms,
                    absl::string_view session_id);
  static yoga::session::v1::CueEvent StreamEvent(
      yoga::session::v1::CueKind kind, int64_t offset_ms, int64_t session_ms);

  std::shared_ptr<const Timeline> timeline_;
  StreamTiming timing_;
  std::vector<Segment> segments_;
  bool running_ = true;
  bool stopped_ = false;
  int64_t stop_ms_ = 0;
  // Session time = base + (now - running_since) while running, base otherwise.
  int64_t base_ms_ = 0;
  absl::Time running_since_;
  // End of the last prompt heard before the latest jump, so the next segment
  // does not start over it.
  int64_t busy_until_ms_ = 0;
  // The most recent PAUSED/RESUMED events; controls_total_ counts all ever.
  std::deque<ControlEvent> controls_;
  uint64_t controls_total_ = 0;
  std::vector<yoga::storage::v1::HistoryEntry> history_;
  bool streamed_ = false;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_LOG_H_
