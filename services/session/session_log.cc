#include "services/session/session_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

using yoga::session::v1::ControlAction;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;
using yoga::session::v1::SessionState;

// Silence between the prompt heard when a jump or STAY_LONGER came and the
// first cue it brings.
constexpr int64_t kAfterJumpMs = 300;
// PAUSED/RESUMED events kept for streams that are behind.
constexpr size_t kControlsKept = 64;
// NEXT/PREVIOUS/STAY_LONGER one session may take: each adds a log segment,
// and a runner needs a few dozen at most; a client looping on them gets
// refused.
constexpr size_t kMaxSegments = 1000;
// Controls of any kind one session may take.
constexpr uint64_t kMaxControls = 5000;
// The most recent controls kept in the history (with their request ids): a
// row stays the same size whatever the session's control history.
constexpr size_t kHistoryKept = 64;
// Any session time or shift a stored log may hold, about 30 years either way:
// far past any session, and small enough that sums of a few never overflow.
constexpr int64_t kMaxStoredMs = int64_t{1} << 40;
// google.protobuf.Timestamp's own range, 0001-01-01 to 9999-12-31.
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

bool StoredMsInRange(int64_t ms) {
  return ms >= -kMaxStoredMs && ms <= kMaxStoredMs;
}

int64_t Ms(absl::Duration duration) {
  return absl::ToInt64Milliseconds(duration);
}

StreamAction Finished() {
  StreamAction action;
  action.kind = StreamAction::kFinish;
  return action;
}

// A class's cues are released timing.class_lead earlier than a session's.
StreamTiming WithClassLead(StreamTiming timing, absl::Duration control_delay) {
  if (control_delay > absl::ZeroDuration())
    timing.lookahead += timing.class_lead;
  return timing;
}

}  // namespace

SessionLog::SessionLog(std::shared_ptr<const Timeline> timeline,
                       HoldExtension extension, StreamTiming timing,
                       absl::Time start, absl::Duration control_delay)
    : timeline_(std::move(timeline)),
      extension_(std::move(extension)),
      timing_(WithClassLead(timing, control_delay)),
      running_since_(start),
      control_delay_(control_delay) {
  segments_.push_back({/*first_seq=*/1, /*template_begin=*/0, /*shift_ms=*/0});
}

absl::StatusOr<SessionLog> SessionLog::FromProto(
    std::shared_ptr<const Timeline> timeline, HoldExtension extension,
    StreamTiming timing, const yoga::storage::v1::SessionProgress& progress,
    absl::Duration control_delay) {
  const int cues = static_cast<int>(timeline->cues.size());
  auto damaged = [](absl::string_view why) {
    return WithReason(absl::DataLossError(absl::StrCat(
                          "stored session progress is damaged: ", why)),
                      "STORED_DATA_DAMAGED");
  };
  if (progress.segments().empty()) return damaged("no log segments");
  SessionLog log(timeline, std::move(extension), timing, absl::UnixEpoch(),
                 control_delay);
  log.segments_.clear();
  int64_t next_seq = 1;
  for (int i = 0; i < progress.segments_size(); ++i) {
    const auto& stored = progress.segments(i);
    const bool last = i + 1 == progress.segments_size();
    if (stored.template_begin() < 0 || stored.template_begin() >= cues)
      return damaged(absl::StrCat("segment ", i, " starts off the timeline"));
    if (stored.first_seq() != next_seq)
      return damaged(absl::StrCat("segment ", i, " starts at seq ",
                                  stored.first_seq(), ", not ", next_seq));
    if (!StoredMsInRange(stored.shift_ms()) ||
        !StoredMsInRange(stored.cut_ms()) ||
        !StoredMsInRange(stored.lead_cue().offset_ms()) ||
        !StoredMsInRange(stored.lead_cue().duration_ms()))
      return damaged(absl::StrCat("segment ", i, " has a time out of range"));
    const int leads = stored.has_lead_cue() ? 1 : 0;
    if (!last && stored.last_seq() < stored.first_seq() - 1 + leads)
      return damaged(absl::StrCat("segment ", i, " is cut before its start"));
    // The last one is open (-1), or cut by STOP where it stood, perhaps
    // before its lead cue was due.
    if (last && stored.last_seq() != -1 &&
        stored.last_seq() < stored.first_seq() - 1)
      return damaged(absl::StrCat("segment ", i, " is cut before its start"));
    if (stored.last_seq() >= 0 && stored.last_seq() - stored.first_seq() >=
                                      cues - stored.template_begin() + leads)
      return damaged(absl::StrCat("segment ", i, " runs off the timeline"));
    if (leads > 0 && stored.lead_cue().offset_ms() >
                         timeline->cues[stored.template_begin()].offset_ms() +
                             stored.shift_ms())
      return damaged(absl::StrCat("segment ", i, " says its lead cue late"));
    Segment& segment = log.segments_.emplace_back(
        Segment{stored.first_seq(), stored.template_begin(), stored.shift_ms(),
                stored.last_seq(), stored.cut_ms()});
    if (leads > 0) segment.lead = stored.lead_cue();
    next_seq = stored.last_seq() + 1;
  }
  if (!StoredMsInRange(progress.stop_ms()) ||
      !StoredMsInRange(progress.base_ms()) ||
      !StoredMsInRange(progress.busy_until_ms()))
    return damaged("a session time is out of range");
  if (progress.running_since().seconds() < kMinTimestampSeconds ||
      progress.running_since().seconds() > kMaxTimestampSeconds ||
      progress.running_since().nanos() < 0 ||
      progress.running_since().nanos() > 999'999'999)
    return damaged("running_since is not a valid time");
  for (const auto* time :
       {&progress.pause_time(), &progress.control_effective_time()}) {
    if (time->seconds() < kMinTimestampSeconds ||
        time->seconds() > kMaxTimestampSeconds || time->nanos() < 0 ||
        time->nanos() > 999'999'999)
      return damaged("a control's time is not a valid time");
  }
  log.running_ = progress.running();
  log.stopped_ = progress.stopped();
  log.stop_ms_ = progress.stop_ms();
  log.base_ms_ = progress.base_ms();
  log.running_since_ = FromProtoTimestamp(progress.running_since());
  if (progress.has_pause_time())
    log.pause_time_ = FromProtoTimestamp(progress.pause_time());
  if (progress.has_control_effective_time()) {
    log.control_effective_ =
        FromProtoTimestamp(progress.control_effective_time());
  }
  log.busy_until_ms_ = progress.busy_until_ms();
  for (const auto& control : progress.recent_controls())
    log.controls_.push_back({control.kind(), control.session_time_ms()});
  log.controls_total_ = progress.controls_total();
  if (log.controls_total_ < log.controls_.size())
    return damaged("fewer controls in all than kept");
  // A stream behind on PAUSED/RESUMED events reads the newest one kept.
  if (log.controls_total_ > 0 && log.controls_.empty())
    return damaged("controls counted but none kept");
  log.history_.assign(progress.history().begin(), progress.history().end());
  log.history_total_ =
      std::max<uint64_t>(progress.history_total(), progress.history_size());
  log.streamed_ = progress.streamed();
  return log;
}

yoga::storage::v1::SessionProgress SessionLog::ToProto() const {
  yoga::storage::v1::SessionProgress progress;
  for (const Segment& segment : segments_) {
    auto* stored = progress.add_segments();
    stored->set_first_seq(segment.first_seq);
    stored->set_template_begin(segment.template_begin);
    stored->set_shift_ms(segment.shift_ms);
    stored->set_last_seq(segment.last_seq);
    stored->set_cut_ms(segment.cut_ms);
    if (segment.lead) *stored->mutable_lead_cue() = *segment.lead;
  }
  progress.set_running(running_);
  progress.set_stopped(stopped_);
  progress.set_stop_ms(stop_ms_);
  progress.set_base_ms(base_ms_);
  *progress.mutable_running_since() = ToProtoTimestamp(running_since_);
  if (pause_time_ != absl::InfinitePast())
    *progress.mutable_pause_time() = ToProtoTimestamp(pause_time_);
  if (control_effective_ != absl::InfinitePast()) {
    *progress.mutable_control_effective_time() =
        ToProtoTimestamp(control_effective_);
  }
  progress.set_busy_until_ms(busy_until_ms_);
  for (const ControlEvent& control : controls_) {
    auto* stored = progress.add_recent_controls();
    stored->set_kind(control.kind);
    stored->set_session_time_ms(control.session_time_ms);
  }
  progress.set_controls_total(controls_total_);
  progress.mutable_history()->Assign(history_.begin(), history_.end());
  progress.set_history_total(history_total_);
  progress.set_streamed(streamed_);
  return progress;
}

int64_t SessionLog::SessionTimeMs(absl::Time now) const {
  if (!running_) {
    if (stopped_ || now >= pause_time_) return base_ms_;
    return base_ms_ - Ms(pause_time_ - now);
  }
  return base_ms_ + std::max<int64_t>(Ms(now - running_since_), 0);
}

int64_t SessionLog::EndMs() const {
  if (stopped_) return stop_ms_;
  return timeline_->end_ms + segments_.back().shift_ms;
}

SessionState SessionLog::State(absl::Time now) const {
  if (stopped_) return yoga::session::v1::SESSION_STATE_STOPPED;
  if (SessionTimeMs(now) >= EndMs())
    return yoga::session::v1::SESSION_STATE_COMPLETED;
  return running_ ? yoga::session::v1::SESSION_STATE_RUNNING
                  : yoga::session::v1::SESSION_STATE_PAUSED;
}

int64_t SessionLog::LastSeq() const {
  const Segment& current = segments_.back();
  if (current.last_seq >= 0) return current.last_seq;
  return current.first_seq - 1 + current.leads() +
         (static_cast<int64_t>(timeline_->cues.size()) -
          current.template_begin);
}

int64_t SessionLog::ReleasedSeq(int64_t session_ms) const {
  const Segment& current = segments_.back();
  if (current.last_seq >= 0) return current.last_seq;  // Stopped: all of it.
  const int64_t horizon = session_ms + Ms(timing_.lookahead);
  // The lead comes before every timeline cue of its segment.
  if (current.lead && current.lead->offset_ms() > horizon)
    return current.first_seq - 1;
  const auto begin = timeline_->cues.begin() + current.template_begin;
  const auto released = std::upper_bound(
      begin, timeline_->cues.end(), horizon - current.shift_ms,
      [](int64_t at, const CueEvent& cue) { return at < cue.offset_ms(); });
  return current.first_seq - 1 + current.leads() + (released - begin);
}

int64_t SessionLog::CutSeq(int64_t session_ms) const {
  return ReleasedSeq(session_ms + Ms(timing_.cut_margin));
}

size_t SessionLog::SegmentOf(int64_t seq) const {
  // The last segment that starts at or before seq.
  const auto after = std::upper_bound(segments_.begin(), segments_.end(), seq,
                                      [](int64_t at, const Segment& segment) {
                                        return at < segment.first_seq;
                                      });
  return after == segments_.begin() ? 0 : (after - segments_.begin()) - 1;
}

int64_t SessionLog::OffsetOf(int64_t seq) const {
  const Segment& segment = segments_[SegmentOf(seq)];
  const int64_t index = seq - segment.first_seq - segment.leads();
  if (index < 0) return segment.lead->offset_ms();
  return timeline_->cues[segment.template_begin + index].offset_ms() +
         segment.shift_ms;
}

CueEvent SessionLog::CueAt(int64_t seq) const {
  const Segment& segment = segments_[SegmentOf(seq)];
  const int64_t index = seq - segment.first_seq - segment.leads();
  CueEvent cue;
  if (index < 0) {
    cue = *segment.lead;
  } else {
    cue = timeline_->cues[segment.template_begin + index];
    cue.set_offset_ms(cue.offset_ms() + segment.shift_ms);
  }
  cue.set_seq(seq);
  return cue;
}

absl::Time SessionLog::WallTimeOf(int64_t session_ms) const {
  if (stopped_) return absl::InfiniteFuture();
  if (!running_) {
    // A class's PAUSE still to take effect: time runs on up to base_ms_.
    if (pause_time_ == absl::InfinitePast() || session_ms > base_ms_)
      return absl::InfiniteFuture();
    return pause_time_ - absl::Milliseconds(base_ms_ - session_ms);
  }
  return running_since_ + absl::Milliseconds(session_ms - base_ms_);
}

SessionLog::Place SessionLog::PlaceAt(int64_t session_ms) const {
  const Timeline& timeline = *timeline_;
  const Segment& current = segments_.back();
  const int64_t first = timeline.cues[current.template_begin].offset_ms();
  const int64_t at = session_ms - current.shift_ms;
  Place place;
  place.at_ms = std::max(at, first);
  place.step = timeline.StepAt(place.at_ms);
  const TimelineStep& step = timeline.steps[place.step];
  if (at < first && current.lead) {
    // The breath STAY_LONGER added: its segment goes on inside the hold it
    // lengthened (at the latest with the chime that ends it).
    place.in_hold = true;
  } else {
    place.in_hold =
        place.at_ms >= step.hold_start_ms && place.at_ms < step.hold_end_ms;
  }
  return place;
}

int SessionLog::StepAt(int64_t session_ms) const {
  return PlaceAt(session_ms).step;
}

int SessionLog::ExtraBreaths(int64_t session_ms) const {
  const Place place = PlaceAt(session_ms);
  if (!place.in_hold) return 0;
  // STAY_LONGERs of this hold are the segments, from the last one back, that
  // begin with their prompt and go on inside this hold; a jump's segment (a
  // new pass through the hold) ends the run.
  const TimelineStep& step = timeline_->steps[place.step];
  int extra = 0;
  for (auto segment = segments_.rbegin();
       segment != segments_.rend() && segment->lead &&
       segment->template_begin > step.hold_start_cue &&
       segment->template_begin <= step.hold_end_cue;
       ++segment) {
    ++extra;
  }
  return extra;
}

int64_t SessionLog::BusyUntil(int64_t last_kept, int64_t at_ms) const {
  const Segment& current = segments_.back();
  for (int64_t seq = last_kept; seq >= current.first_seq; --seq) {
    if (OffsetOf(seq) <= at_ms) {
      const CueEvent cue = CueAt(seq);
      return std::max(busy_until_ms_, cue.offset_ms() + cue.duration_ms());
    }
  }
  return busy_until_ms_;
}

CueEvent SessionLog::StreamEvent(CueKind kind, int64_t offset_ms,
                                 int64_t session_ms) {
  CueEvent event;
  event.set_kind(kind);
  event.set_offset_ms(offset_ms);
  event.set_session_time_ms(session_ms);
  event.set_step_index(-1);
  return event;
}

absl::Status SessionLog::Jump(ControlAction action, int64_t session_ms,
                              absl::string_view session_id) {
  if (segments_.size() >= kMaxSegments) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "session ", session_id, " has skipped ", kMaxSegments - 1,
            " times, the most one session may; start a new one")),
        "SESSION_CHANGE_LIMIT");
  }
  const Timeline& timeline = *timeline_;
  const int steps = static_cast<int>(timeline.steps.size());
  Segment& current = segments_.back();
  const Place place = PlaceAt(session_ms);
  const int64_t at = place.at_ms;
  const bool before_first = at < timeline.steps.front().begin_ms;
  const bool in_ending = at >= timeline.cues[timeline.ending_cue].offset_ms();
  const int step = place.step;
  const TimelineStep& here = timeline.steps[step];
  int target;
  if (action == yoga::session::v1::CONTROL_ACTION_NEXT) {
    if (in_ending) {
      return WithReason(
          absl::FailedPreconditionError("NEXT: the session is already in its "
                                        "closing words; STOP ends it"),
          "SESSION_IN_CLOSING_WORDS");
    }
    const int after = step + 1 < steps ? timeline.steps[step + 1].first_cue
                                       : timeline.ending_cue;
    if (before_first) {
      target = timeline.steps.front().first_cue;
    } else if (place.in_hold) {
      target = here.hold_end_cue;  // Ends the hold now, then moves on.
    } else {
      target = after;
    }
  } else {
    if (in_ending) {
      target = timeline.steps.back().first_cue;
    } else if (before_first || step == 0) {
      return WithReason(absl::FailedPreconditionError(
                            "PREVIOUS: the session is at its first step"),
                        "SESSION_AT_FIRST_STEP");
    } else {
      target = timeline.steps[step - 1].first_cue;
    }
  }

  // Cut the log where it stands. The prompt heard last (offset at or before
  // now) may still be playing: the jump starts after it.
  const int64_t released = CutSeq(session_ms);
  busy_until_ms_ = BusyUntil(released, session_ms);
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

absl::Status SessionLog::StayLonger(int64_t session_ms,
                                    absl::string_view session_id) {
  if (!running_) {
    return WithReason(
        absl::FailedPreconditionError(
            "STAY_LONGER: the session is paused; RESUME it, then ask during a "
            "hold"),
        "SESSION_PAUSED");
  }
  const Timeline& timeline = *timeline_;
  const Place place = PlaceAt(session_ms);
  const TimelineStep& here = timeline.steps[place.step];
  const std::string& pose = timeline.cues[here.hold_start_cue].pose_id();
  if (!place.in_hold) {
    std::string where;
    if (place.at_ms < timeline.steps.front().begin_ms) {
      where = "the session is still in its opening words";
    } else if (place.at_ms >= timeline.cues[timeline.ending_cue].offset_ms()) {
      where = "the session is in its closing words";
    } else if (place.at_ms < here.hold_start_ms) {
      where = absl::StrCat("the hold of step ", place.step, " (", pose,
                           ") has not begun");
    } else {
      where = absl::StrCat("the hold of step ", place.step, " (", pose,
                           ") is over");
    }
    return WithReason(absl::FailedPreconditionError(
                          absl::StrCat("STAY_LONGER lengthens a hold, and ",
                                       where, "; ask during a hold")),
                      "SESSION_NOT_IN_HOLD");
  }
  if (ExtraBreaths(session_ms) >= kMaxExtraBreaths) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "STAY_LONGER: the hold of step ", place.step, " (", pose,
            ") is already ", kMaxExtraBreaths,
            " breaths longer, the most one hold may be; NEXT moves on")),
        "HOLD_EXTENSION_LIMIT");
  }
  if (segments_.size() >= kMaxSegments) {
    return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                          "session ", session_id,
                          " has been skipped or lengthened ", kMaxSegments - 1,
                          " times, the most one session may; start a new one")),
                      "SESSION_CHANGE_LIMIT");
  }

  // Cut as a jump does, keeping also this segment's own prompt if an earlier
  // STAY_LONGER put one here that has not begun: each is said.
  Segment& current = segments_.back();
  int64_t kept = CutSeq(session_ms);
  int64_t cut_ms = session_ms;
  if (current.lead) {
    kept = std::max(kept, current.first_seq);
    cut_ms = std::max(cut_ms, current.lead->offset_ms());
  }
  busy_until_ms_ = BusyUntil(kept, cut_ms);
  // The timeline goes on from its first cue after the cut: a cue sent
  // already but withdrawn by the cut's SKIPPED is sent again, moved.
  const auto begin = timeline.cues.begin() + current.template_begin;
  const int resume = static_cast<int>(
      std::upper_bound(begin, timeline.cues.end(), cut_ms - current.shift_ms,
                       [](int64_t at, const CueEvent& cue) {
                         return at < cue.offset_ms();
                       }) -
      timeline.cues.begin());
  // In a hold, the chime that ends it is still ahead.
  const int target = std::min(resume, here.hold_end_cue);

  CueEvent prompt = extension_.cue;
  prompt.set_offset_ms(std::max(session_ms, busy_until_ms_ + kAfterJumpMs));
  const CueEvent& hold_start = timeline.cues[here.hold_start_cue];
  prompt.set_pose_id(hold_start.pose_id());
  prompt.set_side(hold_start.side());
  prompt.set_step_index(hold_start.step_index());
  // One breath; more only if the prompt would still be speaking when the
  // next cue, moved by a breath, begins.
  const int64_t was_due = timeline.cues[target].offset_ms() + current.shift_ms;
  const int64_t added =
      std::max(extension_.breath_ms,
               prompt.offset_ms() + prompt.duration_ms() - was_due);

  Segment next{kept + 1, target, current.shift_ms + added};
  next.lead = std::move(prompt);
  if (kept < current.first_seq) {
    // Nothing of it went out: replaced, not cut (only a segment without a
    // prompt can be here).
    segments_.pop_back();
  } else {
    current.last_seq = kept;
    current.cut_ms = cut_ms;
  }
  segments_.push_back(std::move(next));
  return absl::OkStatus();
}

absl::Status SessionLog::Apply(ControlAction action, absl::Time now,
                               absl::string_view session_id,
                               absl::string_view request_id) {
  const SessionState state = State(now);
  if (state == yoga::session::v1::SESSION_STATE_COMPLETED ||
      state == yoga::session::v1::SESSION_STATE_STOPPED) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "session ", session_id, " is ",
            state == yoga::session::v1::SESSION_STATE_STOPPED ? "stopped"
                                                              : "completed",
            "; start a new one")),
        "SESSION_FINISHED");
  }
  if (history_total_ >= kMaxControls) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "session ", session_id, " has taken ", kMaxControls,
            " controls, the most one session may; start a new one")),
        "SESSION_CONTROL_LIMIT");
  }
  // A STOP is never refused for a control still to act (a teacher who
  // skips, then quits): it acts once that one has.
  const bool stop = action == yoga::session::v1::CONTROL_ACTION_STOP;
  if (now < control_effective_ && !stop) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "class ", session_id, ": the previous control takes effect in ",
            Ms(control_effective_ - now), " ms; send this one after that")),
        "CLASS_CONTROL_PENDING");
  }
  // A class's control acts a little ahead, where every mat will act on it.
  const absl::Time effective = std::max(
      now + control_delay_, stop ? control_effective_ : absl::InfinitePast());
  const int64_t session_ms = SessionTimeMs(effective);
  switch (action) {
    case yoga::session::v1::CONTROL_ACTION_PAUSE:
      if (!running_)
        return WithReason(absl::FailedPreconditionError(
                              "PAUSE: the session is already paused"),
                          "SESSION_ALREADY_PAUSED");
      // When the whole millisecond it stops at is reached: the mapping of
      // session time onto the clock stays the one streams had.
      if (control_delay_ > absl::ZeroDuration())
        pause_time_ = WallTimeOf(session_ms);
      base_ms_ = session_ms;
      running_ = false;
      controls_.push_back({yoga::session::v1::CUE_KIND_PAUSED, session_ms});
      break;
    case yoga::session::v1::CONTROL_ACTION_RESUME:
      if (running_)
        return WithReason(
            absl::FailedPreconditionError("RESUME: the session is not paused"),
            "SESSION_NOT_PAUSED");
      running_since_ = effective;
      running_ = true;
      pause_time_ = absl::InfinitePast();
      controls_.push_back({yoga::session::v1::CUE_KIND_RESUMED, session_ms});
      break;
    case yoga::session::v1::CONTROL_ACTION_NEXT:
    case yoga::session::v1::CONTROL_ACTION_PREVIOUS:
      if (absl::Status status = Jump(action, session_ms, session_id);
          !status.ok())
        return status;
      break;
    case yoga::session::v1::CONTROL_ACTION_STAY_LONGER:
      if (absl::Status status = StayLonger(session_ms, session_id);
          !status.ok())
        return status;
      break;
    case yoga::session::v1::CONTROL_ACTION_STOP:
      segments_.back().last_seq = CutSeq(session_ms);
      segments_.back().cut_ms = session_ms;
      stopped_ = true;
      stop_ms_ = session_ms;
      base_ms_ = session_ms;
      running_ = false;
      break;
    default:
      return absl::InvalidArgumentError(
          "action: must be PAUSE, RESUME, NEXT, PREVIOUS, STOP or "
          "STAY_LONGER");
  }
  if (action == yoga::session::v1::CONTROL_ACTION_PAUSE ||
      action == yoga::session::v1::CONTROL_ACTION_RESUME) {
    ++controls_total_;
    if (controls_.size() > kControlsKept) controls_.pop_front();
  }
  if (history_.size() >= kHistoryKept) history_.erase(history_.begin());
  yoga::storage::v1::HistoryEntry& entry = history_.emplace_back();
  entry.set_action(action);
  entry.set_session_time_ms(session_ms);
  *entry.mutable_time() = ToProtoTimestamp(now);
  if (control_delay_ > absl::ZeroDuration()) control_effective_ = effective;
  entry.set_request_id(std::string(request_id));
  ++history_total_;
  return absl::OkStatus();
}

bool SessionLog::Applied(absl::string_view request_id) const {
  if (request_id.empty()) return false;
  return std::any_of(history_.begin(), history_.end(), [&](const auto& entry) {
    return entry.request_id() == request_id;
  });
}

absl::StatusOr<StreamCursor> SessionLog::OpenCursor(int64_t after_seq) const {
  const int64_t last = LastSeq();
  if (after_seq > last) {
    FieldViolations violations;
    violations.Add(
        "after_seq",
        absl::StrCat(after_seq, " is beyond the session's last cue, ", last));
    return violations.ToStatus();
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

StreamAction SessionLog::Next(StreamCursor& cursor, absl::Time now) const {
  const int64_t session_ms = SessionTimeMs(now);
  // Where session time stands on the server's clock, while it runs or runs
  // on until a class's PAUSE takes effect.
  const absl::Time session_ms_at = running_ || now < pause_time_
                                       ? WallTimeOf(session_ms)
                                       : absl::InfiniteFuture();
  auto send = [&](CueEvent event) {
    event.set_session_time_ms(session_ms);
    if (session_ms_at != absl::InfiniteFuture())
      *event.mutable_server_time() = ToProtoTimestamp(session_ms_at);
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
  const int64_t last = LastSeq();
  if (cursor.last_seq < ReleasedSeq(session_ms)) {
    ++cursor.last_seq;
    return send(CueAt(cursor.last_seq));
  }
  if (stopped_ && cursor.last_seq >= last) {
    if (!cursor.stop_sent) {
      cursor.stop_sent = true;
      return send(StreamEvent(yoga::session::v1::CUE_KIND_STOPPED, stop_ms_,
                              session_ms));
    }
    return Finished();
  }
  if (cursor.last_seq >= last && session_ms >= EndMs()) return Finished();
  if (now - cursor.last_sent >= timing_.heartbeat) {
    return send(StreamEvent(yoga::session::v1::CUE_KIND_HEARTBEAT, session_ms,
                            session_ms));
  }
  StreamAction wait;
  wait.wake = cursor.last_sent + timing_.heartbeat;
  if (cursor.last_seq < last) {
    const int64_t release_ms =
        OffsetOf(cursor.last_seq + 1) - Ms(timing_.lookahead);
    wait.wake = std::min(wait.wake, WallTimeOf(release_ms));
  } else {
    wait.wake = std::min(wait.wake, WallTimeOf(EndMs()));
  }
  return wait;
}

}  // namespace yoga::session
