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
//
// STAY_LONGER is a cut of the same kind. At session time t inside a hold, the
// log is cut as for a jump (released cues keep their seq; SKIPPED withdraws
// those whose offset is after the cut), then a new segment begins with the
// extension's prompt ("Stay for one more breath.") at t, or just after the
// prompt playing at t, and goes on with the rest of the same timeline, from
// the first cue not yet begun, one breath later than before. Cues that were
// sent ahead and moved are therefore sent again with new seqs, not changed
// under their old ones: a client drops the old copies on SKIPPED, as after a
// jump, and hears each moved cue once, at its new time. (Placing the
// extension beyond the lookahead instead would need no SKIPPED, but would
// speak 1.5 s or more after the key and could not lengthen the last seconds
// of a hold, whose chime is already out.) Session time keeps running: the
// session, its hold and its end all grow by the breath. When the prompt is
// longer than a breath (a very fast pace), the cues move by the prompt's
// length instead, so that no two prompts overlap. Each STAY_LONGER says its
// own prompt: one pressed before the previous prompt has begun keeps that one
// in the log and follows it.
#ifndef YOGA_SERVICES_SESSION_SESSION_LOG_H_
#define YOGA_SERVICES_SESSION_SESSION_LOG_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/session/hold_extension.h"
#include "services/session/timeline.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/storage/v1/stored_session.pb.h"

namespace yoga::session {

// How far ahead of its offset a cue is sent, and how often a quiet stream
// gets a heartbeat.
struct StreamTiming {
  absl::Duration lookahead = absl::Milliseconds(1500);
  absl::Duration heartbeat = absl::Seconds(1);
  // Added to the lookahead of a class (a log with a control delay): one cue
  // is written to every mat in turn, 14-18 ms for 1,000 mats on two cores
  // (session_bench), so a class starts that much earlier and its last mat
  // still has the cue a full lookahead before it plays. Mats place cues by
  // server time; an early cue only waits longer in their queue.
  absl::Duration class_lead = absl::Milliseconds(25);
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
  // A session that starts playing `timeline` at `start`; STAY_LONGER adds
  // `extension` (kept as configuration, like `timing`: each extension made is
  // stored with the progress).
  //
  // `control_delay` > 0 makes it a class's log: every control takes effect
  // at now + control_delay (a PAUSE lets session time run on until then, a
  // RESUME starts it then, a jump or STOP cuts there), so every mat hears of
  // it before it is due; a control before the previous one took effect is
  // FAILED_PRECONDITION.
  SessionLog(std::shared_ptr<const Timeline> timeline, HoldExtension extension,
             StreamTiming timing, absl::Time start,
             absl::Duration control_delay = absl::ZeroDuration());
  // A stored session on `timeline`. DATA_LOSS when the progress does not fit
  // the timeline (a damaged row).
  static absl::StatusOr<SessionLog> FromProto(
      std::shared_ptr<const Timeline> timeline, HoldExtension extension,
      StreamTiming timing, const yoga::storage::v1::SessionProgress& progress,
      absl::Duration control_delay = absl::ZeroDuration());
  yoga::storage::v1::SessionProgress ToProto() const;

  const Timeline& timeline() const { return *timeline_; }

  // PAUSE, RESUME, NEXT, PREVIOUS, STOP or STAY_LONGER at `now`.
  // FAILED_PRECONDITION when the state does not allow it (pausing a paused
  // session, NEXT at the end, PREVIOUS at the first step, STAY_LONGER outside
  // a hold, while paused or past kMaxExtraBreaths in one hold, anything once
  // completed or stopped); RESOURCE_EXHAUSTED past the most cuts or controls
  // one session may take. `session_id` is for messages; `request_id` (may
  // be empty) is kept with the control, for Applied.
  absl::Status Apply(yoga::session::v1::ControlAction action, absl::Time now,
                     absl::string_view session_id,
                     absl::string_view request_id = "");
  // Whether a control with `request_id` (not empty) is among the recent ones
  // applied (the last 64).
  bool Applied(absl::string_view request_id) const;

  yoga::session::v1::SessionState State(absl::Time now) const;
  int64_t SessionTimeMs(absl::Time now) const;
  // Session time at which the last cue ends, as the log stands.
  int64_t EndMs() const;
  // When session time reaches `session_ms`: InfiniteFuture when it never
  // will as the log stands (paused, or paused before it is reached).
  absl::Time WallTimeOf(int64_t session_ms) const;
  // Seq of the last cue in the log as it stands.
  int64_t LastSeq() const;
  // Index of the routine step being done at `session_ms`.
  int StepAt(int64_t session_ms) const;
  // Breaths STAY_LONGER added to the hold being done at `session_ms` since
  // it was last entered; 0 outside a hold.
  int ExtraBreaths(int64_t session_ms) const;
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
    int template_begin;     // Timeline index of its first timeline cue.
    int64_t shift_ms;       // Session offset = timeline offset + shift.
    int64_t last_seq = -1;  // Set when cut; -1 while open.
    int64_t cut_ms = 0;     // Session time of the cut.
    // STAY_LONGER's prompt, said before the timeline cues: its seq is
    // first_seq and its offset is in session time.
    std::optional<yoga::session::v1::CueEvent> lead = std::nullopt;

    int64_t leads() const { return lead ? 1 : 0; }
  };
  // Where a session time falls on the timeline, as the log stands.
  struct Place {
    int64_t at_ms;  // Timeline time, not before the segment's first cue.
    int step;       // Timeline step being done.
    bool in_hold;   // In that step's hold, breaths STAY_LONGER added included.
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
  Place PlaceAt(int64_t session_ms) const;
  // The end of the latest prompt heard by `at_ms`: of the current segment's
  // cues up to `last_kept`, the last one begun by then, or busy_until_ms_.
  int64_t BusyUntil(int64_t last_kept, int64_t at_ms) const;
  absl::Status Jump(yoga::session::v1::ControlAction action, int64_t session_ms,
                    absl::string_view session_id);
  absl::Status StayLonger(int64_t session_ms, absl::string_view session_id);
  static yoga::session::v1::CueEvent StreamEvent(
      yoga::session::v1::CueKind kind, int64_t offset_ms, int64_t session_ms);

  std::shared_ptr<const Timeline> timeline_;
  HoldExtension extension_;
  StreamTiming timing_;
  std::vector<Segment> segments_;
  bool running_ = true;
  bool stopped_ = false;
  int64_t stop_ms_ = 0;
  // Session time = base + (now - running_since) while running (base until
  // running_since, for a class's RESUME that takes effect later), base
  // otherwise; a class's PAUSE that takes effect later at pause_time_ runs
  // on until then: base - (pause_time - now).
  int64_t base_ms_ = 0;
  absl::Time running_since_;
  absl::Time pause_time_ = absl::InfinitePast();
  // A class's: how far ahead controls take effect; zero for other sessions.
  absl::Duration control_delay_;
  // When the last control of a class takes effect.
  absl::Time control_effective_ = absl::InfinitePast();
  // End of the last prompt heard before the latest jump or STAY_LONGER, so
  // the next segment does not start over it.
  int64_t busy_until_ms_ = 0;
  // The most recent PAUSED/RESUMED events; controls_total_ counts all ever.
  std::deque<ControlEvent> controls_;
  uint64_t controls_total_ = 0;
  // The most recent controls; history_total_ counts all ever.
  std::vector<yoga::storage::v1::HistoryEntry> history_;
  uint64_t history_total_ = 0;
  bool streamed_ = false;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_LOG_H_
