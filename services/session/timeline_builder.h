// Turns a routine into its timeline: what the guide says and sounds, and when,
// spoken as a teacher cues a class for someone whose eyes are closed.
//
// The session opens (after the lead-in) with its length, the poses ahead and
// the props to have at hand. Each step is then (planner/step_relation.h says
// how a step follows the one before):
//   entry   the name (and side; getting up from lying or down from standing
//           said), the pose's cautions for everyone and for the routine's
//           conditions, then every setup cue in order. A cue tagged with a
//           breath is a movement and starts on that breath: in-breaths begin
//           every breath_length from the planned hold, out-breaths half a
//           breath later, and in and out alternate (the other breath is said
//           first when a movement would repeat the one said last). The
//           starting position is not repeated when the runner is in it; when
//           a variation deepens the hold only its new cues are said. A flow
//           is first taught in one slow round at FULL.
//   settle  at least one breath after the last movement. Time to spare goes
//           before the entry, so a pose is held for what its hold says; a
//           strength hold says its setup cues after the lift inside the hold.
//   hold    from its HOLD_START cue to the chime, exactly the planned hold.
//           Strength holds are counted ("last breath", 3-2-1); static and
//           restorative holds get calm guidance and no countdown. A flow
//           names every movement on its half breath in short words; its
//           HOLD_START comes just before the first movement and the chime
//           closes the last round. A hold that deepens ends with "go a little
//           deeper" instead of the chime.
//   exit    every release cue, movements on their breath; then a rest between
//           the sides of one-leg strength work and between sets.
// The session closes with a summary; the last word ends at lead-in plus the
// routine's total_duration, unless the prompts need longer.
//
// Verbosity: BRIEF keeps every setup and release cue, the cautions, counts,
// sides and the first cue of a hold; MINIMAL keeps names, sides, counts and
// chimes (and leaves the runner the whole transition after the name). Both
// keep every hold where FULL has it. At FULL the voice is never away longer
// than kMaxQuietMs.
//
// Guarantees, checked by the tests: offsets rise; no prompt starts before the
// previous one has finished; every hold lasts its planned time to the
// millisecond. When prompts take longer than the planner allowed, the hold
// starts later by whole breaths rather than shrinking.
#ifndef YOGA_SERVICES_SESSION_TIMELINE_BUILDER_H_
#define YOGA_SERVICES_SESSION_TIMELINE_BUILDER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "services/session/timeline.h"
#include "services/session/voice_pack.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::session {

inline constexpr absl::Duration kDefaultLeadIn = absl::Seconds(5);
inline constexpr absl::Duration kMaxLeadIn = absl::Seconds(60);
// At FULL, the longest silence anywhere in a session.
inline constexpr int64_t kMaxQuietMs = 15'000;

struct TimelineOptions {
  yoga::session::v1::Verbosity verbosity = yoga::session::v1::VERBOSITY_FULL;
  absl::Duration lead_in = kDefaultLeadIn;
};

class TimelineBuilder {
 public:
  TimelineBuilder(const catalog::Catalog& catalog,
                  const PromptDurations& durations)
      : catalog_(catalog), durations_(durations) {}
  // Both are kept by reference: a temporary would dangle.
  TimelineBuilder(const catalog::Catalog&, PromptDurations&&) = delete;

  // FAILED_PRECONDITION naming the step when the routine names a pose or
  // variation the catalog lacks, or a hold too short to be announced.
  absl::StatusOr<Timeline> Build(const yoga::type::v1::Routine& routine,
                                 const TimelineOptions& options) const;

 private:
  const catalog::Catalog& catalog_;
  const PromptDurations& durations_;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_TIMELINE_BUILDER_H_
