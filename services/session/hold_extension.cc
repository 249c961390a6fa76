#include "services/session/hold_extension.h"

#include "services/common/proto_time.h"
#include "services/planner/routine_timing.h"
#include "services/session/phrases.h"

namespace yoga::session {

HoldExtension MakeHoldExtension(
    const yoga::type::v1::Routine& routine,
    const yoga::session::v1::SessionOptions& options,
    const PromptDurations* prompts) {
  absl::Duration breath = FromProtoDuration(routine.breath_length());
  if (breath <= absl::ZeroDuration())
    breath = FromProtoDuration(options.breath_length());
  if (breath <= absl::ZeroDuration()) breath = kDefaultBreath;
  const Phrase phrase = phrases::StayLonger();
  const absl::Duration spoken =
      prompts != nullptr ? prompts->Of(phrase) : EstimatedDuration(phrase);
  HoldExtension extension;
  extension.breath_ms = absl::ToInt64Milliseconds(breath);
  // An instruction of the hold, like "stay here": not HOLD_START, whose
  // offset starts a hold, nor a count, which static holds do not get.
  extension.cue.set_kind(yoga::session::v1::CUE_KIND_INSTRUCTION);
  extension.cue.set_prompt_key(phrase.key);
  extension.cue.set_text(phrase.text);
  extension.cue.set_duration_ms(absl::ToInt64Milliseconds(spoken));
  return extension;
}

}  // namespace yoga::session
