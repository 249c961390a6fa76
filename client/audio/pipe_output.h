// The mixed session as raw PCM into a pipe, for a studio's Snapcast server:
// its pipe source (`source = pipe:///tmp/snapfifo?name=...`) takes 48000 Hz,
// 16-bit signed little-endian, stereo by default (`sampleformat=48000:16:2`),
// and plays it in every room.
//
// A thread of its own renders the Mixer in real time: blocks of `block`,
// each due when the monotonic clock reaches start + (frames written - ahead)
// / rate, so `ahead` stays written before real time and nothing drifts
// (every due time comes from the start and the frame count, never from a sum
// of sleeps). The mono mix goes to both channels, clamped to [-1, 1].
//
// PATH:
//  - a FIFO: Open waits, at most `wait_for_reader`, for a reader (snapserver
//    opens its pipe now and then while nothing writes). A reader that goes
//    away (EPIPE; SIGPIPE is blocked in the writing thread) or takes nothing
//    for `stall_limit` stops the output: status() then says so, and a player
//    ends. snapserver's pipe source creates its FIFO when it starts
//    (mode=create, its default); yoga-guide never creates one, so a missing
//    PATH is an error that says to start snapserver, not a stray file that
//    fills up unheard.
//  - a regular file: truncated and written in real time (for tests, or to
//    keep the class as raw PCM).
//
//   auto output = PipeOutput::Open(mixer, "/tmp/snapfifo");
//   if (!output.ok()) ... says why, with a hint;
//   (*output)->status()   // OK while a reader takes what it writes
#ifndef YOGA_CLIENT_AUDIO_PIPE_OUTPUT_H_
#define YOGA_CLIENT_AUDIO_PIPE_OUTPUT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/audio/mixer.h"
#include "client/audio/output.h"

namespace yoga::client::audio {

// Snapcast's default sample format, 48000:16:2; the Mixer runs at this rate.
inline constexpr int kPipeSampleRate = 48000;
inline constexpr int kPipeChannels = 2;
inline constexpr int kPipeBytesPerFrame = kPipeChannels * 2;

struct PipeOutputOptions {
  // Rendered and written at once.
  absl::Duration block = absl::Milliseconds(10);
  // Kept written before real time. snapserver reads 20 ms chunks on its own
  // clock and pads a chunk it finds short with silence, which delays all
  // that follows: the pipe must never run dry.
  absl::Duration ahead = absl::Milliseconds(60);
  // FIFO: how long Open waits for a reader.
  absl::Duration wait_for_reader = absl::Seconds(5);
  // A reader that takes nothing for this long counts as gone.
  absl::Duration stall_limit = absl::Seconds(5);
};

class PipeOutput : public Output {
 public:
  // Opens `path` (see above) and starts rendering `mixer`, which must run at
  // kPipeSampleRate and outlive the output. NOT_FOUND when `path` does not
  // exist, INVALID_ARGUMENT when it is neither a FIFO nor a regular file or
  // the mixer's rate is another, FAILED_PRECONDITION when no reader came or
  // the system refused (status() too says FAILED_PRECONDITION).
  static absl::StatusOr<std::unique_ptr<PipeOutput>> Open(
      Mixer& mixer, const std::string& path,
      const PipeOutputOptions& options = {});
  // Finishes the block being written, stops and closes the file.
  ~PipeOutput() override;

  PipeOutput(const PipeOutput&) = delete;
  PipeOutput& operator=(const PipeOutput&) = delete;

  const std::string& device_name() const override { return name_; }
  absl::Duration output_latency() const override { return options_.ahead; }
  bool WaitUntilFlowing(absl::Duration timeout) const override;
  absl::Status status() const override;

  // Frames written whole to the file so far (paused ones too).
  int64_t frames_written() const {
    return frames_written_.load(std::memory_order_acquire);
  }

 private:
  PipeOutput(Mixer& mixer, std::string path, int fd,
             const PipeOutputOptions& options);
  void Run();
  // Writes all of `bytes`, waiting while the pipe is full, and counts them in
  // `done`; OK with less done when stopping meanwhile.
  absl::Status WriteAll(const uint8_t* bytes, size_t size, size_t& done);

  Mixer& mixer_;
  const std::string path_;
  const std::string name_;  // "pipe:" + path_.
  const int fd_;
  const PipeOutputOptions options_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> frames_written_{0};
  mutable absl::Mutex mutex_;
  absl::Status status_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;  // Declared last: starts once the rest is set.
};

// Interleaved 16-bit little-endian stereo from mono floats: each sample
// clamped to [-1, 1], times 32767, rounded to nearest, on both channels.
// `out` takes kPipeBytesPerFrame * frames bytes.
void MonoToS16leStereo(const float* mono, int frames, uint8_t* out);

// A Mixer at kPipeSampleRate and a PipeOutput on `path` playing it.
absl::StatusOr<Playback> OpenPipePlayback(
    const std::string& path, const PipeOutputOptions& options = {});

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_PIPE_OUTPUT_H_
