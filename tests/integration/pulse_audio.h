// A private PulseAudio server for audio tests on machines without a sound
// card: one null sink at 48 kHz whose monitor parecord can record, in a
// runtime folder of its own so that it neither finds nor disturbs a desktop's
// server. Programs reach it through Env() (XDG_RUNTIME_DIR and HOME);
// PortAudio then sees it as ALSA's "pulse" and "default" devices.
//
//   auto pulse = PulseAudio::Start(temp_dir);
//   ChildProcess player("/usr/bin/env", pulse->Env({guide, "play", ...}));
//   auto recording = pulse->Record(temp_dir + "/out.wav");  ...  Stop.
//
// Needs Debian's pulseaudio, pulseaudio-utils and libasound2-plugins (./dev
// installs them). Every wait is bounded; the destructor stops the server.
#ifndef YOGA_TESTS_INTEGRATION_PULSE_AUDIO_H_
#define YOGA_TESTS_INTEGRATION_PULSE_AUDIO_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/integration/server_process.h"

namespace yoga::testing {

class PulseAudio {
 public:
  static constexpr char kSink[] = "yoga_test";

  // Starts the server with its files under `dir` and waits until it answers.
  static absl::StatusOr<std::unique_ptr<PulseAudio>> Start(
      const std::string& dir);
  ~PulseAudio();

  // `command` prefixed so that it runs under /usr/bin/env with this server's
  // environment (and LeakSanitizer off: ALSA's plugins leak at exit).
  std::vector<std::string> Env(const std::vector<std::string>& command) const;

  // Starts recording the sink's monitor: mono float WAV at 48 kHz. Stop the
  // returned process with SIGINT to finish the file.
  std::unique_ptr<ChildProcess> Record(const std::string& wav_path) const;

  // A room of `mats` mats for class tests: a null sink "room" with one
  // channel a mat, and a mono sink "mat<i>" for each that plays into
  // channel i (module-remap-sink: no resampling, the room's own clock). A
  // program plays on mat i with PULSE_SINK=mat<i> in its environment; one
  // recording of the room then holds every mat on one time base.
  absl::Status AddRoom(int mats);
  // Records the room: `mats` channels of float at 48 kHz. Stop with SIGINT.
  std::unique_ptr<ChildProcess> RecordRoom(const std::string& wav_path,
                                           int mats) const;

 private:
  PulseAudio() = default;
  std::string dir_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace yoga::testing

#endif  // YOGA_TESTS_INTEGRATION_PULSE_AUDIO_H_
