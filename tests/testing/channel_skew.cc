#include "tests/testing/channel_skew.h"

#include <sndfile.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace yoga::testing {
namespace {

// Normalised cross-correlation of a[0..n) and b[0..n).
double Similarity(const float* a, const float* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  if (aa <= 0 || bb <= 0) return 0;
  return ab / std::sqrt(aa * bb);
}

// Starts of sound after silence in `signal`, by 1 ms windows.
std::vector<int64_t> Onsets(const std::vector<float>& signal, int sample_rate,
                            const SkewOptions& options) {
  const int64_t window = std::max(1, sample_rate / 1000);
  const int64_t gap_windows =
      static_cast<int64_t>(options.min_gap_ms * window * 1000 / sample_rate);
  std::vector<int64_t> onsets;
  int64_t quiet = gap_windows;  // The start counts as after a silence.
  for (int64_t start = 0; start + window <= static_cast<int64_t>(signal.size());
       start += window) {
    double energy = 0;
    for (int64_t i = start; i < start + window; ++i)
      energy += static_cast<double>(signal[i]) * signal[i];
    const bool loud = std::sqrt(energy / window) >= options.onset_threshold;
    if (loud && quiet >= gap_windows) onsets.push_back(start);
    quiet = loud ? 0 : quiet + 1;
  }
  return onsets;
}

}  // namespace

absl::StatusOr<std::vector<std::vector<float>>> ReadChannels(
    const std::string& path, int* sample_rate) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path, ": ", sf_strerror(nullptr)));
  }
  std::vector<float> interleaved(static_cast<size_t>(info.frames) *
                                 info.channels);
  const sf_count_t read = sf_readf_float(file, interleaved.data(), info.frames);
  sf_close(file);
  std::vector<std::vector<float>> channels(info.channels);
  for (int c = 0; c < info.channels; ++c) {
    channels[c].resize(read);
    for (sf_count_t i = 0; i < read; ++i)
      channels[c][i] = interleaved[i * info.channels + c];
  }
  if (sample_rate != nullptr) *sample_rate = info.samplerate;
  return channels;
}

std::vector<PromptSkew> MeasureSkew(
    const std::vector<std::vector<float>>& channels, int sample_rate,
    const SkewOptions& options) {
  std::vector<PromptSkew> prompts;
  if (channels.empty()) return prompts;
  const int64_t max_lag =
      static_cast<int64_t>(options.max_lag_ms * sample_rate / 1000);
  const int64_t window =
      static_cast<int64_t>(options.window_ms * sample_rate / 1000);
  // From a little before the onset: the prompt's first rise is in it.
  const int64_t lead = sample_rate / 200;
  const std::vector<float>& reference = channels[0];
  for (int64_t onset : Onsets(reference, sample_rate, options)) {
    const int64_t from = onset - lead;
    if (from - max_lag < 0 ||
        from + window + max_lag > static_cast<int64_t>(reference.size()))
      continue;  // Too near an end of the recording to compare.
    PromptSkew prompt;
    prompt.onset_frame = onset;
    for (const std::vector<float>& channel : channels) {
      if (channel.size() != reference.size()) continue;
      int64_t best_lag = 0;
      double best = -2;
      for (int64_t lag = -max_lag; lag <= max_lag; ++lag) {
        const double similarity = Similarity(
            reference.data() + from, channel.data() + from + lag, window);
        if (similarity > best) {
          best = similarity;
          best_lag = lag;
        }
      }
      prompt.lag_frames.push_back(best_lag);
      prompt.similarity.push_back(best);
    }
    prompts.push_back(std::move(prompt));
  }
  return prompts;
}

}  // namespace yoga::testing
