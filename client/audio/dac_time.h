// When an output frame reaches the sound card's converter: what a class's mat
// needs to put the server's clock on its frames (client/session/class_clock.h).
// AudioOutput::LastDacTime gives one per callback buffer.
#ifndef YOGA_CLIENT_AUDIO_DAC_TIME_H_
#define YOGA_CLIENT_AUDIO_DAC_TIME_H_

#include <cstdint>

namespace yoga::client::audio {

struct DacTime {
  int64_t output_frame = 0;  // Frames written to the output before it.
  int64_t client_ns = 0;     // MonotonicNowNs() when it plays.
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_DAC_TIME_H_
