#include "client/player/player_keys.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::ControlAction;

ControlAction ControlOf(char key, bool paused = false) {
  const KeyCommand command = CommandForKey(key, paused);
  EXPECT_EQ(command.action, KeyAction::kControl) << key;
  return command.control;
}

TEST(PlayerKeysTest, LetterKeysAskTheServer) {
  EXPECT_EQ(ControlOf('l'), yoga::session::v1::CONTROL_ACTION_STAY_LONGER);
  EXPECT_EQ(ControlOf('n'), yoga::session::v1::CONTROL_ACTION_NEXT);
  EXPECT_EQ(ControlOf('p'), yoga::session::v1::CONTROL_ACTION_PREVIOUS);
  EXPECT_EQ(ControlOf(' '), yoga::session::v1::CONTROL_ACTION_PAUSE);
  EXPECT_EQ(ControlOf(' ', /*paused=*/true),
            yoga::session::v1::CONTROL_ACTION_RESUME);
  // Paused or not, l is l.
  EXPECT_EQ(ControlOf('l', /*paused=*/true),
            yoga::session::v1::CONTROL_ACTION_STAY_LONGER);
}

TEST(PlayerKeysTest, OtherKeysStayHereOrDoNothing) {
  EXPECT_EQ(CommandForKey('q', false).action, KeyAction::kQuit);
  EXPECT_EQ(CommandForKey('+', false).action, KeyAction::kVolumeUp);
  EXPECT_EQ(CommandForKey('=', false).action, KeyAction::kVolumeUp);
  EXPECT_EQ(CommandForKey('-', false).action, KeyAction::kVolumeDown);
  for (char key : {'\n', 'x', 'L', '\0'}) {
    const KeyCommand command = CommandForKey(key, false);
    EXPECT_EQ(command.action, KeyAction::kNone) << int{key};
    EXPECT_EQ(command.control, yoga::session::v1::CONTROL_ACTION_UNSPECIFIED);
  }
}

TEST(PlayerKeysTest, StayingLongerIsSaidOnTheTerminalAndInTheHelp) {
  EXPECT_THAT(ControlTakenLine(yoga::session::v1::CONTROL_ACTION_STAY_LONGER),
              HasSubstr("one more breath"));
  // The others are heard: the stream pauses or skips the audio.
  EXPECT_EQ(ControlTakenLine(yoga::session::v1::CONTROL_ACTION_PAUSE), "");
  EXPECT_EQ(ControlTakenLine(yoga::session::v1::CONTROL_ACTION_NEXT), "");
  for (bool quit_stops : {true, false}) {
    const std::string help = KeysHelpLine(quit_stops);
    EXPECT_THAT(help, HasSubstr("l stay longer"));
    EXPECT_THAT(help, HasSubstr("n next"));
    EXPECT_THAT(help, HasSubstr(quit_stops ? "q stop" : "q leave"));
  }
}

}  // namespace
}  // namespace yoga::client
