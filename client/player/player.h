// Plays a live session on the sound card: follows its cue stream
// (CueFollower), schedules each prompt on its frame (CueScheduler, Mixer),
// takes the runner's keys and keeps the status line.
//
// Keys (client/player/player_keys.h): space pauses or resumes, n next step, p
// previous step, l one more breath in the current hold, q quits (stopping
// the session when `quit_stops_session`, leaving it running for others
// otherwise), + and - change the volume by 10 %. Controls go to the
// server; the stream's PAUSED/SKIPPED events then move the audio, so every
// client following the session hears the same.
//
// Returns when the session has ended (every prompt received has played), was
// stopped, or the runner quit; an error when the stream fails for good (the
// server gone for longer than the retry policy allows, the session expired)
// or the output stops playing (options.output_status; a session started with
// quit_stops_session is then stopped, as nobody hears it).
#ifndef YOGA_CLIENT_PLAYER_PLAYER_H_
#define YOGA_CLIENT_PLAYER_PLAYER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/audio/mixer.h"
#include "client/audio/voice_pack_audio.h"
#include "client/player/terminal.h"
#include "client/session/class_clock.h"
#include "client/session/cue_scheduler.h"
#include "client/session/retry.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::client {

struct PlayerOptions {
  bool quit_stops_session = true;  // play: yes; join: no.
  RetryPolicy retry;
  CueScheduler::Options scheduling;
  absl::Duration output_latency;      // The device's, for what is heard now.
  absl::Time launched = absl::Now();  // For time_to_first_prompt.
  absl::Duration call_timeout = absl::Seconds(5);  // Of each control call.
  // A class. Its teacher's client has the token its controls need; a mat
  // has none (its keys only leave, and set its own volume).
  bool is_class = false;
  std::string teacher_token;
  // A class's clock, ticked with each reading of the output (`dac_time`);
  // scheduling.class_clock should be the same. Null outside a class.
  ClassClock* class_clock = nullptr;
  std::function<std::optional<audio::DacTime>()> dac_time;
  // The output's health (audio::Output::status()), read every tick: not OK
  // once it has stopped playing for good. Unset: it never stops.
  std::function<absl::Status()> output_status;
};

struct PlayerReport {
  bool completed = false;  // The END cue played.
  bool stopped = false;    // The session was stopped (by anyone).
  bool quit = false;       // The runner quit.
  int64_t prompts = 0;     // Prompts that began to play.
  // From `launched` to when the first prompt was heard.
  absl::Duration time_to_first_prompt = absl::InfiniteDuration();
  // In a class (a mat or its teacher): from `launched` to when the class
  // clock was anchored, so cues could be placed (the first prompt is the
  // first cue due after that).
  absl::Duration time_to_class_clock = absl::InfiniteDuration();
  audio::Mixer::Stats mixer;
  CueScheduler::Counters cues;
  int reconnects = 0;
};

absl::StatusOr<PlayerReport> PlaySession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const yoga::session::v1::Session& session,
    const yoga::session::v1::SessionTimeline& timeline,
    const audio::VoicePackAudio& voice, audio::Mixer& mixer, Terminal& terminal,
    const std::map<std::string, std::string>& names,
    const PlayerOptions& options);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_PLAYER_PLAYER_H_
