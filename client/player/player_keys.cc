#include "client/player/player_keys.h"

#include "absl/strings/str_cat.h"

namespace yoga::client {

KeyCommand CommandForKey(char key, bool paused) {
  auto control = [](yoga::session::v1::ControlAction action) {
    return KeyCommand{KeyAction::kControl, action};
  };
  switch (key) {
    case ' ':
      return control(paused ? yoga::session::v1::CONTROL_ACTION_RESUME
                            : yoga::session::v1::CONTROL_ACTION_PAUSE);
    case 'n':
      return control(yoga::session::v1::CONTROL_ACTION_NEXT);
    case 'p':
      return control(yoga::session::v1::CONTROL_ACTION_PREVIOUS);
    case 'l':
      return control(yoga::session::v1::CONTROL_ACTION_STAY_LONGER);
    case 'q':
      return {KeyAction::kQuit};
    case '+':
    case '=':  // The same key without shift.
      return {KeyAction::kVolumeUp};
    case '-':
      return {KeyAction::kVolumeDown};
    default:
      return {};
  }
}

std::string ControlTakenLine(yoga::session::v1::ControlAction control) {
  // The prompt itself is a few hundred milliseconds away at most; the line
  // tells someone watching that the key worked.
  if (control == yoga::session::v1::CONTROL_ACTION_STAY_LONGER)
    return "yoga-guide: staying one more breath in this hold";
  return "";
}

std::string KeysHelpLine(bool quit_stops_session) {
  return absl::StrCat(
      "keys: space pause/resume · n next · p previous · l stay longer · q ",
      quit_stops_session ? "stop" : "leave", " · +/- volume");
}

}  // namespace yoga::client
