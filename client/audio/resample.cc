#include "client/audio/resample.h"

#include <samplerate.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace yoga::client::audio {

absl::StatusOr<Clip> Resample(Clip clip, int to_rate) {
  if (clip.sample_rate <= 0 || to_rate <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot resample from ", clip.sample_rate, " Hz to ", to_rate, " Hz"));
  }
  if (clip.sample_rate == to_rate) return clip;
  const double ratio =
      static_cast<double>(to_rate) / static_cast<double>(clip.sample_rate);
  if (!src_is_valid_ratio(ratio)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resample from ", clip.sample_rate, " Hz to ",
                     to_rate, " Hz: ratio out of range"));
  }
  const int64_t frames = static_cast<int64_t>(clip.samples.size());
  const int64_t wanted =
      static_cast<int64_t>(std::llround(static_cast<double>(frames) * ratio));
  Clip out;
  out.sample_rate = to_rate;
  // Room for the converter's own rounding, cut to `wanted` below.
  out.samples.resize(static_cast<size_t>(wanted + 16));
  if (frames > 0) {
    SRC_DATA data = {};
    data.data_in = clip.samples.data();
    data.data_out = out.samples.data();
    data.input_frames = static_cast<long>(frames);
    data.output_frames = static_cast<long>(out.samples.size());
    data.end_of_input = 1;
    data.src_ratio = ratio;
    if (const int error = src_simple(&data, SRC_SINC_MEDIUM_QUALITY, 1);
        error != 0) {
      return absl::InternalError(
          absl::StrCat("resampling from ", clip.sample_rate, " Hz to ", to_rate,
                       " Hz: ", src_strerror(error)));
    }
    // Silence past what the converter gave, should it give less.
    std::fill(out.samples.begin() + data.output_frames_gen, out.samples.end(),
              0.0f);
  }
  out.samples.resize(static_cast<size_t>(wanted));
  return out;
}

}  // namespace yoga::client::audio
