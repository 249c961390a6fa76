// Renders a whole session timeline to a WAV file at full speed, through the
// same CueScheduler and Mixer that play it live, so the file holds exactly
// what a runner would hear: each prompt on frame FrameOf(offset_ms) with
// session time 0 at frame 0 (at 48 kHz, 48 frames a millisecond).
//
//   auto result = RenderSession(timeline, voice, "practice.wav");
//
// The file is mono 16-bit PCM at the voice's sample rate and ends half a
// second after the timeline. It is written to "<path>.part" and renamed when
// complete, so a failure never leaves a truncated file under `path`.
// Errors: INVALID_ARGUMENT for a timeline without cues; UNAVAILABLE naming the
// path when it cannot be written; NOT_FOUND when the voice lacks a prompt.
#ifndef YOGA_CLIENT_SESSION_SESSION_RENDER_H_
#define YOGA_CLIENT_SESSION_SESSION_RENDER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/audio/voice_pack_audio.h"
#include "client/session/cue_scheduler.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

struct RenderResult {
  int64_t frames = 0;   // In the file.
  int sample_rate = 0;  // Of the file.
  // Every prompt played, in order, with the frame it starts on.
  std::vector<CueScheduler::StartedCue> prompts;
  absl::Duration took;  // Wall time of the render.
};

// `progress`, when given, is called now and then with the fraction done.
absl::StatusOr<RenderResult> RenderSession(
    const yoga::session::v1::SessionTimeline& timeline,
    const audio::VoicePackAudio& voice, const std::string& path,
    const std::function<void(double)>& progress = nullptr);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_SESSION_RENDER_H_
