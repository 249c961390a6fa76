#include "client/session/session_render.h"

#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/audio/audio_file.h"
#include "client/audio/mixer.h"
#include "services/common/proto_time.h"

namespace yoga::client {
namespace {

// Frames a Render call: what a sound card's callback might ask for.
constexpr int kBlockFrames = 1024;
// Silence after the timeline, so the last prompt's tail is not clipped.
constexpr int64_t kTailMs = 500;

}  // namespace

absl::StatusOr<RenderResult> RenderSession(
    const yoga::session::v1::SessionTimeline& timeline,
    const audio::VoicePackAudio& voice, const std::string& path,
    const std::function<void(double)>& progress) {
  const absl::Time start = absl::Now();
  if (timeline.cues().empty())
    return absl::InvalidArgumentError("the session's timeline has no cues");
  for (const auto& cue : timeline.cues()) {
    if (!cue.prompt_key().empty() && voice.Find(cue.prompt_key()) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("voice pack \"", voice.pack_id(), "\" has no prompt \"",
                       cue.prompt_key(), "\" (cue ", cue.seq(), ")"));
    }
  }

  const int rate = voice.sample_rate();
  audio::Mixer mixer(rate);
  CueScheduler scheduler(mixer, voice);
  scheduler.Anchor(0, 0);
  for (const auto& cue : timeline.cues()) scheduler.OnEvent(cue);
  const int64_t end_ms =
      absl::ToInt64Milliseconds(FromProtoDuration(timeline.duration()));
  const int64_t total = scheduler.clock().FrameOf(end_ms + kTailMs);

  const std::string part = path + ".part";
  absl::StatusOr<audio::WavWriter> wav = audio::WavWriter::Create(part, rate);
  if (!wav.ok()) return wav.status();
  RenderResult result;
  result.sample_rate = rate;
  std::vector<float> block(kBlockFrames);
  double reported = 0;
  absl::Status status;
  while (result.frames < total && status.ok()) {
    scheduler.Pump();
    const int frames = static_cast<int>(
        std::min<int64_t>(kBlockFrames, total - result.frames));
    mixer.Render(block.data(), frames, 1);
    status = wav->Append(block.data(), frames);
    result.frames += frames;
    for (auto& started : scheduler.TakeStarted())
      result.prompts.push_back(std::move(started));
    const double done = static_cast<double>(result.frames) / total;
    if (progress && done - reported >= 0.05) {
      reported = done;
      progress(done);
    }
  }
  if (status.ok()) status = wav->Close();
  std::error_code ignored;
  if (!status.ok()) {
    std::filesystem::remove(part, ignored);
    return status;
  }
  std::error_code renamed;
  std::filesystem::rename(part, path, renamed);
  if (renamed) {
    std::filesystem::remove(part, ignored);
    return absl::UnavailableError(
        absl::StrCat(path, ": cannot write the file: ", renamed.message()));
  }
  for (auto& started : scheduler.TakeStarted())
    result.prompts.push_back(std::move(started));
  result.took = absl::Now() - start;
  return result;
}

}  // namespace yoga::client
