// The sound card, through PortAudio: lists output devices and plays a Mixer
// from PortAudio's callback. ALSA and JACK print pages of diagnostics while
// PortAudio probes them; those are kept off the terminal, so a machine with no
// sound card gets one clear line instead (see NoDeviceError). One kind of
// Output (client/audio/output.h); a pipe to Snapcast is the other.
//
//   auto output = AudioOutput::Open(mixer, /*device=*/-1, 48000);
//   if (!output.ok()) ... status says why, with a hint;
//   (*output)->output_latency()   // what PortAudio reports for the stream
#ifndef YOGA_CLIENT_AUDIO_AUDIO_OUTPUT_H_
#define YOGA_CLIENT_AUDIO_AUDIO_OUTPUT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/audio/dac_time.h"
#include "client/audio/mixer.h"
#include "client/audio/output.h"
#include "client/audio/varispeed.h"

namespace yoga::client::audio {

struct OutputDevice {
  int index = -1;  // PortAudio's device index, for --device.
  std::string name;
  std::string host_api;  // "ALSA", "JACK Audio Connection Kit", ...
  int channels = 0;      // Most output channels.
  double default_rate = 0;
  bool is_default = false;
};

// Every device that can play sound. FAILED_PRECONDITION with a hint (render
// to a file, or start an audio server) when there is none.
absl::StatusOr<std::vector<OutputDevice>> ListOutputDevices();

class AudioOutput : public Output {
 public:
  // Opens `device` (-1: the default one) at `sample_rate`, stereo when the
  // device has two channels, and starts calling mixer.Render from PortAudio's
  // callback, or speed->Render (which renders the mixer) when `speed` is
  // given. The mixer and speed must outlive the output.
  static absl::StatusOr<std::unique_ptr<AudioOutput>> Open(
      Mixer& mixer, int device, int sample_rate, Varispeed* speed = nullptr);
  ~AudioOutput() override;  // Stops the stream and releases PortAudio.

  AudioOutput(const AudioOutput&) = delete;
  AudioOutput& operator=(const AudioOutput&) = delete;

  const std::string& device_name() const override { return device_name_; }

  // Some devices take their first buffers and then stall before they play:
  // ALSA's PulseAudio plugin for about 2 s.
  bool WaitUntilFlowing(absl::Duration timeout) const override;
  // What PortAudio reports for the stream.
  absl::Duration output_latency() const override { return output_latency_; }
  // OK: PortAudio tells of no failure that ends the stream.
  absl::Status status() const override { return absl::OkStatus(); }

  // The first frame of the callback's latest buffer and when it plays, by
  // PortAudio's outputBufferDacTime; nullopt before the first callback.
  // Any thread.
  std::optional<DacTime> LastDacTime() const override;

  // What PortAudio's callback (audio_output.cc) gets.
  struct Callee;

 private:
  AudioOutput() = default;
  void* stream_ = nullptr;           // PaStream.
  Callee* user_ = nullptr;           // What the callback gets.
  std::shared_ptr<void> portaudio_;  // Pa_Initialize'd while this lives.
  std::string device_name_;
  absl::Duration output_latency_;
};

// Opens `device` (-1: the default) at `preferred_rate` if it takes it (no
// resampling of the voice then), else at the device's default rate. With
// `varispeed`, the mixer plays through a Varispeed (a class's mat).
absl::StatusOr<Playback> OpenPlayback(int device, int preferred_rate,
                                      bool varispeed = false);

// The error for "no sound card": one line with the way out.
absl::Status NoDeviceError(absl::string_view detail);

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_AUDIO_OUTPUT_H_
