// yoga-guide as a runner meets it, end to end with real sound: a private
// PulseAudio server with a null sink, yoga-studio on loopback, `yoga-guide
// play` of a short routine through PortAudio, and parecord recording the
// sink's monitor. Every prompt of the session's timeline must be found in the
// recording, in order, and the time between consecutive prompts must be the
// timeline's to within 5 ms (in practice it is exact to the frame). That takes
// a minute and a half, alone (label "realtime": not in the sanitizer build);
// the same sound path in seconds: a play that SIGINT quits after its first
// prompts. Also: cue streams cut by a proxy, a lead-in too short to play, and
// no server to reach.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/audio/audio_file.h"
#include "client/session/cue_follower.h"
#include "client/session/session_setup.h"
#include "client/text/plan_request.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/pulse_audio.h"
#include "tests/integration/server_process.h"
#include "tests/integration/session_prompts.h"
#include "tests/testing/prompt_locator.h"
#include "tests/testing/tcp_proxy.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using yoga::testing::ChildProcess;
using yoga::testing::PulseAudio;
using yoga::testing::RunProgram;
using yoga::testing::SessionIdOf;

const std::string kBin = YOGA_BINARY_DIR "/bin/";
const std::string kShortRoutine =
    YOGA_SOURCE_DIR "/tests/integration/testdata/short_routine.textproto";
constexpr int kRate = 48000;

std::string TempDir(const std::string& name) {
  const std::string dir =
      std::filesystem::path(::testing::TempDir()) / ("guide_play_test." + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// yoga-studio, and yoga-guide playing the short routine from it into a
// PulseAudio sink that is recorded to `wav`. Members stop in reverse order:
// the guide first, the sound server last.
struct RecordedPlay {
  std::unique_ptr<PulseAudio> pulse;
  std::unique_ptr<ChildProcess> studio;
  std::string address;
  std::string wav;
  std::unique_ptr<ChildProcess> recorder;
  std::unique_ptr<ChildProcess> guide;
};

absl::StatusOr<RecordedPlay> StartRecordedPlay(const std::string& dir) {
  RecordedPlay play;
  auto pulse = PulseAudio::Start(dir + "/pulse");
  if (!pulse.ok()) return pulse.status();
  play.pulse = *std::move(pulse);
  play.studio = std::make_unique<ChildProcess>(
      kBin + "yoga-studio", std::vector<std::string>{"--listen=127.0.0.1:0"});
  auto address = play.studio->WaitForAddress();
  if (!address.ok()) return address.status();
  play.address = *address;
  play.wav = dir + "/recording.wav";
  play.recorder = play.pulse->Record(play.wav);
  absl::SleepFor(absl::Seconds(1));  // parecord is recording by then.
  play.guide = std::make_unique<ChildProcess>(
      "/usr/bin/env",
      play.pulse->Env({kBin + "yoga-guide", "--server=" + play.address, "play",
                       "--routine=" + kShortRoutine, "--lead_in=1",
                       "--keys=false"}));
  return play;
}

TEST(GuidePlayTest, PlaysEveryPromptInOrderOnTimeThroughPulseAudio) {
  const std::string dir = TempDir("pulse");
  auto play = StartRecordedPlay(dir);
  ASSERT_TRUE(play.ok()) << play.status();
  ChildProcess& guide = *play->guide;
  const std::string& address = play->address;
  const std::string& wav = play->wav;
  const std::optional<int> exit_code = guide.WaitForExit(absl::Seconds(120));
  absl::SleepFor(absl::Milliseconds(500));  // The last prompt's tail.
  play->recorder->Stop(SIGINT);
  ASSERT_EQ(exit_code, 0) << guide.Stdout() << guide.Stderr();
  EXPECT_THAT(guide.Stdout(), HasSubstr("completed: "));
  EXPECT_THAT(guide.Stdout(),
              HasSubstr(" 0 late, 0 too late to play, 0 overlapping"));

  // The session's timeline, from the server, and the prompts it names.
  const std::string session_id = SessionIdOf(guide.Stdout());
  ASSERT_FALSE(session_id.empty()) << guide.Stdout();
  auto timeline_prompts =
      yoga::testing::TimelinePrompts(address, session_id, kRate);
  ASSERT_TRUE(timeline_prompts.ok()) << timeline_prompts.status();
  const std::vector<yoga::testing::ExpectedPrompt>& expected =
      *timeline_prompts;
  ASSERT_GE(expected.size(), 10u);

  auto recording = client::audio::DecodeAudioFile(wav);
  ASSERT_TRUE(recording.ok()) << recording.status();
  ASSERT_EQ(recording->sample_rate, kRate);
  auto located =
      yoga::testing::LocatePrompts(recording->samples, kRate, expected);
  ASSERT_TRUE(located.ok()) << located.status();
  const std::vector<int64_t> errors =
      yoga::testing::IntervalErrors(*located, expected);
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LE(std::abs(errors[i]), kRate * 5 / 1000)
        << "between prompts " << i << " and " << i + 1 << ": " << errors[i]
        << " frames";
  }
  const auto summary = yoga::testing::Summarize(errors);
  std::printf(
      "%zu prompts; interval error p50 %.0f, p99 %.0f, max %.0f frames\n",
      expected.size(), summary.p50, summary.p99, summary.max);
}

// The sound path of the test above (PortAudio into PulseAudio, the mixer, the
// cue follower) for seconds rather than minutes, so that the sanitizer build
// plays too; no timing is asserted, so it need not run alone. SIGINT quits as
// 'q' does, and quitting `play` stops the session.
TEST(GuidePlayTest, InterruptQuitsAfterTheFirstPromptsAndStopsTheSession) {
  const std::string dir = TempDir("quit");
  auto play = StartRecordedPlay(dir);
  ASSERT_TRUE(play.ok()) << play.status();
  ChildProcess& guide = *play->guide;
  const std::string& address = play->address;
  const std::string& wav = play->wav;
  // "session ID: ..." is printed once the prompts are loaded, at most the
  // lead-in before the first is due.
  std::string session_id;
  for (const absl::Time until = absl::Now() + absl::Seconds(30);
       session_id.empty() && absl::Now() < until &&
       !guide.WaitForExit(absl::ZeroDuration()).has_value();
       absl::SleepFor(absl::Milliseconds(50))) {
    session_id = SessionIdOf(guide.Stdout());
  }
  ASSERT_FALSE(session_id.empty()) << guide.Stdout() << guide.Stderr();
  absl::SleepFor(absl::Seconds(4));
  EXPECT_EQ(guide.Stop(SIGINT, absl::Seconds(20)), 0) << guide.Stderr();
  play->recorder->Stop(SIGINT);
  EXPECT_THAT(guide.Stdout(),
              ::testing::ContainsRegex("quit: [1-9][0-9]* prompts played"));

  auto stub = yoga::session::v1::SessionService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  yoga::session::v1::GetSessionRequest request;
  request.set_id(session_id);
  yoga::session::v1::Session session;
  ASSERT_TRUE(stub->GetSession(&context, request, &session).ok());
  EXPECT_EQ(session.state(), yoga::session::v1::SESSION_STATE_STOPPED);

  // What was played reached the sound server.
  auto recording = client::audio::DecodeAudioFile(wav);
  ASSERT_TRUE(recording.ok()) << recording.status();
  float loudest = 0;
  for (float sample : recording->samples)
    loudest = std::max(loudest, std::abs(sample));
  EXPECT_GT(loudest, 0.05f);
}

TEST(GuidePlayTest, TheCueStreamSurvivesDropsLosingAndRepeatingNothing) {
  ChildProcess studio(kBin + "yoga-studio", {"--listen=127.0.0.1:0"});
  auto address = studio.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  yoga::testing::TcpProxy proxy(*address);
  auto stub = yoga::session::v1::SessionService::NewStub(
      grpc::CreateChannel(proxy.address(), grpc::InsecureChannelCredentials()));
  client::SessionRequestOptions options;
  options.routine_file = kShortRoutine;
  options.lead_in_seconds = 0;
  auto request = client::MakeSessionRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  auto plan = client::StartSession(*stub, *request, {});
  ASSERT_TRUE(plan.ok()) << plan.status();

  client::RetryPolicy retry;
  retry.first_wait = absl::Milliseconds(20);
  retry.longest_wait = absl::Milliseconds(100);
  client::CueFollower follower(*stub, plan->session.id(), retry);
  follower.Start(/*after_seq=*/0);
  std::vector<client::CueFollower::Item> items;
  // Ten seconds of the session, cut every second and a half.
  for (int i = 0; i < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    if (i % 15 == 14) proxy.CutAll();
    for (auto& item : follower.Take()) items.push_back(std::move(item));
  }
  follower.Cancel();
  EXPECT_FALSE(follower.result().has_value() && follower.result()->ok());

  int reconnected = 0;
  std::vector<yoga::session::v1::CueEvent> cues;
  for (const auto& item : items) {
    reconnected += item.reconnected;
    if (item.event.seq() > 0) cues.push_back(item.event);
  }
  EXPECT_GE(reconnected, 5);
  EXPECT_GE(proxy.connections(), 6);
  // Every cue released in those ten seconds, once, in order, as planned: the
  // server releases a cue 1.5 s ahead of its offset.
  ASSERT_FALSE(items.empty());
  const int64_t last_time = items.back().event.session_time_ms();
  EXPECT_GE(last_time, 8000);  // Nothing stalled for long.
  auto released_by = [&](int64_t session_ms) {
    return std::count_if(
        plan->timeline.cues().begin(), plan->timeline.cues().end(),
        [&](const auto& cue) { return cue.offset_ms() - 1500 <= session_ms; });
  };
  EXPECT_GE(static_cast<int64_t>(cues.size()), released_by(last_time - 200));
  EXPECT_LE(static_cast<int64_t>(cues.size()), released_by(last_time + 200));
  for (size_t i = 0; i < cues.size(); ++i) {
    ASSERT_EQ(cues[i].seq(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(cues[i].offset_ms(), plan->timeline.cues(i).offset_ms());
    EXPECT_EQ(cues[i].prompt_key(), plan->timeline.cues(i).prompt_key());
  }
}

TEST(GuidePlayTest, PlayRefusesALeadInTooShortToGetThePromptsReady) {
  const auto play = RunProgram(
      kBin + "yoga-guide",
      {"--server=127.0.0.1:1", "play", "--lead_in=0.5", "--keys=false"});
  EXPECT_EQ(play.exit_code, 2);
  EXPECT_THAT(play.err, HasSubstr("--lead_in=0.5: play needs at least 1 s"));
}

TEST(GuidePlayTest, UnreachableServerIsRetriedWithBackoffThenGivenUp) {
  // Render needs no sound card, so this runs anywhere. Port 1 on loopback
  // refuses connections at once.
  const std::string out = TempDir("unreachable") + "/never.wav";
  const absl::Time start = absl::Now();
  const auto render =
      RunProgram(kBin + "yoga-guide",
                 {"--server=127.0.0.1:1", "--retry_for=2s", "render",
                  "--preset=runners-lower-back-four", "--out=" + out});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(render.exit_code, 1);
  // Waits of at most 250 ms, 500 ms, 1 s, jittered down to no less than 60%
  // of each (client/session/retry.h): three retries fit in 2 s (1.75 s at
  // most), a fourth never does (1.05 s spent, then at least 1.2 s).
  const std::vector<std::string> lines =
      absl::StrSplit(render.err, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << render.err;
  EXPECT_THAT(lines[0], HasSubstr("cannot reach 127.0.0.1:1"));
  const absl::Duration most[] = {absl::Milliseconds(250),
                                 absl::Milliseconds(500), absl::Seconds(1)};
  for (int i = 0; i < 3; ++i) {
    // The printed wait is the one slept: "... retrying in 187ms".
    const size_t at = lines[i].rfind("retrying in ");
    ASSERT_NE(at, std::string::npos) << lines[i];
    absl::Duration wait;
    ASSERT_TRUE(absl::ParseDuration(
        lines[i].substr(at + std::string("retrying in ").size()), &wait))
        << lines[i];
    EXPECT_LE(wait, most[i]) << lines[i];
    EXPECT_GE(wait, most[i] * 0.6) << lines[i];
  }
  EXPECT_THAT(lines[3], HasSubstr("UNAVAILABLE"));
  EXPECT_THAT(lines[3], HasSubstr("is yoga-studio running at 127.0.0.1:1"));
  EXPECT_LT(took, absl::Seconds(10));  // Bounded, not a timing assertion.
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace yoga
