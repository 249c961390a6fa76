// The keys of `yoga-guide play` and `join`, as a pure mapping that the player
// acts on and tests check: space pauses or resumes, n goes to the next step,
// p to the previous one, l stays in the current hold for one more breath, q
// quits, + and - change the volume. Anything else (Enter from a pipe, a
// hurried finger) does nothing.
#ifndef YOGA_CLIENT_PLAYER_PLAYER_KEYS_H_
#define YOGA_CLIENT_PLAYER_PLAYER_KEYS_H_

#include <string>

#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

enum class KeyAction { kNone, kControl, kQuit, kVolumeUp, kVolumeDown };

struct KeyCommand {
  KeyAction action = KeyAction::kNone;
  // For kControl: what to ask the server.
  yoga::session::v1::ControlAction control =
      yoga::session::v1::CONTROL_ACTION_UNSPECIFIED;
};

// What `key` does; `paused`: space resumes rather than pauses.
KeyCommand CommandForKey(char key, bool paused);

// The line to print once the server took `control`; empty when the runner
// hears the change anyway (a pause, a skip).
std::string ControlTakenLine(yoga::session::v1::ControlAction control);

// The line of keys printed as a session starts; q stops the session in play
// (`quit_stops_session`) and only leaves it in join.
std::string KeysHelpLine(bool quit_stops_session);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_PLAYER_PLAYER_KEYS_H_
