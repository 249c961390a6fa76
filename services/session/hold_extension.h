// What CONTROL_ACTION_STAY_LONGER adds to a hold: one more breath cycle, and
// the prompt that says so ("Stay for one more breath."). A value made once
// per session from its routine, options and voice pack; SessionLog decides
// where it goes (see session_log.h).
#ifndef YOGA_SERVICES_SESSION_HOLD_EXTENSION_H_
#define YOGA_SERVICES_SESSION_HOLD_EXTENSION_H_

#include <cstdint>

#include "services/session/voice_pack.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::session {

// Most breaths STAY_LONGER adds to one pass through a hold: 30 s more at the
// usual 5 s breath, a minute at the slowest. The seeds say "or longer", not
// "for ever": past that the runner is better served by the next pose, and a
// stuck key cannot stretch one hold without end.
inline constexpr int kMaxExtraBreaths = 6;

struct HoldExtension {
  // One breath cycle (in and out) in milliseconds: cues after the extension
  // move by it, so breath cues stay on the breath.
  int64_t breath_ms = 0;
  // The prompt: kind, prompt_key, text and duration_ms. SessionLog gives it
  // its seq, offset and step.
  yoga::session::v1::CueEvent cue;
};

// The extension of a session playing `routine` with `options`. The breath is
// the routine's breath_length, the one its holds and breath cues were timed
// with (options.breath_length when the routine has none, else the planner's
// default). The prompt's duration comes from `prompts`, the session's voice
// pack; null means estimated (PromptDurations' rule for a key a pack lacks).
HoldExtension MakeHoldExtension(
    const yoga::type::v1::Routine& routine,
    const yoga::session::v1::SessionOptions& options,
    const PromptDurations* prompts);

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_HOLD_EXTENSION_H_
