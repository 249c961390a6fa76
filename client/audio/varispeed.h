// Plays a Mixer's output a few ppm faster or slower than the device's frame
// clock, so that a mat's schedule clock can follow the server's clock although
// its sound card's crystal runs fast or slow (DESIGN.md "Classes"). It sits
// between the Mixer and the device: the callback calls Varispeed::Render
// instead of Mixer::Render.
//
// Sound. The Mixer's mono output goes through libsamplerate's sinc converter
// at a ratio that changes continuously: no sample is ever dropped or
// repeated, so a correction never clicks. A new speed is reached by a linear
// ramp of kRampPpmPerSecond, constant over steps of at most kStepFrames.
// SRC_SINC_FASTEST (the default; 97 dB SNR, flat to 80% of Nyquist, far
// above speech) costs about 4 ms of CPU a second of 48 kHz audio, and at 0 ppm
// gives the Mixer's output to 88 dB SNR on speech (largest error 1.4e-4);
// SRC_SINC_MEDIUM_QUALITY, 8 ms and 92 dB (tests/bench/varispeed_bench.cc).
// Render writes the same signal to every channel, clamped to [-1, 1].
//
// Speed. 0 ppm consumes one Mixer frame an output frame; +100 ppm consumes
// 1.0001, so the schedule clock runs ahead of the device's (for a device that
// runs slow against the server), -100 ppm lets it fall behind. Clamped to
// +-kMaxPpm.
//
// Position. The converter's output frame n is centred on Mixer input position
// x(n) = the sum of the speeds of frames 0..n-1, with no delay (SRC's sinc
// puts its first output on its first input); Varispeed steps x exactly as the
// converter does, and maps it onto the Mixer's schedule clock
// (Mixer::frames_rendered(), which stands still while paused). After every
// Render it publishes the schedule position of the next output frame to be
// written, and MixerPositionAt extrapolates from there at the current speed:
// exact at a constant speed, off by about 0.1 frame at 100 ms from it while
// the speed ramps, and meaningless across a pause's start or end. Mind that
// Mixer::frames_rendered() runs ahead of the output by the converter's
// look-ahead (at most two kChunkFrames and the filter's half length); what
// plays is MixerPositionAt.
//
// Threads. Render: the audio thread only; it takes no lock, allocates
// nothing, does no I/O and never waits (it calls Mixer::Render, so it takes
// the Mixer's audio role). SetSpeedPpm: the control thread. position(),
// MixerPositionAt, speed_ppm() and target_ppm(): any thread (a seqlock; the
// audio thread never waits on it).
#ifndef YOGA_CLIENT_AUDIO_VARISPEED_H_
#define YOGA_CLIENT_AUDIO_VARISPEED_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audio/mixer.h"

struct SRC_STATE_tag;

namespace yoga::client::audio {

class Varispeed {
 public:
  // Largest correction either way: a crystal is rarely off by more than
  // 100 ppm, but PulseAudio's null sink here runs 175-650 ppm fast;
  // 1000 ppm is under two cents of pitch.
  static constexpr double kMaxPpm = 1000.0;
  // How fast the applied speed follows SetSpeedPpm: a card's whole rate
  // (a few hundred ppm, fed forward by a class's clock) within a second,
  // a pitch glide of under a cent that no ear follows.
  static constexpr double kRampPpmPerSecond = 500.0;
  // Output frames rendered at one constant speed, at most.
  static constexpr int kStepFrames = 128;
  // Mixer frames rendered at a time.
  static constexpr int kChunkFrames = 256;

  enum class Converter {
    kSincFastest,  // 97 dB SNR, 80% of Nyquist.
    kSincMedium,   // 121 dB SNR, 90% of Nyquist; twice the CPU.
  };

  // The output frame next to be written and where on the schedule clock it
  // plays.
  struct Position {
    int64_t output_frame = 0;
    double mixer_frame = 0.0;
    // Schedule frames an output frame from there: 1 + ppm / 1e6, or 0 while
    // the Mixer is paused.
    double mixer_frames_per_frame = 1.0;
  };

  // Allocates the converter and its buffers; INTERNAL if libsamplerate
  // refuses. `mixer` must outlive the Varispeed.
  static absl::StatusOr<std::unique_ptr<Varispeed>> Create(
      Mixer& mixer, Converter converter = Converter::kSincFastest);
  ~Varispeed();

  Varispeed(const Varispeed&) = delete;
  Varispeed& operator=(const Varispeed&) = delete;

  // --- Control thread. ---

  // The speed to reach, in ppm (see "Speed"); clamped to +-kMaxPpm, NaN is 0.
  // Before the first Render it applies at once; afterwards by a ramp.
  void SetSpeedPpm(double ppm);

  // --- Any thread. ---

  double target_ppm() const {
    return target_ppm_.load(std::memory_order_relaxed);
  }
  // The speed the last Render ended at.
  double speed_ppm() const { return Read().speed_ppm; }
  // After the last Render; before the first, frame 0 at position 0.
  Position position() const { return Read(); }
  // The schedule frame that plays at `output_frame` (see "Position").
  double MixerPositionAt(int64_t output_frame) const;

  // --- Audio thread. ---

  // Writes `frames` interleaved frames of `channels` channels to `out`.
  void Render(float* out, int frames, int channels);

 private:
  // What the audio thread publishes.
  struct Snapshot : Position {
    double speed_ppm = 0.0;
  };

  // One chunk of Mixer output: where it began on the input and on the
  // schedule clock, and whether the clock moved through it (not paused).
  struct Chunk {
    int64_t input_start = 0;
    int64_t mixer_start = 0;
    bool advancing = true;
  };
  // Chunks remembered: more than the converter holds (its filter's half
  // length and at most two chunks).
  static constexpr int kChunkHistory = 16;

  explicit Varispeed(Mixer& mixer);

  static long PullFromMixer(void* self, float** data);
  void RampSpeed(int frames);
  // Schedule frame of input position `whole + fraction`, and whether the
  // schedule clock moves there.
  double MixerFrameOf(int64_t whole, double fraction, bool* advancing) const;
  void Publish();
  Snapshot Read() const;

  Mixer& mixer_;
  SRC_STATE_tag* converter_ = nullptr;

  // Control -> audio.
  std::atomic<double> target_ppm_{0.0};

  // Audio -> any thread, under a seqlock: odd while being written.
  std::atomic<uint64_t> sequence_{0};
  std::atomic<int64_t> published_output_frame_{0};
  std::atomic<double> published_mixer_frame_{0.0};
  std::atomic<double> published_rate_{1.0};
  std::atomic<double> published_ppm_{0.0};

  // Audio thread.
  std::vector<float> chunk_;  // kChunkFrames, the converter's input.
  std::vector<float> step_;   // kStepFrames, the converter's output.
  std::array<Chunk, kChunkHistory> chunks_;
  int64_t chunks_pulled_ = 0;
  int64_t output_frames_ = 0;
  // The converter's position on its input, kept as it keeps it: a whole
  // frame and a fraction in [0, 1).
  int64_t input_whole_ = 0;
  double input_fraction_ = 0.0;
  double ppm_ = 0.0;
  bool rendered_before_ = false;
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_VARISPEED_H_
