// yoga-guide's audio outputs as a user meets them. On a machine with no sound
// card (CI) `devices` says so in one line with the way out, and none of ALSA's
// or JACK's probing noise reaches the terminal; with one, it lists them.
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

TEST(GuideAudioTest, DevicesListsOutputsOrSaysInOneLineThereAreNone) {
  // Under AddressSanitizer, ALSA's plugins (loaded and unloaded by PortAudio)
  // leave allocations that LeakSanitizer prints at exit; they are not ours,
  // and a user's build has no such report.
  const auto devices = RunProgram(
      "/usr/bin/env",
      {"ASAN_OPTIONS=detect_leaks=0", kBin + "yoga-guide", "devices"});
  EXPECT_THAT(devices.err, Not(HasSubstr("ALSA lib")));
  EXPECT_THAT(devices.err, Not(HasSubstr("jack")));
  if (devices.exit_code == 0) {
    EXPECT_THAT(devices.out, HasSubstr("* the default output"));
    EXPECT_TRUE(devices.err.empty()) << devices.err;
    return;
  }
  EXPECT_EQ(devices.exit_code, 1);
  const std::vector<std::string> lines =
      absl::StrSplit(devices.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << devices.err;
  EXPECT_THAT(lines[0], HasSubstr("no audio output device"));
  EXPECT_THAT(lines[0], HasSubstr("render --out="));
  EXPECT_THAT(lines[0], HasSubstr("--device"));
  EXPECT_TRUE(devices.out.empty()) << devices.out;
}

}  // namespace
}  // namespace yoga
