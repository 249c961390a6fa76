// A timeline: every cue of a routine, each at an offset in milliseconds of
// session time, as TimelineBuilder makes it. Immutable once built and shared by
// every session that plays the same routine with the same options.
#ifndef YOGA_SERVICES_SESSION_TIMELINE_H_
#define YOGA_SERVICES_SESSION_TIMELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

// Where one routine step sits on the timeline.
struct TimelineStep {
  int first_cue = 0;       // Its announcement (or side switch, or rest).
  int hold_start_cue = 0;  // The HOLD_START cue.
  int hold_end_cue = 0;    // The chime that ends the hold.
  int64_t begin_ms = 0;    // Offset of first_cue.
  int64_t hold_start_ms = 0;
  int64_t hold_end_ms = 0;  // hold_start_ms + the step's hold.
};

struct Timeline {
  // Ordered by offset; cues[i].seq() is i + 1. No cue starts before the one
  // ahead of it has finished (offset_ms + duration_ms).
  std::vector<yoga::session::v1::CueEvent> cues;
  std::vector<TimelineStep> steps;  // One per routine step.
  int ending_cue = 0;               // First cue after the last step's release.
  int64_t end_ms = 0;               // When the last cue has finished.
  // SHA-256 of ToProto(): a stored session continues only on the very
  // timeline it started with.
  std::string fingerprint;

  int64_t EndOf(int cue) const {
    return cues[cue].offset_ms() + cues[cue].duration_ms();
  }
  // The step being done at `offset_ms` of timeline time: the last step begun
  // by then (0 before the first one begins).
  int StepAt(int64_t offset_ms) const;
  // As GetSessionTimeline returns it.
  yoga::session::v1::SessionTimeline ToProto() const;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_TIMELINE_H_
