#include "client/cli/guide_options.h"

#include <string>
#include <vector>

#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client::cli {
namespace {

using ::testing::ElementsAre;

// absl allows one usage message a process, so the command line is parsed in
// this test only.
TEST(GuideOptionsTest, TakesFlagsSpelledWithDashes) {
  absl::FlagSaver saver;  // The flags' defaults again after this test.
  std::vector<std::string> command_line = {"yoga-guide",
                                           "--no-floor",
                                           "--standing-only",
                                           "--lead-in=2",
                                           "--time-zone=Europe/Berlin",
                                           "--focus=lower-back",
                                           "--output=pipe:/tmp/snap-fifo",
                                           "play",
                                           "extra"};
  std::vector<char*> argv;
  for (std::string& arg : command_line) argv.push_back(arg.data());
  EXPECT_THAT(ParseGuideCommandLine(static_cast<int>(argv.size()), argv.data()),
              ElementsAre("yoga-guide", "play", "extra"));
  const GuideOptions options = GuideOptionsFromFlags();
  EXPECT_TRUE(options.request.plan.no_floor);
  EXPECT_TRUE(options.request.plan.standing_only);
  EXPECT_EQ(options.request.lead_in_seconds, 2);
  EXPECT_EQ(options.time_zone, "Europe/Berlin");
  // Only a flag's name is respelled, never its value.
  EXPECT_THAT(options.request.plan.focus, ElementsAre("lower-back"));
  EXPECT_EQ(options.output, "pipe:/tmp/snap-fifo");
}

TEST(GuideOptionsTest, DefaultsAreTheFlags) {
  const GuideOptions defaults;
  const GuideOptions options = GuideOptionsFromFlags();
  EXPECT_EQ(options.server, defaults.server);
  EXPECT_EQ(options.timeout, defaults.timeout);
  EXPECT_EQ(options.retry_for, defaults.retry_for);
  EXPECT_EQ(options.request.plan.minutes, defaults.request.plan.minutes);
  EXPECT_EQ(options.request.plan.breath_seconds,
            defaults.request.plan.breath_seconds);
  EXPECT_EQ(options.request.lead_in_seconds, defaults.request.lead_in_seconds);
  EXPECT_EQ(options.device, defaults.device);
  EXPECT_EQ(options.output, defaults.output);
  EXPECT_EQ(options.volume, defaults.volume);
  EXPECT_EQ(options.keys, defaults.keys);
  EXPECT_EQ(options.limit, defaults.limit);
  EXPECT_FALSE(options.voice_dir.empty());
  EXPECT_FALSE(options.profile.empty());
  EXPECT_FALSE(options.time_zone.empty());
}

TEST(CheckPlayOptionsTest, NeedsALeadInOfAtLeastASecond) {
  GuideOptions options;
  EXPECT_TRUE(CheckPlayOptions(options).ok());  // The server's lead-in.
  options.request.lead_in_seconds = 1;
  EXPECT_TRUE(CheckPlayOptions(options).ok());
  options.request.lead_in_seconds = 0.5;
  EXPECT_EQ(CheckPlayOptions(options).message(),
            "--lead_in=0.5: play needs at least 1 s to get the session's "
            "prompts ready (render takes 0)");
}

TEST(CheckOutputOptionsTest, TheSoundCardUnlessAPipeIsNamed) {
  GuideOptions options;
  auto choice = CheckOutputOptions(options);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->device, -1);
  EXPECT_EQ(choice->pipe_path, "");

  options.device = 3;
  choice = CheckOutputOptions(options);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->device, 3);
  EXPECT_EQ(choice->pipe_path, "");

  options.device = -1;
  options.output = "pipe:/tmp/snapfifo";
  choice = CheckOutputOptions(options);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->device, -1);
  EXPECT_EQ(choice->pipe_path, "/tmp/snapfifo");

  // Everything after the first "pipe:" is the path, colons too.
  options.output = "pipe:studio:a/fifo";
  choice = CheckOutputOptions(options);
  ASSERT_TRUE(choice.ok()) << choice.status();
  EXPECT_EQ(choice->pipe_path, "studio:a/fifo");
}

TEST(CheckOutputOptionsTest, NamesWhatIsWrongWithTheFlag) {
  GuideOptions options;
  options.output = "/tmp/snapfifo";
  EXPECT_EQ(CheckOutputOptions(options).status().message(),
            "--output=/tmp/snapfifo: expected pipe:PATH (e.g. "
            "pipe:/tmp/snapfifo, a Snapcast pipe source's FIFO), or no "
            "--output for the sound card");
  options.output = "Pipe:/tmp/snapfifo";
  EXPECT_EQ(CheckOutputOptions(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.output = "pipe:";
  EXPECT_EQ(CheckOutputOptions(options).status().message(),
            "--output=pipe:: the pipe needs its path, e.g. "
            "--output=pipe:/tmp/snapfifo");
  options.output = "pipe:/tmp/snapfifo";
  options.device = 2;
  EXPECT_EQ(CheckOutputOptions(options).status().message(),
            "--output=pipe:/tmp/snapfifo and --device=2: the pipe replaces "
            "the sound card; give one of them");
}

TEST(CheckRenderOptionsTest, NeedsTheFileToWrite) {
  GuideOptions options;
  EXPECT_EQ(CheckRenderOptions(options).message(),
            "render needs --out=FILE.wav, the file to write");
  options.out = "practice.wav";
  EXPECT_TRUE(CheckRenderOptions(options).ok());
}

TEST(CheckHistoryOptionsTest, NamesTheBadFlag) {
  GuideOptions options;
  options.time_zone = "Europe/Berlin";
  auto zone = CheckHistoryOptions(options);
  ASSERT_TRUE(zone.ok()) << zone.status();
  EXPECT_EQ(zone->name(), "Europe/Berlin");

  options.limit = 0;
  EXPECT_EQ(CheckHistoryOptions(options).status().message(),
            "--limit=0: must be 1 to 500");
  options.limit = kMostHistoryRecords + 1;
  EXPECT_EQ(CheckHistoryOptions(options).status().message(),
            "--limit=501: must be 1 to 500");

  options.limit = kMostHistoryRecords;
  options.time_zone = "Nowhere/Atlantis";
  EXPECT_EQ(CheckHistoryOptions(options).status().message(),
            "--time_zone=Nowhere/Atlantis: unknown time zone; use an IANA "
            "name such as Europe/Berlin");
}

}  // namespace
}  // namespace yoga::client::cli
