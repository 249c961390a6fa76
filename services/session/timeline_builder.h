// Turns a routine into its timeline: what the guide says and sounds, and when.
//
// Each step is: its announcement (name and side, or "switch sides", or a rest
// between sets), the setup instructions spread over the time the planner gave
// for getting into the pose, the hold from its HOLD_START cue to the chime that
// ends it (exactly the step's planned hold), with counts, breath pacing and
// hold instructions placed where they fit, then the release instructions. The
// session opens with a welcome after the lead-in and closes with a summary.
//
// Guarantees, checked by the tests: offsets rise; no prompt starts before the
// previous one has finished; every hold lasts its planned time to the
// millisecond. When prompts take longer than the planner allowed, the
// transition grows rather than the hold shrinking.
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
