// The one line that tells a runner where they are while a session plays:
//   "▶ Low Lunge, left side · hold 0:23 · step 3 of 8 · 12:34 left · vol 80%"
// Pure text from what the player knows, so it can be tested alone.
#ifndef YOGA_CLIENT_PLAYER_STATUS_LINE_H_
#define YOGA_CLIENT_PLAYER_STATUS_LINE_H_

#include <cstdint>
#include <map>
#include <string>

#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

struct PlayerState {
  int64_t now_ms = 0;    // Session time being heard.
  int step_index = -1;   // Of the last cue heard; -1 before the first step.
  int64_t shift_ms = 0;  // Live offsets minus planned ones (NEXT/PREVIOUS).
  int64_t end_ms = 0;    // Session time at which the session ends, live.
  bool paused = false;
  float volume = 1.0f;
  // A class: its join code, and the mats following it (-1: not known yet).
  std::string join_code;
  int mats = -1;
};

// `names` maps pose and variation ids to names; unknown ids print as ids.
std::string FormatStatusLine(const PlayerState& state,
                             const yoga::type::v1::Routine& routine,
                             const yoga::session::v1::SessionTimeline& timeline,
                             const std::map<std::string, std::string>& names);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_PLAYER_STATUS_LINE_H_
