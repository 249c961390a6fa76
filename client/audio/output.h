// Where a Mixer's sound goes: the sound card (audio_output.h) or a pipe to a
// Snapcast server (pipe_output.h). An Output renders its Mixer in real time
// from the moment it is opened until it is destroyed; whoever plays a session
// holds a Playback and never needs to know which kind it has.
//
//   absl::StatusOr<Playback> playback = OpenPlayback(...);  // Either kind.
//   playback->output->WaitUntilFlowing(absl::Seconds(5));
//   ... schedule on *playback->mixer; now and then check output->status().
#ifndef YOGA_CLIENT_AUDIO_OUTPUT_H_
#define YOGA_CLIENT_AUDIO_OUTPUT_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/audio/dac_time.h"
#include "client/audio/mixer.h"
#include "client/audio/varispeed.h"

namespace yoga::client::audio {

class Output {
 public:
  virtual ~Output() = default;

  // What plays the sound, for the runner: a device's name, or "pipe:PATH".
  virtual const std::string& device_name() const = 0;

  // From a frame's rendering until it leaves this output: the device's
  // buffers, or what a pipe keeps written ahead. What plays after it (a
  // Snapcast server's own buffer) is not known here.
  virtual absl::Duration output_latency() const = 0;

  // Waits until the Mixer is rendered in real time, at most `timeout`; true
  // if it is. Session time must not be anchored to a frame clock that stands
  // still, so players wait first.
  virtual bool WaitUntilFlowing(absl::Duration timeout) const = 0;

  // OK while the output plays; once it has stopped for good (a pipe's reader
  // went away), why. A player ends the session's playing then.
  virtual absl::Status status() const = 0;

  // When the first frame of the latest buffer plays (dac_time.h), for a
  // class's clock; nullopt when this output cannot tell. Any thread.
  virtual std::optional<DacTime> LastDacTime() const { return std::nullopt; }
};

// A Mixer and what plays it, through a Varispeed when a class's mat follows
// the class's clock.
struct Playback {
  std::unique_ptr<Mixer> mixer;
  std::unique_ptr<Varispeed> speed;  // Null unless asked for.
  std::unique_ptr<Output> output;    // Declared last: stops first.
};

// WaitUntilFlowing from the Mixer's side: true once its frame clock has
// advanced in real time for 100 ms in a row (five 20 ms windows, each with at
// least 10 ms rendered), false if that has not happened within `timeout`.
bool WaitUntilRendering(const Mixer& mixer, absl::Duration timeout);

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_OUTPUT_H_
