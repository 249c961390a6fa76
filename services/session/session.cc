#include "services/session/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

using yoga::session::v1::ControlAction;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;
using yoga::session::v1::SessionState;

// Silence between the prompt heard when a jump came and the jump's first cue.
constexpr int64_t kAfterJumpMs = 300;
// PAUSED/RESUMED events kept for streams that are behind.
constexpr size_t kControlsKept = 64;
// NEXT/PREVIOUS jumps one session may take: each adds a log segment, and a
// runner needs a few dozen at most; a client looping on them gets refused.
constexpr size_t kMaxSegments = 1000;

int64_t Ms(absl::Duration duration) {
  return absl::ToInt64Milliseconds(duration);
}

StreamAction Finished() {
  StreamAction action;
  action.kind = StreamAction::kFinish;
  return action;
}

}  // namespace

Session::Session(std::string id, yoga::type::v1::Routine routine,
                 yoga::session::v1::SessionOptions options,
                 std::shared_ptr<const Timeline> timeline, StreamTiming timing,
                 absl::Time now)
    : id_(std::move(id)),
      routine_(std::move(routine)),
      options_(std::move(options)),
      timeline_(std::move(timeline)),
      timing_(timing),
      create_time_(now) {
  absl::MutexLock lock(&mutex_);
  segments_.push_back({/*first_seq=*/1, /*template_begin=*/0, /*shift_ms=*/0});
  running_since_ = now;
  last_activity_ = now;
}

int64_t Session::SessionTimeLocked(absl::Time now) const {
  if (!running_) return base_ms_;
  return base_ms_ + std::max<int64_t>(Ms(now - running_since_), 0);
}

int64_t Session::SessionTimeMs(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  return SessionTimeLocked(now);
}

int64_t Session::EndMsLocked() const {
  if (stopped_) return stop_ms_;
  return timeline_->end_ms + segments_.back().shift_ms;
}

SessionState Session::StateLocked(absl::Time now) const {
  if (stopped_) return yoga::session::v1::SESSION_STATE_STOPPED;
  if (SessionTimeLocked(now) >= EndMsLocked())
    return yoga::session::v1::SESSION_STATE_COMPLETED;
  return running_ ? yoga::session::v1::SESSION_STATE_RUNNING
                  : yoga::session::v1::SESSION_STATE_PAUSED;
}

SessionState Session::State(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  return StateLocked(now);
}

int64_t Session::LastSeqLocked() const {
  const Segment& current = segments_.back();
  if (current.last_seq >= 0) return current.last_seq;
  return current.first_seq - 1 +
         (static_cast<int64_t>(timeline_->cues.size()) -
          current.template_begin);
}

int64_t Session::LastSeq() const {
  absl::ReaderMutexLock lock(&mutex_);
  return LastSeqLocked();
}

int64_t Session::ReleasedSeqLocked(int64_t session_ms) const {
  const Segment& current = segments_.back();
  if (current.last_seq >= 0) return current.last_seq;  // Stopped: all of it.
  const int64_t horizon = session_ms + Ms(timing_.lookahead) - current.shift_ms;
  const auto begin = timeline_->cues.begin() + current.template_begin;
  const auto released = std::upper_bound(
      begin, timeline_->cues.end(), horizon,
      [](int64_t at, const CueEvent& cue) { return at < cue.offset_ms(); });
  return current.first_seq - 1 + (released - begin);
}

size_t Session::SegmentOfLocked(int64_t seq) const {
  // The last segment that starts at or before seq.
  const auto after = std::upper_bound(segments_.begin(), segments_.end(), seq,
                                      [](int64_t at, const Segment& segment) {
                                        return at < segment.first_seq;
                                      });
  return after == segments_.begin() ? 0 : (after - segments_.begin()) - 1;
}

int64_t Session::OffsetOfLocked(int64_t seq) const {
  const Segment& segment = segments_[SegmentOfLocked(seq)];
  return timeline_->cues[segment.template_begin + (seq - segment.first_seq)]
             .offset_ms() +
         segment.shift_ms;
}

CueEvent Session::CueAtLocked(int64_t seq) const {
  const Segment& segment = segments_[SegmentOfLocked(seq)];
  CueEvent cue =
      timeline_->cues[segment.template_begin + (seq - segment.first_seq)];
  cue.set_seq(seq);
  cue.set_offset_ms(cue.offset_ms() + segment.shift_ms);
  return cue;
}

absl::Time Session::WallTimeOfLocked(int64_t session_ms) const {
  if (!running_ || stopped_) return absl::InfiniteFuture();
  return running_since_ + absl::Milliseconds(session_ms - base_ms_);
}

int Session::TimelinePositionLocked(int64_t session_ms) const {
  const Segment& current = segments_.back();
  const int64_t first = timeline_->cues[current.template_begin].offset_ms();
  return timeline_->StepAt(std::max(session_ms - current.shift_ms, first));
}

CueEvent Session::StreamEvent(CueKind kind, int64_t offset_ms,
                              int64_t session_ms) const {
  CueEvent event;
  event.set_kind(kind);
  event.set_offset_ms(offset_ms);
  event.set_session_time_ms(session_ms);
  event.set_step_index(-1);
  return event;
}

absl::Status Session::JumpLocked(ControlAction action, int64_t session_ms) {
  if (segments_.size() >= kMaxSegments) {
    return absl::ResourceExhaustedError(
        absl::StrCat("session ", id_, " has skipped ", kMaxSegments - 1,
                     " times, the most one session may; start a new one"));
  }
  const Timeline& timeline = *timeline_;
  const int steps = static_cast<int>(timeline.steps.size());
  Segment& current = segments_.back();
  const int64_t at =
      std::max(session_ms - current.shift_ms,
               timeline.cues[current.template_begin].offset_ms());
  const bool before_first = at < timeline.steps.front().begin_ms;
  const bool in_ending = at >= timeline.cues[timeline.ending_cue].offset_ms();
  const int step = timeline.StepAt(at);
  const TimelineStep& here = timeline.steps[step];
  int target;
  if (action == yoga::session::v1::CONTROL_ACTION_NEXT) {
    if (in_ending) {
      return absl::FailedPreconditionError(
          "NEXT: the session is already in its closing words; STOP ends it");
    }
    const int after = step + 1 < steps ? timeline.steps[step + 1].first_cue
                                       : timeline.ending_cue;
    if (before_first) {
      target = timeline.steps.front().first_cue;
    } else if (at >= here.hold_start_ms && at < here.hold_end_ms) {
      target = here.hold_end_cue;  // Ends the hold now, then moves on.
    } else {
      target = after;
    }
  } else {
    if (in_ending) {
      target = timeline.steps.back().first_cue;
    } else if (before_first || step == 0) {
      return absl::FailedPreconditionError(
          "PREVIOUS: the session is at its first step");
    } else {
      target = timeline.steps[step - 1].first_cue;
    }
  }

  // Cut the log where it stands. The prompt heard last (offset at or before
  // now) may still be playing: the jump starts after it.
  const int64_t released = ReleasedSeqLocked(session_ms);
  for (int64_t seq = released; seq >= current.first_seq; --seq) {
    const CueEvent& cue =
        timeline.cues[current.template_begin + (seq - current.first_seq)];
    if (cue.offset_ms() + current.shift_ms <= session_ms) {
      busy_until_ms_ =
          std::max(busy_until_ms_,
                   cue.offset_ms() + current.shift_ms + cue.duration_ms());
      break;
    }
  }
  int64_t next_seq;
  if (released < current.first_seq) {
    // Nothing of this segment went out: it is replaced, not cut.
    next_seq = current.first_seq;
    segments_.pop_back();
  } else {
    current.last_seq = released;
    current.cut_ms = session_ms;
    next_seq = released + 1;
  }
  const int64_t start = std::max(session_ms, busy_until_ms_ + kAfterJumpMs);
  segments_.push_back(
      {next_seq, target, start - timeline.cues[target].offset_ms()});
  return absl::OkStatus();
}

absl::Time Session::NotBeforeLocked(absl::Time now) {
  latest_now_ = std::max(latest_now_, now);
  return latest_now_;
}

absl::Status Session::Control(ControlAction action, absl::Time now) {
  std::vector<std::function<void()>> to_wake;
  {
    absl::MutexLock lock(&mutex_);
    // A stream may have read a later time (and sent the cues due by then)
    // just before this call took the lock: control from that time, so the
    // log is never cut below a cue already sent.
    now = NotBeforeLocked(now);
    const SessionState state = StateLocked(now);
    if (state == yoga::session::v1::SESSION_STATE_COMPLETED ||
        state == yoga::session::v1::SESSION_STATE_STOPPED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "session ", id_, " is ",
          state == yoga::session::v1::SESSION_STATE_STOPPED ? "stopped"
                                                            : "completed",
          "; start a new one"));
    }
    const int64_t session_ms = SessionTimeLocked(now);
    switch (action) {
      case yoga::session::v1::CONTROL_ACTION_PAUSE:
        if (!running_)
          return absl::FailedPreconditionError(
              "PAUSE: the session is already paused");
        base_ms_ = session_ms;
        running_ = false;
        controls_.push_back({yoga::session::v1::CUE_KIND_PAUSED, session_ms});
        break;
      case yoga::session::v1::CONTROL_ACTION_RESUME:
        if (running_)
          return absl::FailedPreconditionError(
              "RESUME: the session is not paused");
        running_since_ = now;
        running_ = true;
        controls_.push_back({yoga::session::v1::CUE_KIND_RESUMED, session_ms});
        break;
      case yoga::session::v1::CONTROL_ACTION_NEXT:
      case yoga::session::v1::CONTROL_ACTION_PREVIOUS:
        if (absl::Status status = JumpLocked(action, session_ms); !status.ok())
          return status;
        break;
      case yoga::session::v1::CONTROL_ACTION_STOP:
        segments_.back().last_seq = ReleasedSeqLocked(session_ms);
        segments_.back().cut_ms = session_ms;
        stopped_ = true;
        stop_ms_ = session_ms;
        base_ms_ = session_ms;
        running_ = false;
        break;
      default:
        return absl::InvalidArgumentError(
            "action: must be PAUSE, RESUME, NEXT, PREVIOUS or STOP");
    }
    if (action == yoga::session::v1::CONTROL_ACTION_PAUSE ||
        action == yoga::session::v1::CONTROL_ACTION_RESUME) {
      ++controls_total_;
      if (controls_.size() > kControlsKept) controls_.pop_front();
    }
    last_activity_ = now;
    for (const auto& [stream_id, wake] : streams_) to_wake.push_back(wake);
  }
  for (const auto& wake : to_wake) wake();
  return absl::OkStatus();
}

absl::StatusOr<StreamCursor> Session::OpenCursor(int64_t after_seq,
                                                 absl::Time now) {
  absl::ReaderMutexLock lock(&mutex_);
  const int64_t last = LastSeqLocked();
  if (after_seq > last) {
    return absl::InvalidArgumentError(absl::StrCat(
        "after_seq: ", after_seq, " is beyond the session's last cue, ", last));
  }
  StreamCursor cursor;
  cursor.last_seq = after_seq;
  // The segment holding after_seq + 1, or the one that ends at after_seq so
  // that its SKIPPED event is sent again (the client may have missed it).
  cursor.segment = segments_.size() - 1;
  for (size_t i = 0; i + 1 < segments_.size(); ++i) {
    if (segments_[i].last_seq >= after_seq) {
      cursor.segment = i;
      break;
    }
  }
  cursor.controls_seen = controls_total_;
  cursor.tell_paused = !running_ && !stopped_;
  return cursor;
}

StreamAction Session::Next(StreamCursor& cursor, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  now = NotBeforeLocked(now);
  const int64_t session_ms = SessionTimeLocked(now);
  auto send = [&](CueEvent event) {
    event.set_session_time_ms(session_ms);
    cursor.last_sent = now;
    StreamAction action;
    action.kind = StreamAction::kSend;
    action.event = std::move(event);
    return action;
  };
  if (cursor.tell_paused) {
    cursor.tell_paused = false;
    return send(
        StreamEvent(yoga::session::v1::CUE_KIND_PAUSED, base_ms_, session_ms));
  }
  if (cursor.controls_seen < controls_total_) {
    const uint64_t first_kept = controls_total_ - controls_.size();
    cursor.controls_seen = std::max(cursor.controls_seen, first_kept);
    const ControlEvent& control = controls_[cursor.controls_seen - first_kept];
    ++cursor.controls_seen;
    return send(StreamEvent(control.kind, control.session_time_ms, session_ms));
  }
  if (cursor.segment + 1 < segments_.size() &&
      cursor.last_seq >= segments_[cursor.segment].last_seq) {
    const int64_t cut_ms = segments_[cursor.segment].cut_ms;
    ++cursor.segment;
    return send(
        StreamEvent(yoga::session::v1::CUE_KIND_SKIPPED, cut_ms, session_ms));
  }
  const int64_t last = LastSeqLocked();
  if (cursor.last_seq < ReleasedSeqLocked(session_ms)) {
    ++cursor.last_seq;
    return send(CueAtLocked(cursor.last_seq));
  }
  if (stopped_ && cursor.last_seq >= last) {
    if (!cursor.stop_sent) {
      cursor.stop_sent = true;
      return send(StreamEvent(yoga::session::v1::CUE_KIND_STOPPED, stop_ms_,
                              session_ms));
    }
    return Finished();
  }
  if (cursor.last_seq >= last && session_ms >= EndMsLocked()) return Finished();
  if (now - cursor.last_sent >= timing_.heartbeat) {
    return send(StreamEvent(yoga::session::v1::CUE_KIND_HEARTBEAT, session_ms,
                            session_ms));
  }
  StreamAction wait;
  wait.wake = cursor.last_sent + timing_.heartbeat;
  if (cursor.last_seq < last) {
    const int64_t release_ms =
        OffsetOfLocked(cursor.last_seq + 1) - Ms(timing_.lookahead);
    wait.wake = std::min(wait.wake, WallTimeOfLocked(release_ms));
  } else {
    wait.wake = std::min(wait.wake, WallTimeOfLocked(EndMsLocked()));
  }
  return wait;
}

absl::StatusOr<int> Session::AddStream(std::function<void()> wake,
                                       int max_streams, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  if (expired_) {
    return absl::NotFoundError(
        absl::StrCat("session ", id_, " expired after being idle"));
  }
  if (static_cast<int>(streams_.size()) >= max_streams) {
    return absl::ResourceExhaustedError(
        absl::StrCat("session ", id_, " already has ", streams_.size(),
                     " streams, the most one session may have"));
  }
  const int stream_id = next_stream_id_++;
  streams_.emplace(stream_id, std::move(wake));
  last_activity_ = now;
  return stream_id;
}

void Session::RemoveStream(int stream_id, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  streams_.erase(stream_id);
  last_activity_ = now;
}

bool Session::ExpireIfIdle(absl::Time now, absl::Duration idle) {
  absl::MutexLock lock(&mutex_);
  if (!streams_.empty() || now - last_activity_ < idle) return false;
  expired_ = true;
  return true;
}

yoga::session::v1::Session Session::ToProto(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  yoga::session::v1::Session proto;
  proto.set_id(id_);
  proto.set_state(StateLocked(now));
  *proto.mutable_routine() = routine_;
  *proto.mutable_options() = options_;
  const int64_t session_ms = SessionTimeLocked(now);
  const int64_t end_ms = EndMsLocked();
  *proto.mutable_elapsed() =
      ToProtoDuration(absl::Milliseconds(std::min(session_ms, end_ms)));
  proto.set_current_step_index(TimelinePositionLocked(session_ms));
  proto.set_last_seq(LastSeqLocked());
  *proto.mutable_create_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(create_time_));
  *proto.mutable_duration() = ToProtoDuration(absl::Milliseconds(end_ms));
  proto.set_stream_count(static_cast<int32_t>(streams_.size()));
  return proto;
}

}  // namespace yoga::session
