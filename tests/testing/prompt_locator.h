// Finds where known voice prompts start in a recorded or rendered signal, to
// check that the player put each prompt on the frame it was scheduled for.
//
// The caller passes the recording (mono, at the clips' rate) and the prompts
// that were played, in order, each with the frame it was scheduled on by the
// player's clock (any origin: only intervals between prompts matter). The
// first prompt is looked for near the first rise of energy in the recording;
// each later one near the previous located frame plus the expected interval.
// A prompt is matched sample-exactly by normalised cross-correlation of a short
// stretch of its clip (just after the mixer's fade-in) against the recording.
// A recording made of the played clips, scaled by a constant gain, quantised to
// 16 bits and with a little noise added, gives each prompt's exact frame.
//
// Work is proportional to prompts * search window * template length, never to
// the recording's length, so a 20-minute session locates in about a second.
#ifndef YOGA_TESTS_TESTING_PROMPT_LOCATOR_H_
#define YOGA_TESTS_TESTING_PROMPT_LOCATOR_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audio/clip.h"

namespace yoga::testing {

// A prompt that was played.
struct ExpectedPrompt {
  // What was played, at the recording's rate.
  yoga::client::audio::ClipPtr clip;
  // Where it was scheduled, on the player's frame clock.
  int64_t frame = 0;
};

// Where a prompt was found.
struct LocatedPrompt {
  int64_t frame = 0;        // Where its first sample is in the recording.
  double similarity = 0.0;  // Normalised cross-correlation; 1 = same shape.
};

struct LocateOptions {
  // How far from its predicted frame a prompt may be, either way: 100 ms at
  // 48 kHz. The first prompt's prediction comes from the energy onset.
  int64_t search_frames = 4800;
  // Below this best similarity the prompt counts as not played. Gain, 16-bit
  // quantisation and low noise keep a true match above 0.99; another prompt
  // or silence stays far below.
  double min_similarity = 0.9;
  // How much of each clip is matched, from 3 ms in (past the mixer's 2.5 ms
  // fade-in) or from its first sample above 5% of its peak if it starts
  // quietly; cut short to stay clear of the clip's fade-out.
  double match_ms = 30.0;
  // The recording's first 1 ms window with this RMS or more is where sound
  // starts (-40 dBFS); the same on the first clip gives its own onset offset.
  // Anything this loud before the first prompt (a click) misleads the search.
  float onset_threshold = 0.01f;
};

// Finds each prompt of `expected`, in order, in `recording` (mono samples at
// `sample_rate`), and returns one LocatedPrompt per expected prompt.
// INVALID_ARGUMENT if the recording or `expected` is empty, a clip is missing,
// empty, silent or at another rate, or an option is out of range.
// NOT_FOUND, naming the prompt's index and its scheduled frame, if the
// recording has no sound above the onset threshold, a prompt's search window
// lies outside the recording, or a prompt's best similarity is below
// `min_similarity` (a wrong prompt played there, or nothing).
absl::StatusOr<std::vector<LocatedPrompt>> LocatePrompts(
    const std::vector<float>& recording, int sample_rate,
    const std::vector<ExpectedPrompt>& expected,
    const LocateOptions& options = {});

// For each pair of consecutive prompts, the located interval minus the
// expected interval, in frames: positive when the later prompt came late
// relative to the earlier one. Size is one less than the shorter input (0 if
// fewer than two).
std::vector<int64_t> IntervalErrors(
    const std::vector<LocatedPrompt>& located,
    const std::vector<ExpectedPrompt>& expected);

// Nearest-rank percentiles and maximum of |error|, for reports. All zero for
// no errors.
struct ErrorSummary {
  double p50 = 0.0;
  double p99 = 0.0;
  double max = 0.0;
  size_t count = 0;
};
ErrorSummary Summarize(const std::vector<int64_t>& errors);

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_PROMPT_LOCATOR_H_
