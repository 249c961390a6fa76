// yoga-guide's timing, measured from the audio itself (./dev bench):
//  1. Live: a composed routine of four minutes played by `yoga-guide play`
//     through a private PulseAudio null sink and recorded with parecord. Each
//     prompt is located in the recording; the error of every interval between
//     consecutive prompts against the timeline is reported (target: p99 at
//     most 5 ms). Time from launching `play` to the first prompt heard, as the
//     client reports it, with the part spent waiting for the output to start.
//  2. Offline: a 20-minute session rendered to WAV; every prompt located;
//     drift = located frame minus the timeline's frame (target: 0 frames).
//     The baseline is the render path's own interval errors, and the render's
//     speed is given against real time.
// Not pass/fail: it prints numbers.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "client/audio/audio_file.h"
#include "tests/integration/pulse_audio.h"
#include "tests/integration/server_process.h"
#include "tests/integration/session_prompts.h"
#include "tests/testing/prompt_locator.h"

namespace yoga {
namespace {

using yoga::testing::ChildProcess;
using yoga::testing::ExpectedPrompt;

const std::string kBin = YOGA_BINARY_DIR "/bin/";
constexpr int kRate = 48000;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "guide_bench: %s\n", why.c_str());
  std::exit(1);
}

std::string SessionIdOf(const std::string& out) {
  std::string id = yoga::testing::SessionIdOf(out);
  if (id.empty()) Die("no session line in:\n" + out);
  return id;
}

// The prompts of session `id`'s timeline, at the frames they are due.
std::vector<ExpectedPrompt> ExpectedPrompts(const std::string& address,
                                            const std::string& id) {
  auto expected = yoga::testing::TimelinePrompts(address, id, kRate);
  if (!expected.ok()) Die(expected.status().ToString());
  return *std::move(expected);
}

// `context` (the player's output) is printed when a prompt is not found.
std::vector<yoga::testing::LocatedPrompt> Locate(
    const std::string& wav, const std::vector<ExpectedPrompt>& expected,
    const std::string& context) {
  auto audio = client::audio::DecodeAudioFile(wav);
  if (!audio.ok()) Die(audio.status().ToString());
  auto located = yoga::testing::LocatePrompts(audio->samples, kRate, expected);
  if (!located.ok()) Die(located.status().ToString() + "\n" + context);
  return *located;
}

void PrintErrors(const char* what, const std::vector<int64_t>& errors) {
  const auto summary = yoga::testing::Summarize(errors);
  const double ms = 1000.0 / kRate;
  std::printf(
      "%-34s %5zu  p50 %6.3f ms  p99 %6.3f ms  max %6.3f ms  (max %.0f "
      "frames)\n",
      what, summary.count, summary.p50 * ms, summary.p99 * ms, summary.max * ms,
      summary.max);
}

long long Number(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return -1;
  return std::stoll(match[1]);
}

}  // namespace
}  // namespace yoga

int main() {
  using namespace yoga;
  const std::string dir =
      (std::filesystem::temp_directory_path() / "guide_bench").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ChildProcess studio(kBin + "yoga-studio", {"--listen=127.0.0.1:0"});
  auto address = studio.WaitForAddress();
  if (!address.ok()) Die(address.status().ToString());

  // 1. Live through PulseAudio.
  auto pulse = yoga::testing::PulseAudio::Start(dir + "/pulse");
  if (!pulse.ok()) Die(pulse.status().ToString());
  const std::string recording = dir + "/live.wav";
  auto recorder = (*pulse)->Record(recording);
  absl::SleepFor(absl::Seconds(1));
  ChildProcess guide("/usr/bin/env",
                     (*pulse)->Env({kBin + "yoga-guide", "--server=" + *address,
                                    "play", "--minutes=4", "--focus=hips",
                                    "--lead_in=2", "--keys=false"}));
  const auto exit_code = guide.WaitForExit(absl::Minutes(6));
  absl::SleepFor(absl::Milliseconds(500));
  recorder->Stop(SIGINT);
  if (exit_code != 0) Die("play failed:\n" + guide.Stdout() + guide.Stderr());
  const std::string out = guide.Stdout();
  auto live_expected = ExpectedPrompts(*address, SessionIdOf(out));
  auto live = Locate(recording, live_expected, out + guide.Stderr());
  std::printf(
      "live play, 4-minute routine, PulseAudio null sink -> parecord\n");
  PrintErrors("  interval error, prompts",
              yoga::testing::IntervalErrors(live, live_expected));
  const long long first = Number(out, "first heard (\\d+) ms after start");
  const long long warm = Number(out, "audio output started in (\\d+) ms");
  // The welcome is due after the 2 s lead-in, which is not overhead.
  const long long overhead = first - 2000;
  std::printf(
      "  play to first prompt heard: %lld ms = 2000 ms lead-in + %lld ms; "
      "waiting for the output to start took %lld ms (%.0f%% of those)\n",
      first, overhead, warm, overhead > 0 ? 100.0 * warm / overhead : 0.0);
  std::printf("  client report: %s",
              out.substr(out.rfind("completed:")).c_str());

  // 2. A 20-minute render.
  const std::string rendered = dir + "/twenty.wav";
  const absl::Time start = absl::Now();
  auto render = yoga::testing::RunProgram(
      kBin + "yoga-guide",
      {"--server=" + *address, "render", "--minutes=20", "--out=" + rendered});
  const absl::Duration took = absl::Now() - start;
  if (render.exit_code != 0) Die("render failed:\n" + render.err);
  auto expected = ExpectedPrompts(*address, SessionIdOf(render.out));
  auto located = Locate(rendered, expected, render.out);
  std::vector<int64_t> drift;
  for (size_t i = 0; i < located.size(); ++i)
    drift.push_back(located[i].frame - expected[i].frame);
  const double minutes =
      static_cast<double>(expected.back().frame) / kRate / 60;
  std::printf("render, %.1f minutes of session\n", minutes);
  PrintErrors("  drift from the timeline, prompts", drift);
  PrintErrors("  interval error (baseline)",
              yoga::testing::IntervalErrors(located, expected));
  std::printf("  yoga-guide render took %.2f s: %.0fx real time\n",
              absl::ToDoubleSeconds(took),
              minutes * 60 / absl::ToDoubleSeconds(took));
  std::filesystem::remove_all(dir);
  return 0;
}
