// yoga-guide's audio outputs as a user meets them. On a machine with no sound
// card (CI) `devices` and `play` say so in one line with the way out, and none
// of ALSA's or JACK's probing noise reaches the terminal; with one, `devices`
// lists them.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using yoga::testing::RunProgram;

const std::string kBin = YOGA_BINARY_DIR "/bin/";

// `err` is the one line that says there is no sound card, and what to do.
void ExpectOneLineSayingNoDevice(const std::string& err) {
  EXPECT_THAT(err, Not(HasSubstr("ALSA lib")));
  EXPECT_THAT(err, Not(HasSubstr("jack")));
  const std::vector<std::string> lines =
      absl::StrSplit(err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << err;
  EXPECT_THAT(lines[0], HasSubstr("no audio output device"));
  EXPECT_THAT(lines[0], HasSubstr("render --out="));
  EXPECT_THAT(lines[0], HasSubstr("--device"));
}

TEST(GuideAudioTest, DevicesListsOutputsOrSaysInOneLineThereAreNone) {
  // Under AddressSanitizer, ALSA's plugins (loaded and unloaded by PortAudio)
  // leave allocations that LeakSanitizer prints at exit; they are not ours,
  // and a user's build has no such report.
  const auto devices = RunProgram(
      "/usr/bin/env",
      {"ASAN_OPTIONS=detect_leaks=0", kBin + "yoga-guide", "devices"});
  if (devices.exit_code == 0) {
    EXPECT_THAT(devices.out, HasSubstr("* the default output"));
    EXPECT_TRUE(devices.err.empty()) << devices.err;
    return;
  }
  EXPECT_EQ(devices.exit_code, 1);
  ExpectOneLineSayingNoDevice(devices.err);
  EXPECT_TRUE(devices.out.empty()) << devices.out;
}

TEST(GuideAudioTest, PlayWithoutASoundCardSaysSoInOneLineAndFails) {
  // An empty runtime folder: no PulseAudio to find. A machine with a sound
  // card would still have it through ALSA; this checks the card-less case.
  const std::string dir = ::testing::TempDir() + "/guide_audio_test.no_card";
  std::filesystem::create_directories(dir);
  const std::vector<std::string> env = {"XDG_RUNTIME_DIR=" + dir,
                                        "ASAN_OPTIONS=detect_leaks=0"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), env.begin(), env.end());
    return RunProgram("/usr/bin/env", args);
  };
  if (run({kBin + "yoga-guide", "devices"}).exit_code == 0)
    GTEST_SKIP() << "this machine has a sound card";
  // No server either: the sound card is checked first, so no session starts.
  const auto play = run({kBin + "yoga-guide", "--server=127.0.0.1:1", "play",
                         "--preset=runners-lower-back-four", "--keys=false"});
  EXPECT_EQ(play.exit_code, 1);
  ExpectOneLineSayingNoDevice(play.err);
}

}  // namespace
}  // namespace yoga
