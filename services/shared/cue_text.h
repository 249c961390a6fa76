// One cue as a line of text, for transcripts (yoga-guide, ./dev run) and the
// golden timeline files:  "  01:02.300  POSE         Cat-Cow."
#ifndef YOGA_SERVICES_SHARED_CUE_TEXT_H_
#define YOGA_SERVICES_SHARED_CUE_TEXT_H_

#include <cstdint>
#include <string>

#include "yoga/session/v1/session_service.pb.h"

namespace yoga {

// "mm:ss.mmm" of a session time in milliseconds.
std::string ClockText(int64_t ms);

// Time, kind and words; stream-only events say what they carry.
std::string CueLine(const yoga::session::v1::CueEvent& cue);

}  // namespace yoga

#endif  // YOGA_SERVICES_SHARED_CUE_TEXT_H_
