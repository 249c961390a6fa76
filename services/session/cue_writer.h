// The pieces a timeline is built from (TimelineBuilder's layout): the breath
// grid a step keeps, a window of cues placed freely inside a hold, and the
// writer that appends cues in order, keeps them from overlapping and keeps
// in and out alternating. Internal to the session's timeline.
#ifndef YOGA_SERVICES_SESSION_CUE_WRITER_H_
#define YOGA_SERVICES_SESSION_CUE_WRITER_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "services/session/phrases.h"
#include "services/session/timeline.h"
#include "services/session/voice_pack.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

using Breath = yoga::catalog::v1::Breath;
inline constexpr Breath kNoBreath = yoga::catalog::v1::BREATH_UNSPECIFIED;
inline constexpr Breath kIn = yoga::catalog::v1::BREATH_INHALE;
inline constexpr Breath kOut = yoga::catalog::v1::BREATH_EXHALE;

// Silence after a cue before the next one starts.
inline constexpr int64_t kGapMs = 500;
// After an instruction, time to do it before the next one.
inline constexpr int64_t kDoItMs = 2000;
// Silence around cues inside a hold, where time is short.
inline constexpr int64_t kTightGapMs = 150;
// How far a cue inside a hold may slide at a time to find room.
inline constexpr int64_t kSlideStepMs = 100;
// In and out alternate: a breath is not said twice in a row unless this many
// breaths have passed in silence since the first.
inline constexpr int64_t kBreathMemory = 3;

inline Breath Opposite(Breath breath) { return breath == kIn ? kOut : kIn; }

inline Phrase BreathPhrase(Breath breath) {
  return breath == kIn ? phrases::BreatheIn() : phrases::BreatheOut();
}

inline Phrase PhraseOf(const yoga::catalog::v1::Cue& cue) {
  return {cue.key(), cue.text()};
}

inline bool AppliesTo(const yoga::catalog::v1::Cue& cue,
                      yoga::type::v1::Side side) {
  return cue.side() == yoga::type::v1::SIDE_UNSPECIFIED || cue.side() == side;
}

// a, rounded down, divided by b > 0 (also for negative a).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// The breaths of one step. In-breaths start at anchor + k * breath, out-breaths
// half a breath later; entry, hold and exit all keep this one rhythm.
struct BreathGrid {
  int64_t anchor = 0;
  int64_t breath = 5000;

  int64_t half() const { return breath / 2; }
  // The first moment at or after `at` when `phase` starts.
  int64_t NextStart(Breath phase, int64_t at) const {
    const int64_t base = anchor + (phase == kOut ? half() : 0);
    return base - FloorDiv(base - at, breath) * breath;
  }
};

// Cues placed freely inside a hold, [start, end), none overlapping another.
class HoldWindow {
 public:
  HoldWindow(int64_t start, int64_t end) : start_(start), end_(end) {}

  // Whether a cue fits at `at`, `gap` clear of every other.
  bool Fits(int64_t at, int64_t duration, int64_t gap = kTightGapMs) const {
    if (at < start_ || at + duration + kTightGapMs > end_) return false;
    for (const v1::CueEvent& placed : placed_) {
      const int64_t placed_end = placed.offset_ms() + placed.duration_ms();
      if (at < placed_end + gap && at + duration + gap > placed.offset_ms())
        return false;
    }
    return true;
  }
  // Places `cue` at its offset, or drops it when that moment is taken.
  bool PlaceAt(v1::CueEvent cue) {
    if (!Fits(cue.offset_ms(), cue.duration_ms())) return false;
    placed_.push_back(std::move(cue));
    return true;
  }
  // Places both or neither: a breath pair must stay whole for in and out to
  // alternate.
  bool PlacePair(v1::CueEvent first, v1::CueEvent second) {
    if (!Fits(first.offset_ms(), first.duration_ms()) ||
        !Fits(second.offset_ms(), second.duration_ms()) ||
        first.offset_ms() + first.duration_ms() + kTightGapMs >
            second.offset_ms())
      return false;
    placed_.push_back(std::move(first));
    placed_.push_back(std::move(second));
    return true;
  }
  // Places `cue` at its offset or the first moment up to `latest` that is
  // `gap` clear of the others.
  bool PlaceFrom(v1::CueEvent cue, int64_t latest, int64_t gap = kTightGapMs) {
    for (int64_t at = cue.offset_ms(); at <= latest; at += kSlideStepMs) {
      if (Fits(at, cue.duration_ms(), gap)) {
        cue.set_offset_ms(at);
        placed_.push_back(std::move(cue));
        return true;
      }
    }
    return false;
  }
  // Places `cue` to end just before `before`, or as close to it as it fits
  // after `earliest`.
  bool PlaceBefore(v1::CueEvent cue, int64_t before, int64_t earliest) {
    for (int64_t at = before - cue.duration_ms() - kTightGapMs; at >= earliest;
         at -= kSlideStepMs) {
      if (Fits(at, cue.duration_ms())) {
        cue.set_offset_ms(at);
        placed_.push_back(std::move(cue));
        return true;
      }
    }
    return false;
  }
  // The longest silence in the window: its start and length.
  std::pair<int64_t, int64_t> LongestQuiet() const {
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (const v1::CueEvent& placed : placed_)
      spans.emplace_back(placed.offset_ms(),
                         placed.offset_ms() + placed.duration_ms());
    std::sort(spans.begin(), spans.end());
    int64_t quiet_from = start_, best_from = start_, best = 0;
    for (const auto& [from, to] : spans) {
      if (from - quiet_from > best) {
        best = from - quiet_from;
        best_from = quiet_from;
      }
      quiet_from = std::max(quiet_from, to);
    }
    if (end_ - quiet_from > best) {
      best = end_ - quiet_from;
      best_from = quiet_from;
    }
    return {best_from, best};
  }
  std::vector<v1::CueEvent> TakeSorted() {
    std::sort(placed_.begin(), placed_.end(),
              [](const v1::CueEvent& a, const v1::CueEvent& b) {
                return a.offset_ms() < b.offset_ms();
              });
    return std::move(placed_);
  }

 private:
  int64_t start_;
  int64_t end_;
  std::vector<v1::CueEvent> placed_;
};

// One build: the cues so far, when the next may start, and the last breath
// spoken (in and out always alternate).
class CueWriter {
 public:
  CueWriter(const PromptDurations& durations, v1::Verbosity verbosity,
            int64_t breath)
      : durations_(durations), verbosity_(verbosity), breath_(breath) {}

  v1::Verbosity verbosity() const { return verbosity_; }
  bool full() const { return verbosity_ == v1::VERBOSITY_FULL; }
  bool minimal() const { return verbosity_ == v1::VERBOSITY_MINIMAL; }
  Timeline& timeline() { return timeline_; }
  int64_t free_at() const { return free_at_; }
  void WaitUntil(int64_t at) { free_at_ = std::max(free_at_, at); }
  // The breath said last, if it was said within kBreathMemory breaths of
  // `at`: after a longer silence the runner's breath has moved on and either
  // breath may be said next.
  Breath last_breath(int64_t at) const {
    return at - last_breath_at_ < kBreathMemory * breath_ ? last_breath_
                                                          : kNoBreath;
  }
  int64_t last_movement_at() const { return last_movement_at_; }
  int next_index() const { return static_cast<int>(timeline_.cues.size()); }

  // The context later cues belong to.
  void SetStep(int step_index, const std::string& pose_id,
               yoga::type::v1::Side side) {
    step_index_ = step_index;
    pose_id_ = pose_id;
    side_ = side;
  }

  int64_t DurationOf(const Phrase& phrase) const {
    return std::max<int64_t>(absl::ToInt64Milliseconds(durations_.Of(phrase)),
                             1);
  }
  v1::CueEvent Make(const Phrase& phrase, v1::CueKind kind, int64_t at,
                    Breath breath = kNoBreath) const {
    v1::CueEvent cue;
    cue.set_offset_ms(at);
    cue.set_kind(kind);
    cue.set_prompt_key(phrase.key);
    cue.set_text(phrase.text);
    cue.set_pose_id(pose_id_);
    cue.set_side(side_);
    cue.set_step_index(step_index_);
    cue.set_duration_ms(DurationOf(phrase));
    cue.set_breath(breath);
    return cue;
  }

  // Says `phrase` at `at`, or as soon as the last cue allows; `after` is the
  // silence it leaves before the next cue.
  void Say(const Phrase& phrase, v1::CueKind kind, int64_t at = 0,
           int64_t after = kGapMs) {
    Append(Make(phrase, kind, std::max(at, free_at_)), after);
  }
  // Says a movement (or a breath) at the start of its breath on `grid`, no
  // earlier than `at`. When the breath said last was the same one, the other
  // is said first, on its own breath, so that in and out alternate.
  // `after` is the time left after it to move (a flow's slow round moves
  // within the breath itself).
  void SayOnBreath(const Phrase& phrase, v1::CueKind kind, Breath breath,
                   const BreathGrid& grid, int64_t at = 0,
                   int64_t after = kDoItMs) {
    int64_t earliest = std::max(at, free_at_);
    if (last_breath(grid.NextStart(breath, earliest)) == breath) {
      const Breath other = Opposite(breath);
      Append(Make(BreathPhrase(other), v1::CUE_KIND_BREATH,
                  grid.NextStart(other, earliest), other),
             kGapMs);
      earliest = free_at_;
    }
    const int64_t start = grid.NextStart(breath, earliest);
    Append(Make(phrase, kind, start, breath), after);
    last_movement_at_ = start;
  }
  void Append(v1::CueEvent cue, int64_t after = kGapMs) {
    cue.set_seq(next_index() + 1);
    // A cue said inside a wait (a breath during a rest) does not end it.
    free_at_ = std::max(free_at_, cue.offset_ms() + cue.duration_ms() + after);
    if (cue.breath() != kNoBreath) {
      last_breath_ = cue.breath();
      last_breath_at_ = cue.offset_ms();
    }
    timeline_.cues.push_back(std::move(cue));
  }

  // A point to move what follows from, or to go back to.
  struct Mark {
    size_t cues;
    int64_t free_at;
    Breath last_breath;
    int64_t last_breath_at;
  };
  Mark mark() {
    last_movement_at_ = -1;
    return {timeline_.cues.size(), free_at_, last_breath_, last_breath_at_};
  }
  // Forgets everything said since `mark`.
  void Rewind(const Mark& mark) {
    timeline_.cues.resize(mark.cues);
    free_at_ = mark.free_at;
    last_breath_ = mark.last_breath;
    last_breath_at_ = mark.last_breath_at;
    last_movement_at_ = -1;
  }
  // Moves every cue since `mark` later by `by` ms.
  void ShiftSince(const Mark& mark, int64_t by) {
    for (size_t i = mark.cues; i < timeline_.cues.size(); ++i) {
      v1::CueEvent& cue = timeline_.cues[i];
      cue.set_offset_ms(cue.offset_ms() + by);
    }
    free_at_ += by;
    if (last_movement_at_ >= 0) last_movement_at_ += by;
  }

 private:
  const PromptDurations& durations_;
  const v1::Verbosity verbosity_;
  const int64_t breath_;
  Timeline timeline_;
  int64_t free_at_ = 0;
  Breath last_breath_ = kNoBreath;
  int64_t last_breath_at_ = 0;
  int64_t last_movement_at_ = -1;
  int step_index_ = -1;
  std::string pose_id_;
  yoga::type::v1::Side side_ = yoga::type::v1::SIDE_UNSPECIFIED;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_CUE_WRITER_H_
