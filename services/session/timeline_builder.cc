#include "services/session/timeline_builder.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/catalog/effective_pose.h"
#include "services/common/content_hash.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;
using yoga::catalog::v1::Variation;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;
using yoga::session::v1::Verbosity;
using yoga::type::v1::RoutineStep;
using yoga::type::v1::Side;
using Cues = google::protobuf::RepeatedPtrField<Cue>;

// Silence after an instruction before the next one starts.
constexpr int64_t kGapMs = 500;
// Silence around counts and breath cues inside a hold, where time is short.
constexpr int64_t kTightGapMs = 150;
// How far a hold instruction may slide from its ideal moment to find room.
constexpr int64_t kSlideStepMs = 100;
constexpr int64_t kHalfwayFromMs = 30'000;
constexpr int64_t kCountdownFromMs = 8'000;
constexpr int64_t kSecondsLeftFromMs = 25'000;
// Breaths paced aloud at the start of each hold, for a first-timer.
constexpr int kPacedBreaths = 2;

int64_t Ms(absl::Duration duration) {
  return absl::ToInt64Milliseconds(duration);
}

// How the step relates to the one before it.
enum class Relation { kFirst, kNewPose, kOtherSide, kNextSet };

struct ResolvedStep {
  const RoutineStep* step;
  const Pose* pose;
  const Variation* variation;
};

bool AppliesTo(const Cue& cue, Side side) {
  return cue.side() == yoga::type::v1::SIDE_UNSPECIFIED || cue.side() == side;
}

// The instructions of one phase a verbosity keeps: FULL every one, BRIEF the
// first plus those specific to the side (they say which leg goes where),
// MINIMAL none. `sided_only` keeps just the side-specific ones (a side switch).
std::vector<const Cue*> Instructions(const Cues& cues, Side side,
                                     Verbosity verbosity, bool sided_only) {
  std::vector<const Cue*> kept;
  if (verbosity == yoga::session::v1::VERBOSITY_MINIMAL) return kept;
  for (const Cue& cue : cues) {
    if (!AppliesTo(cue, side) ||
        cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED)
      continue;
    const bool side_specific = cue.side() != yoga::type::v1::SIDE_UNSPECIFIED;
    if (sided_only && !side_specific) continue;
    const bool keep = verbosity == yoga::session::v1::VERBOSITY_FULL ||
                      kept.empty() || side_specific;
    if (keep) kept.push_back(&cue);
  }
  return kept;
}

// Cues placed freely inside a hold, [start, end), none overlapping another.
class HoldWindow {
 public:
  HoldWindow(int64_t start, int64_t end) : start_(start), end_(end) {}

  bool Fits(int64_t at, int64_t duration) const {
    if (at < start_ || at + duration + kTightGapMs > end_) return false;
    for (const CueEvent& placed : placed_) {
      const int64_t placed_end = placed.offset_ms() + placed.duration_ms();
      if (at < placed_end + kTightGapMs &&
          at + duration + kTightGapMs > placed.offset_ms())
        return false;
    }
    return true;
  }
  // Places `cue` at its offset, or drops it when that moment is taken.
  bool PlaceAt(CueEvent cue) {
    if (!Fits(cue.offset_ms(), cue.duration_ms())) return false;
    placed_.push_back(std::move(cue));
    return true;
  }
  // Places `cue` at its offset or the first free moment up to `latest`.
  bool PlaceFrom(CueEvent cue, int64_t latest) {
    for (int64_t at = cue.offset_ms(); at <= latest; at += kSlideStepMs) {
      if (Fits(at, cue.duration_ms())) {
        cue.set_offset_ms(at);
        placed_.push_back(std::move(cue));
        return true;
      }
    }
    return false;
  }
  std::vector<CueEvent> TakeSorted() {
    std::sort(placed_.begin(), placed_.end(),
              [](const CueEvent& a, const CueEvent& b) {
                return a.offset_ms() < b.offset_ms();
              });
    return std::move(placed_);
  }

 private:
  int64_t start_;
  int64_t end_;
  std::vector<CueEvent> placed_;
};

// One build: the cues so far and the end of the last one.
class Writer {
 public:
  Writer(const PromptDurations& durations, Verbosity verbosity)
      : durations_(durations), verbosity_(verbosity) {}

  Verbosity verbosity() const { return verbosity_; }
  bool full() const { return verbosity_ == yoga::session::v1::VERBOSITY_FULL; }
  bool minimal() const {
    return verbosity_ == yoga::session::v1::VERBOSITY_MINIMAL;
  }
  Timeline& timeline() { return timeline_; }
  int64_t cursor() const { return cursor_; }
  int next_index() const { return static_cast<int>(timeline_.cues.size()); }

  // The context later cues belong to.
  void SetStep(int step_index, const std::string& pose_id, Side side) {
    step_index_ = step_index;
    pose_id_ = pose_id;
    side_ = side;
  }

  CueEvent Make(const Phrase& phrase, CueKind kind, int64_t at) const {
    CueEvent cue;
    cue.set_offset_ms(at);
    cue.set_kind(kind);
    cue.set_prompt_key(phrase.key);
    cue.set_text(phrase.text);
    cue.set_pose_id(pose_id_);
    cue.set_side(side_);
    cue.set_step_index(step_index_);
    cue.set_duration_ms(std::max<int64_t>(Ms(durations_.Of(phrase)), 1));
    return cue;
  }
  int64_t DurationOf(const Phrase& phrase) const {
    return std::max<int64_t>(Ms(durations_.Of(phrase)), 1);
  }

  // Appends a cue at `at`, or as soon after the last one as the gap allows.
  void Say(const Phrase& phrase, CueKind kind, int64_t at = 0) {
    const int64_t start =
        timeline_.cues.empty() ? at : std::max(at, cursor_ + kGapMs);
    Append(Make(phrase, kind, start));
  }
  void Append(CueEvent cue) {
    cue.set_seq(next_index() + 1);
    cursor_ = cue.offset_ms() + cue.duration_ms();
    timeline_.cues.push_back(std::move(cue));
  }

 private:
  const PromptDurations& durations_;
  const Verbosity verbosity_;
  Timeline timeline_;
  int64_t cursor_ = 0;
  int step_index_ = -1;
  std::string pose_id_;
  Side side_ = yoga::type::v1::SIDE_UNSPECIFIED;
};

Phrase PhraseOf(const Cue& cue) { return {cue.key(), cue.text()}; }

void SayReleases(Writer& writer, const ResolvedStep& step) {
  for (const Cue* cue :
       Instructions(catalog::ReleaseCuesOf(*step.pose, step.variation),
                    step.step->side(), writer.verbosity(), false)) {
    writer.Say(PhraseOf(*cue), yoga::session::v1::CUE_KIND_RELEASE);
  }
}

void Announce(Writer& writer, const ResolvedStep& step, Relation relation) {
  const Side side = step.step->side();
  const bool sided = side != yoga::type::v1::SIDE_UNSPECIFIED;
  switch (relation) {
    case Relation::kOtherSide:
      writer.Say(phrases::SwitchSides(),
                 yoga::session::v1::CUE_KIND_SIDE_SWITCH);
      writer.Say(phrases::SideName(side), yoga::session::v1::CUE_KIND_POSE);
      return;
    case Relation::kNextSet:
      writer.Say(phrases::RestBetweenSets(), yoga::session::v1::CUE_KIND_REST);
      // A custom routine may repeat a step without numbering its sets.
      if (step.step->set() >= 2) {
        writer.Say(phrases::SetNumber(step.step->set()),
                   yoga::session::v1::CUE_KIND_COUNT);
      } else {
        writer.Say(phrases::NameOf(*step.pose, step.variation),
                   yoga::session::v1::CUE_KIND_POSE);
      }
      return;
    case Relation::kNewPose:
      if (writer.full())
        writer.Say(phrases::NextPose(), yoga::session::v1::CUE_KIND_TRANSITION);
      [[fallthrough]];
    case Relation::kFirst:
      writer.Say(phrases::NameOf(*step.pose, step.variation),
                 yoga::session::v1::CUE_KIND_POSE);
      if (sided)
        writer.Say(phrases::SideName(side), yoga::session::v1::CUE_KIND_POSE);
      return;
  }
}

// Setup instructions, each followed by an equal share of the time left before
// the planned start of the hold: the runner hears a step, then has time to do
// it. Returns when the hold starts.
int64_t SaySetup(Writer& writer, const ResolvedStep& step, Relation relation,
                 int64_t planned_hold_start) {
  std::vector<const Cue*> cues;
  if (relation == Relation::kFirst || relation == Relation::kNewPose ||
      relation == Relation::kOtherSide) {
    cues = Instructions(catalog::SetupCuesOf(*step.pose, step.variation),
                        step.step->side(), writer.verbosity(),
                        relation == Relation::kOtherSide);
  }
  int64_t speaking = 0;
  for (const Cue* cue : cues) speaking += writer.DurationOf(PhraseOf(*cue));
  const int64_t count = static_cast<int64_t>(cues.size());
  const int64_t slack =
      planned_hold_start - writer.cursor() - speaking - (count + 1) * kGapMs;
  const int64_t after_each =
      kGapMs + std::max<int64_t>(slack, 0) / std::max<int64_t>(count, 1);
  for (size_t i = 0; i < cues.size(); ++i) {
    writer.Say(PhraseOf(*cues[i]), yoga::session::v1::CUE_KIND_INSTRUCTION,
               writer.cursor() + (i == 0 ? kGapMs : after_each));
  }
  return std::max(planned_hold_start,
                  writer.cursor() + (cues.empty() ? kGapMs : after_each));
}

// Everything said during the hold [start, end), the HOLD_START cue first.
absl::Status SayHold(Writer& writer, const ResolvedStep& resolved, int index,
                     int64_t start, int64_t end, int64_t breath_ms) {
  const RoutineStep& step = *resolved.step;
  const auto& range = catalog::HoldOf(*resolved.pose, resolved.variation);
  const auto unit = range.unit();
  const int count = static_cast<int>(step.hold_count());
  const int64_t length = end - start;
  HoldWindow window(start, end);
  using yoga::session::v1::CUE_KIND_BREATH;
  using yoga::session::v1::CUE_KIND_COUNT;
  using yoga::session::v1::CUE_KIND_COUNTDOWN;

  // The cue that starts the hold; a plain "Hold." when the full one is too
  // long.
  if (!window.PlaceAt(writer.Make(phrases::HoldFor(unit, count),
                                  yoga::session::v1::CUE_KIND_HOLD_START,
                                  start)) &&
      !window.PlaceAt(writer.Make(phrases::HoldShort(),
                                  yoga::session::v1::CUE_KIND_HOLD_START,
                                  start))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "routine.steps[", index, "].hold: ", length,
        " ms is too short to announce the hold and end it with a chime"));
  }

  // Counts and the final countdown, at exact moments: every verbosity.
  const int64_t breath = std::max<int64_t>(breath_ms, 1);
  switch (unit) {
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      if (count >= 2)
        window.PlaceAt(writer.Make(phrases::LastBreath(), CUE_KIND_COUNTDOWN,
                                   end - breath));
      if (count >= kBreathsLeftAt + 2)
        window.PlaceAt(writer.Make(phrases::BreathsLeft(kBreathsLeftAt),
                                   CUE_KIND_COUNT,
                                   end - kBreathsLeftAt * breath));
      break;
    case yoga::type::v1::HOLD_UNIT_REPETITIONS: {
      const int64_t round = length / std::max(count, 1);
      if (count >= 2)
        window.PlaceAt(
            writer.Make(phrases::LastRound(), CUE_KIND_COUNTDOWN, end - round));
      if (count >= kRoundsLeftAt + 2)
        window.PlaceAt(writer.Make(phrases::RoundsLeft(kRoundsLeftAt),
                                   CUE_KIND_COUNT,
                                   end - kRoundsLeftAt * round));
      break;
    }
    default:
      if (length >= kCountdownFromMs) {
        for (int number = kCountdownFrom; number >= 1; --number)
          window.PlaceAt(writer.Make(phrases::Countdown(number),
                                     CUE_KIND_COUNTDOWN, end - number * 1000));
      }
      if (length >= kSecondsLeftFromMs)
        window.PlaceAt(writer.Make(phrases::SecondsLeft(kSecondsLeftAt),
                                   CUE_KIND_COUNT,
                                   end - kSecondsLeftAt * 1000));
      break;
  }
  if (length >= kHalfwayFromMs) {
    int64_t halfway = start + length / 2;
    if (unit == yoga::type::v1::HOLD_UNIT_BREATHS)
      halfway = start + (count / 2) * breath;  // On a breath.
    window.PlaceAt(writer.Make(phrases::Halfway(),
                               yoga::session::v1::CUE_KIND_HALFWAY, halfway));
  }
  if (writer.minimal()) {
    for (CueEvent& cue : window.TakeSorted()) writer.Append(std::move(cue));
    return absl::OkStatus();
  }

  // Hold instructions, spread over the hold.
  const Cues& hold_cues =
      resolved.variation != nullptr && !resolved.variation->hold_cues().empty()
          ? resolved.variation->hold_cues()
          : resolved.pose->hold_cues();
  const std::vector<const Cue*> spoken =
      Instructions(hold_cues, step.side(), writer.verbosity(), false);
  for (size_t i = 0; i < spoken.size(); ++i) {
    const int64_t ideal = start + length * static_cast<int64_t>(i + 1) /
                                      static_cast<int64_t>(spoken.size() + 1);
    const int64_t latest = start + length * static_cast<int64_t>(i + 2) /
                                       static_cast<int64_t>(spoken.size() + 1);
    window.PlaceFrom(
        writer.Make(PhraseOf(*spoken[i]),
                    yoga::session::v1::CUE_KIND_INSTRUCTION, ideal),
        latest);
  }

  // Breath pacing. Flows ride the breath: each half breath gets its phase's
  // cue, in the catalog's words for the first rounds, then "Breathe in/out".
  std::vector<const Cue*> phases;
  for (const Cue& cue : hold_cues) {
    if (AppliesTo(cue, step.side()) &&
        cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED)
      phases.push_back(&cue);
  }
  if (unit == yoga::type::v1::HOLD_UNIT_REPETITIONS && !phases.empty()) {
    // The first round in the catalog's words: every sentence is said, each at
    // its half breath or as soon after as the one before allows (a flow's
    // sentences can be longer than half a breath). Then FULL keeps the beat
    // with "Breathe in/out"; BRIEF goes quiet.
    const int64_t half = std::max<int64_t>(breath / 2, 1);
    const int64_t phases_in_words =
        2 * std::max<int64_t>(range.breaths_per_repetition(), 1);
    for (int64_t k = 0; start + k * half < end; ++k) {
      const Cue& phase = *phases[k % phases.size()];
      const int64_t slot = start + k * half;
      if (k < phases_in_words) {
        window.PlaceFrom(writer.Make(PhraseOf(phase), CUE_KIND_BREATH, slot),
                         end);
      } else if (writer.full()) {
        window.PlaceAt(
            writer.Make(phase.breath() == yoga::catalog::v1::BREATH_INHALE
                            ? phrases::BreatheIn()
                            : phrases::BreatheOut(),
                        CUE_KIND_BREATH, slot));
      }
    }
  } else if (writer.full()) {
    // The first breath starts once the hold has been announced.
    for (int k = 0; k < kPacedBreaths; ++k) {
      window.PlaceAt(writer.Make(phrases::BreatheIn(), CUE_KIND_BREATH,
                                 start + breath / 2 + k * breath));
      window.PlaceAt(writer.Make(phrases::BreatheOut(), CUE_KIND_BREATH,
                                 start + (k + 1) * breath));
    }
  }
  for (CueEvent& cue : window.TakeSorted()) writer.Append(std::move(cue));
  return absl::OkStatus();
}

Relation RelationOf(const ResolvedStep* previous, const ResolvedStep& step) {
  if (previous == nullptr) return Relation::kFirst;
  const bool same_version =
      previous->pose == step.pose && previous->variation == step.variation;
  if (!same_version) return Relation::kNewPose;
  if (previous->step->side() != step.step->side()) return Relation::kOtherSide;
  return Relation::kNextSet;
}

}  // namespace

int Timeline::StepAt(int64_t offset_ms) const {
  int step = 0;
  for (size_t i = 0; i < steps.size() && steps[i].begin_ms <= offset_ms; ++i)
    step = static_cast<int>(i);
  return step;
}

absl::StatusOr<Timeline> TimelineBuilder::Build(
    const yoga::type::v1::Routine& routine,
    const TimelineOptions& options) const {
  std::vector<ResolvedStep> steps;
  for (int i = 0; i < routine.steps_size(); ++i) {
    const RoutineStep& step = routine.steps(i);
    const Pose* pose = catalog_.FindPose(step.pose_id());
    if (pose == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "routine.steps[", i, "].pose_id: \"", step.pose_id(),
          "\" is not in the catalog (etag ", catalog_.etag(), ")"));
    }
    const Variation* variation =
        catalog::FindVariation(*pose, step.variation_id());
    if (!step.variation_id().empty() && variation == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "routine.steps[", i, "].variation_id: \"", step.variation_id(),
          "\" is not a variation of \"", step.pose_id(), "\" in the catalog"));
    }
    steps.push_back({&step, pose, variation});
  }
  if (steps.empty())
    return absl::FailedPreconditionError("routine.steps: the routine is empty");

  Writer writer(durations_, options.verbosity);
  const int64_t lead_in = Ms(options.lead_in);
  const int64_t breath_ms = Ms(FromProtoDuration(routine.breath_length()));
  writer.Say(phrases::SessionStart(), yoga::session::v1::CUE_KIND_SESSION_START,
             lead_in);
  int64_t previous_hold_end = lead_in;
  for (size_t i = 0; i < steps.size(); ++i) {
    const ResolvedStep& step = steps[i];
    const ResolvedStep* previous = i == 0 ? nullptr : &steps[i - 1];
    const Relation relation = RelationOf(previous, step);
    if (previous != nullptr && relation != Relation::kOtherSide) {
      writer.SetStep(static_cast<int>(i) - 1, previous->pose->id(),
                     previous->step->side());
      SayReleases(writer, *previous);
    }
    writer.SetStep(static_cast<int>(i), step.pose->id(), step.step->side());
    TimelineStep placed;
    placed.first_cue = writer.next_index();
    Announce(writer, step, relation);
    placed.begin_ms = writer.timeline().cues[placed.first_cue].offset_ms();
    const int64_t hold_start = SaySetup(
        writer, step, relation,
        previous_hold_end + Ms(FromProtoDuration(step.step->transition())));
    const int64_t hold_end =
        hold_start + Ms(FromProtoDuration(step.step->hold()));
    placed.hold_start_cue = writer.next_index();
    placed.hold_start_ms = hold_start;
    if (absl::Status status = SayHold(writer, step, static_cast<int>(i),
                                      hold_start, hold_end, breath_ms);
        !status.ok()) {
      return status;
    }
    placed.hold_end_cue = writer.next_index();
    placed.hold_end_ms = hold_end;
    writer.Append(writer.Make(phrases::HoldEndChime(),
                              yoga::session::v1::CUE_KIND_CHIME, hold_end));
    writer.timeline().steps.push_back(placed);
    previous_hold_end = hold_end;
  }
  writer.SetStep(static_cast<int>(steps.size()) - 1, steps.back().pose->id(),
                 steps.back().step->side());
  SayReleases(writer, steps.back());

  writer.SetStep(-1, "", yoga::type::v1::SIDE_UNSPECIFIED);
  writer.timeline().ending_cue = writer.next_index();
  if (!writer.minimal()) {
    std::set<std::pair<std::string, std::string>> versions;
    for (const ResolvedStep& step : steps)
      versions.emplace(step.step->pose_id(), step.step->variation_id());
    const int minutes = std::max<int>(
        1,
        static_cast<int>(std::lround((previous_hold_end - lead_in) / 60000.0)));
    if (minutes <= kMaxSummaryMinutes && versions.size() <= kMaxSummaryPoses) {
      writer.Say(phrases::SummaryMinutes(minutes),
                 yoga::session::v1::CUE_KIND_SUMMARY);
      writer.Say(phrases::SummaryPoses(static_cast<int>(versions.size())),
                 yoga::session::v1::CUE_KIND_SUMMARY);
    }
  }
  writer.Say(phrases::SessionEnd(), yoga::session::v1::CUE_KIND_END);
  Timeline timeline = std::move(writer.timeline());
  timeline.end_ms = timeline.EndOf(static_cast<int>(timeline.cues.size()) - 1);
  timeline.fingerprint = Sha256Hex(timeline.ToProto().SerializeAsString());
  return timeline;
}

yoga::session::v1::SessionTimeline Timeline::ToProto() const {
  yoga::session::v1::SessionTimeline proto;
  proto.mutable_cues()->Add(cues.begin(), cues.end());
  *proto.mutable_duration() = ToProtoDuration(absl::Milliseconds(end_ms));
  for (const TimelineStep& step : steps) {
    yoga::session::v1::StepTiming& timing = *proto.add_steps();
    timing.set_begin_ms(step.begin_ms);
    timing.set_hold_start_ms(step.hold_start_ms);
    timing.set_hold_end_ms(step.hold_end_ms);
  }
  return proto;
}

}  // namespace yoga::session
