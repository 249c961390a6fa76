#include "client/audio/varispeed.h"

#include <samplerate.h>

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace yoga::client::audio {

static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

absl::StatusOr<std::unique_ptr<Varispeed>> Varispeed::Create(
    Mixer& mixer, Converter converter) {
  // Not make_unique: the constructor is private.
  std::unique_ptr<Varispeed> varispeed(new Varispeed(mixer));
  int error = 0;
  varispeed->converter_ = src_callback_new(
      &Varispeed::PullFromMixer,
      converter == Converter::kSincMedium ? SRC_SINC_MEDIUM_QUALITY
                                          : SRC_SINC_FASTEST,
      /*channels=*/1, &error, varispeed.get());
  if (varispeed->converter_ == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a resampler: ", src_strerror(error)));
  }
  return varispeed;
}

Varispeed::Varispeed(Mixer& mixer)
    : mixer_(mixer), chunk_(kChunkFrames), step_(kStepFrames) {}

Varispeed::~Varispeed() {
  if (converter_ != nullptr) src_delete(converter_);
}

// --- Control thread. ---

void Varispeed::SetSpeedPpm(double ppm) {
  ppm = std::isnan(ppm) ? 0.0 : std::clamp(ppm, -kMaxPpm, kMaxPpm);
  target_ppm_.store(ppm, std::memory_order_relaxed);
}

// --- Any thread. ---

double Varispeed::MixerPositionAt(int64_t output_frame) const {
  const Snapshot now = Read();
  return now.mixer_frame +
         static_cast<double>(output_frame - now.output_frame) *
             now.mixer_frames_per_frame;
}

Varispeed::Snapshot Varispeed::Read() const {
  for (;;) {
    const uint64_t before = sequence_.load(std::memory_order_acquire);
    if (before % 2 != 0) continue;  // A write under way: a few stores long.
    Snapshot snapshot;
    snapshot.output_frame =
        published_output_frame_.load(std::memory_order_relaxed);
    snapshot.mixer_frame =
        published_mixer_frame_.load(std::memory_order_relaxed);
    snapshot.mixer_frames_per_frame =
        published_rate_.load(std::memory_order_relaxed);
    snapshot.speed_ppm = published_ppm_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == before) return snapshot;
  }
}

// --- Audio thread. ---

void Varispeed::Render(float* out, int frames, int channels) {
  if (out == nullptr || frames <= 0 || channels <= 0) return;
  if (!rendered_before_) {
    ppm_ = target_ppm_.load(std::memory_order_relaxed);
    rendered_before_ = true;
  }
  for (int done = 0; done < frames;) {
    const int n = std::min(frames - done, kStepFrames);
    RampSpeed(n);
    // SRC's ratio is output frames over input frames. Set, not passed alone
    // to src_callback_read, so that it holds over the whole step instead of
    // being interpolated from the last one.
    const double ratio = 1.0 / (1.0 + ppm_ * 1e-6);
    src_set_ratio(converter_, ratio);
    const long got =
        std::max(0L, src_callback_read(converter_, ratio, n, step_.data()));
    // The Mixer never runs dry, so this is only for an error.
    std::fill(step_.begin() + got, step_.begin() + n, 0.0f);
    float* frame = out + static_cast<size_t>(done) * channels;
    for (int i = 0; i < n; ++i, frame += channels) {
      const float value = std::clamp(step_[i], -1.0f, 1.0f);
      for (int c = 0; c < channels; ++c) frame[c] = value;
    }
    // The converter's own steps: forward 1 / ratio an output frame, the
    // whole frames moved out of the fraction each time.
    const double increment = 1.0 / ratio;
    for (int i = 0; i < n; ++i) {
      const double index = input_fraction_ + increment;
      double fraction = index - std::rint(index);
      if (fraction < 0.0) fraction += 1.0;
      input_whole_ += std::lrint(index - fraction);
      input_fraction_ = fraction;
    }
    output_frames_ += n;
    done += n;
  }
  Publish();
}

long Varispeed::PullFromMixer(void* self, float** data) {
  auto& varispeed = *static_cast<Varispeed*>(self);
  Chunk& chunk = varispeed.chunks_[static_cast<size_t>(
      varispeed.chunks_pulled_ % kChunkHistory)];
  chunk.input_start = varispeed.chunks_pulled_ * kChunkFrames;
  chunk.mixer_start = varispeed.mixer_.frames_rendered();
  varispeed.mixer_.Render(varispeed.chunk_.data(), kChunkFrames, 1);
  // Paused, the Mixer's clock stands still through the whole chunk.
  chunk.advancing = varispeed.mixer_.frames_rendered() != chunk.mixer_start;
  ++varispeed.chunks_pulled_;
  *data = varispeed.chunk_.data();
  return kChunkFrames;
}

void Varispeed::RampSpeed(int frames) {
  const double target = target_ppm_.load(std::memory_order_relaxed);
  const double most = kRampPpmPerSecond * frames / mixer_.sample_rate();
  ppm_ = ppm_ < target ? std::min(target, ppm_ + most)
                       : std::max(target, ppm_ - most);
}

double Varispeed::MixerFrameOf(int64_t whole, double fraction,
                               bool* advancing) const {
  if (chunks_pulled_ == 0) {
    *advancing = true;
    return static_cast<double>(mixer_.frames_rendered() + whole) + fraction;
  }
  // The chunk holding `whole`; past the last one pulled (the converter has
  // not needed it yet), the last one carries on.
  const int64_t newest = chunks_pulled_ - 1;
  const int64_t oldest = std::max<int64_t>(0, chunks_pulled_ - kChunkHistory);
  const int64_t index = std::clamp(whole / kChunkFrames, oldest, newest);
  const Chunk& chunk = chunks_[static_cast<size_t>(index % kChunkHistory)];
  *advancing = chunk.advancing;
  if (!chunk.advancing) return static_cast<double>(chunk.mixer_start);
  return static_cast<double>(chunk.mixer_start + (whole - chunk.input_start)) +
         fraction;
}

void Varispeed::Publish() {
  bool advancing = true;
  const double mixer_frame =
      MixerFrameOf(input_whole_, input_fraction_, &advancing);
  const double rate = advancing ? 1.0 + ppm_ * 1e-6 : 0.0;
  const uint64_t sequence = sequence_.load(std::memory_order_relaxed);
  sequence_.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  published_output_frame_.store(output_frames_, std::memory_order_relaxed);
  published_mixer_frame_.store(mixer_frame, std::memory_order_relaxed);
  published_rate_.store(rate, std::memory_order_relaxed);
  published_ppm_.store(ppm_, std::memory_order_relaxed);
  sequence_.store(sequence + 2, std::memory_order_release);
}

}  // namespace yoga::client::audio
