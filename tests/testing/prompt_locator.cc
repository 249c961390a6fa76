#include "tests/testing/prompt_locator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace yoga::testing {
namespace {

using ::yoga::client::audio::Clip;

// The mixer fades each clip in and out over 2.5 ms; matching starts 0.5 ms
// later so the template holds the clip's own samples, times a constant gain.
constexpr int kFadeMicros = 2500;
constexpr int kTemplateStartMicros = 3000;
// A clip that starts quietly is matched from its first sample this loud
// relative to its peak: near-silent samples carry more noise than shape.
constexpr float kQuietFraction = 0.05f;
// Windows quieter than this RMS (-120 dBFS, under a 16-bit step) are silence:
// their energy is lost in the rounding of the prefix sums.
constexpr double kSilentRms = 1e-6;
// Positions correlated together: their sums stay in registers and the
// compiler turns the inner loop into vector instructions.
constexpr int64_t kBlock = 16;

int64_t FramesOfMicros(int sample_rate, int64_t micros) {
  return std::max<int64_t>(1, int64_t{sample_rate} * micros / 1000000);
}

// The stretch of a clip that is matched against the recording.
struct Template {
  const float* samples = nullptr;  // Clip samples from `offset` on.
  int64_t offset = 0;              // From the clip's first sample.
  int64_t length = 0;
  double norm = 0.0;  // Euclidean norm of the `length` samples.
};

absl::StatusOr<Template> MakeTemplate(const Clip& clip, int sample_rate,
                                      double match_ms, size_t index) {
  const auto& samples = clip.samples;
  const int64_t size = static_cast<int64_t>(samples.size());
  float peak = 0.0f;
  for (float s : samples) peak = std::max(peak, std::abs(s));
  if (!(peak > 0.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt ", index, ": clip is silent"));
  }
  int64_t first_loud = 0;
  while (std::abs(samples[first_loud]) < kQuietFraction * peak) ++first_loud;

  Template t;
  t.offset =
      std::max(FramesOfMicros(sample_rate, kTemplateStartMicros), first_loud);
  // Stop before the fade-out, which the gain of the clip's body does not
  // describe.
  const int64_t usable = size - FramesOfMicros(sample_rate, kFadeMicros);
  t.length = std::min(
      static_cast<int64_t>(std::llround(match_ms * sample_rate / 1000.0)),
      usable - t.offset);
  // Under a millisecond of signal could match almost anything.
  if (t.length < FramesOfMicros(sample_rate, 1000)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prompt ", index, ": clip of ", size,
        " frames leaves under 1 ms to match after its fade-in and quiet "
        "start"));
  }
  t.samples = samples.data() + t.offset;
  double energy = 0.0;
  for (int64_t i = 0; i < t.length; ++i) {
    energy += double{t.samples[i]} * t.samples[i];
  }
  t.norm = std::sqrt(energy);
  return t;
}

// The first frame of the first 1 ms window whose RMS reaches `threshold`, or
// -1 if none does.
int64_t Onset(const float* samples, int64_t size, int sample_rate,
              float threshold) {
  const int64_t window = std::min(size, FramesOfMicros(sample_rate, 1000));
  const double target = double{threshold} * threshold * window;
  double sum = 0.0;
  for (int64_t i = 0; i < window; ++i) sum += double{samples[i]} * samples[i];
  for (int64_t start = 0;; ++start) {
    if (sum >= target) return start;
    if (start + window >= size) return -1;
    sum += double{samples[start + window]} * samples[start + window] -
           double{samples[start]} * samples[start];
  }
}

struct Match {
  int64_t position = 0;  // Where the template's first sample lines up.
  double similarity = -2.0;
};

// The position in [begin, end) where the template best matches the recording;
// the caller keeps every window inside the recording.
Match BestMatch(const float* recording, const Template& t, int64_t begin,
                int64_t end) {
  const int64_t count = end - begin;
  const int64_t length = t.length;
  const float* tmpl = t.samples;

  // Window energies from prefix sums, in double so that subtracting two large
  // sums leaves the small difference accurate. prefix[m] sums the first m
  // samples from `begin`; the last window ends count + length - 1 samples in.
  std::vector<double> prefix(count + length);
  prefix[0] = 0.0;
  for (int64_t m = 1; m < count + length; ++m) {
    const double s = recording[begin + m - 1];
    prefix[m] = prefix[m - 1] + s * s;
  }
  auto window_energy = [&](int64_t k) {
    return prefix[k + length] - prefix[k];
  };

  const double silent_energy = kSilentRms * kSilentRms * length;
  Match best;
  auto consider = [&](int64_t k, float dot) {
    const double energy = window_energy(k);
    const double similarity =
        energy > silent_energy ? dot / (t.norm * std::sqrt(energy)) : 0.0;
    if (similarity > best.similarity) {
      best.similarity = similarity;
      best.position = begin + k;
    }
  };

  int64_t k = 0;
  for (; k + kBlock <= count; k += kBlock) {
    // Float sums of a few thousand products are accurate to about 1e-6, far
    // finer than the 1e-3 or so between speech matched and one frame off.
    float dots[kBlock] = {};
    const float* window = recording + begin + k;
    for (int64_t i = 0; i < length; ++i) {
      const float ti = tmpl[i];
      const float* w = window + i;
      for (int64_t j = 0; j < kBlock; ++j) dots[j] += ti * w[j];
    }
    for (int64_t j = 0; j < kBlock; ++j) consider(k + j, dots[j]);
  }
  for (; k < count; ++k) {
    float dot = 0.0f;
    const float* window = recording + begin + k;
    for (int64_t i = 0; i < length; ++i) dot += tmpl[i] * window[i];
    consider(k, dot);
  }
  return best;
}

}  // namespace

absl::StatusOr<std::vector<LocatedPrompt>> LocatePrompts(
    const std::vector<float>& recording, int sample_rate,
    const std::vector<ExpectedPrompt>& expected, const LocateOptions& options) {
  if (recording.empty()) {
    return absl::InvalidArgumentError("empty recording");
  }
  if (expected.empty()) {
    return absl::InvalidArgumentError("no expected prompts");
  }
  if (sample_rate <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample rate ", sample_rate, " is not positive"));
  }
  if (options.search_frames < 0 || !(options.match_ms > 0.0) ||
      !(options.onset_threshold > 0.0f)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad options: search_frames ", options.search_frames, ", match_ms ",
        options.match_ms, ", onset_threshold ", options.onset_threshold));
  }
  std::vector<Template> templates;
  templates.reserve(expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& clip = expected[i].clip;
    if (clip == nullptr || clip->samples.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("prompt ", i, ": no clip or empty clip"));
    }
    if (clip->sample_rate != sample_rate) {
      return absl::InvalidArgumentError(
          absl::StrCat("prompt ", i, ": clip at ", clip->sample_rate,
                       " Hz, recording at ", sample_rate, " Hz"));
    }
    absl::StatusOr<Template> t =
        MakeTemplate(*clip, sample_rate, options.match_ms, i);
    if (!t.ok()) return t.status();
    templates.push_back(*t);
  }

  const int64_t size = static_cast<int64_t>(recording.size());
  const int64_t onset =
      Onset(recording.data(), size, sample_rate, options.onset_threshold);
  if (onset < 0) {
    return absl::NotFoundError(absl::StrCat(
        "prompt 0 (scheduled at frame ", expected[0].frame,
        "): no sound in the recording reaches RMS ", options.onset_threshold));
  }
  // Where the first clip's own sound starts, so that a quiet start in the
  // clip does not shift the prediction.
  const auto& first = expected[0].clip->samples;
  const int64_t clip_onset = std::max<int64_t>(
      0, Onset(first.data(), static_cast<int64_t>(first.size()), sample_rate,
               options.onset_threshold));

  // No window reaches past the recording anyway; this keeps the sums below
  // from overflowing.
  const int64_t search = std::min(options.search_frames, size);
  std::vector<LocatedPrompt> located;
  located.reserve(expected.size());
  int64_t predicted = onset - clip_onset;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) {
      predicted =
          located.back().frame + (expected[i].frame - expected[i - 1].frame);
    }
    const Template& t = templates[i];
    const int64_t center = predicted + t.offset;
    const int64_t begin = std::max<int64_t>(0, center - search);
    const int64_t end = std::min(center + search + 1, size - t.length + 1);
    if (begin >= end) {
      return absl::NotFoundError(
          absl::StrCat("prompt ", i, " (scheduled at frame ", expected[i].frame,
                       "): predicted at recording frame ", predicted,
                       ", outside the recording of ", size, " frames"));
    }
    const Match match = BestMatch(recording.data(), t, begin, end);
    if (match.similarity < options.min_similarity) {
      return absl::NotFoundError(absl::StrCat(
          "prompt ", i, " (scheduled at frame ", expected[i].frame,
          "): best similarity ", match.similarity, " at recording frame ",
          match.position - t.offset, ", searching ", options.search_frames,
          " frames either side of recording frame ", predicted, "; below ",
          options.min_similarity));
    }
    located.push_back({match.position - t.offset, match.similarity});
  }
  return located;
}

std::vector<int64_t> IntervalErrors(
    const std::vector<LocatedPrompt>& located,
    const std::vector<ExpectedPrompt>& expected) {
  const size_t n = std::min(located.size(), expected.size());
  std::vector<int64_t> errors;
  for (size_t i = 1; i < n; ++i) {
    errors.push_back((located[i].frame - located[i - 1].frame) -
                     (expected[i].frame - expected[i - 1].frame));
  }
  return errors;
}

ErrorSummary Summarize(const std::vector<int64_t>& errors) {
  ErrorSummary summary;
  summary.count = errors.size();
  if (errors.empty()) return summary;
  std::vector<int64_t> magnitudes;
  magnitudes.reserve(errors.size());
  for (int64_t e : errors) magnitudes.push_back(e < 0 ? -e : e);
  std::sort(magnitudes.begin(), magnitudes.end());
  // Nearest rank: the smallest value with at least p% of values at or below.
  auto percentile = [&](int p) {
    const size_t n = magnitudes.size();
    const size_t rank = std::max<size_t>(1, (p * n + 99) / 100);
    return static_cast<double>(magnitudes[rank - 1]);
  };
  summary.p50 = percentile(50);
  summary.p99 = percentile(99);
  summary.max = static_cast<double>(magnitudes.back());
  return summary;
}

}  // namespace yoga::testing
