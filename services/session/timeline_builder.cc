#include "services/session/timeline_builder.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/effective_pose.h"
#include "services/catalog/prop_words.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/planner/routine_timing.h"
#include "services/session/cue_writer.h"
#include "services/session/flow_beats.h"
#include "services/shared/class_order.h"
#include "services/shared/step_relation.h"

namespace yoga::session {
namespace {

using yoga::catalog::v1::Breath;
using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;
using yoga::catalog::v1::Variation;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;
using yoga::session::v1::Verbosity;
using yoga::type::v1::RoutineStep;
using yoga::type::v1::Side;
using Cues = google::protobuf::RepeatedPtrField<Cue>;

// A hold instruction keeps this clear of the cues around it where it can.
constexpr int64_t kHoldCueGapMs = 1000;
// Counts of strength holds in seconds.
constexpr int64_t kHalfwayFromMs = 30'000;
constexpr int64_t kCountdownFromMs = 8'000;
constexpr int64_t kSecondsLeftFromMs = 25'000;
// Strength holds in breaths say "three more breaths" from this many on.
constexpr int kBreathsLeftFromCount = kBreathsLeftAt + 2;
// Breaths paced aloud at the start of each hold at FULL, for a first-timer.
constexpr int kPacedBreaths = 2;
// At FULL a hold's silences are filled once longer than this, so none reaches
// kMaxQuietMs (the header's promise).
constexpr int64_t kFillQuietFromMs = 12'000;
// Rests after an exit: before the other side of one-leg strength work, and
// between sets. At least this long, and at least two (three) breaths.
constexpr int64_t kRestBeforeOtherSideMs = 8'000;
constexpr int64_t kRestBetweenSetsMs = 12'000;
int64_t Ms(absl::Duration duration) {
  return absl::ToInt64Milliseconds(duration);
}

// Whether `step` starts where `previous` was: the same first setup words
// ("Come onto your hands and knees."), so they need not be said again.
bool SameStartingPosition(const StepVersion& previous,
                          const StepVersion& step) {
  const Cues& before = catalog::SetupCuesOf(*previous.pose, previous.variation);
  const Cues& now = catalog::SetupCuesOf(*step.pose, step.variation);
  return previous.pose->position() == step.pose->position() &&
         !before.empty() && !now.empty() && before[0].text() == now[0].text();
}

bool IsFlow(const StepVersion& step) {
  return catalog::IsFlow(*step.pose, step.variation);
}

const Cues& HoldCuesOf(const StepVersion& step) {
  return catalog::HoldCuesOf(*step.pose, step.variation);
}

// How a phase's cues are kept: entries and exits whole at BRIEF (every
// movement is needed, tagged or not), holds cut down.
enum class Phase { kEntryOrExit, kHold };

// The cues of a phase a verbosity keeps: FULL every one; BRIEF every setup and
// release cue, and of a hold the first, the movements (breath-tagged) and
// those specific to the side; MINIMAL none.
std::vector<const Cue*> Kept(const Cues& cues, Side side, Verbosity verbosity,
                             Phase phase) {
  std::vector<const Cue*> kept;
  if (verbosity == yoga::session::v1::VERBOSITY_MINIMAL) return kept;
  for (const Cue& cue : cues) {
    if (!AppliesTo(cue, side)) continue;
    const bool keep = verbosity == yoga::session::v1::VERBOSITY_FULL ||
                      phase == Phase::kEntryOrExit || kept.empty() ||
                      cue.breath() != kNoBreath ||
                      cue.side() != yoga::type::v1::SIDE_UNSPECIFIED;
    if (keep) kept.push_back(&cue);
  }
  return kept;
}

// Lays out one routine; Build() below runs it.
class Layout {
 public:
  Layout(const catalog::Catalog& catalog, const PromptDurations& durations,
         const yoga::type::v1::Routine& routine, const TimelineOptions& options,
         std::vector<StepVersion> steps)
      : catalog_(catalog),
        routine_(routine),
        steps_(std::move(steps)),
        breath_(std::max<int64_t>(
            Ms(FromProtoDuration(routine.breath_length())), 1000)),
        writer_(durations, options.verbosity, breath_),
        lead_in_(Ms(options.lead_in)) {
    for (int condition : routine.conditions()) conditions_.insert(condition);
  }

  absl::StatusOr<Timeline> Run();

 private:
  void SayOpening();
  void SayCautions(const StepVersion& step);
  void SayEntry(int index, StepRelation relation, const BreathGrid& grid);
  void SayExit(const StepVersion& step, const BreathGrid& grid);
  void SayRest(const StepVersion& step, StepRelation relation,
               const BreathGrid& grid);
  void SaySlowRound(const StepVersion& step, const BreathGrid& grid);
  void SayBreathPair(const BreathGrid& grid, int64_t from);
  absl::Status SayHold(const StepVersion& step, int index, int64_t start,
                       int64_t end, const BreathGrid& grid);
  absl::Status SayFlow(const StepVersion& step, int index, int64_t start,
                       int64_t end, const BreathGrid& grid);
  void FillQuiet(HoldWindow& window, const BreathGrid& grid, int64_t from,
                 Breath pair_first);
  void SayClosing(int64_t last_hold_end, const BreathGrid& grid);
  // FULL: breathes aloud through a silence longer than `quiet` before
  // `until`.
  void SettleAloud(const BreathGrid& grid, int64_t until,
                   int64_t quiet = kFillQuietFromMs);
  Phrase HoldPhrase(const StepVersion& step) const;
  // A caution said aloud: for everyone, or for a condition of the routine.
  bool Spoken(const yoga::catalog::v1::Caution& caution) const {
    return caution.action() == yoga::catalog::v1::CAUTION_ACTION_MENTION &&
           (caution.condition() == yoga::type::v1::CONDITION_UNSPECIFIED ||
            conditions_.contains(caution.condition()));
  }
  int64_t SetupTime(const StepVersion& step, StepRelation relation) const;
  void Use(const StepVersion& step) {
    writer_.SetStep(static_cast<int>(&step - steps_.data()), step.pose->id(),
                    step.step->side());
  }

  const catalog::Catalog& catalog_;
  const yoga::type::v1::Routine& routine_;
  const std::vector<StepVersion> steps_;
  const int64_t breath_;
  CueWriter writer_;
  const int64_t lead_in_;
  std::set<int> conditions_;
  std::set<std::string> cautions_said_;  // Of the current pose.
  // Setup cues of a strength hold said inside it (SayEntry).
  std::vector<const Cue*> carried_;
  int calm_said_ = 0;
};

void Layout::SayOpening() {
  writer_.Say(phrases::SessionStart(),
              yoga::session::v1::CUE_KIND_SESSION_START, lead_in_);
  const int64_t total = Ms(FromProtoDuration(routine_.total_duration()));
  const int minutes = std::max<int>(1, std::lround(total / 60000.0));
  if (minutes <= kMaxOpeningMinutes && total > 0) {
    writer_.Say(phrases::SessionLength(minutes),
                yoga::session::v1::CUE_KIND_SESSION_START);
  }
  if (writer_.minimal()) return;
  // The poses ahead, each once, by the name of its first version.
  std::vector<const StepVersion*> distinct;
  std::set<const Pose*> seen;
  for (const StepVersion& step : steps_) {
    if (seen.insert(step.pose).second) distinct.push_back(&step);
  }
  if (writer_.full() && distinct.size() <= kMaxOpeningNames) {
    writer_.Say(phrases::PosesAhead(),
                yoga::session::v1::CUE_KIND_SESSION_START);
    for (const StepVersion* step : distinct) {
      writer_.Say(phrases::NameOf(*step->pose, step->variation),
                  yoga::session::v1::CUE_KIND_SESSION_START);
    }
  }
  // Props: those a pose needs, then those that only help.
  std::map<int, bool> props;  // Prop -> required.
  auto add = [&](const auto& uses) {
    for (const auto& use : uses) props[use.prop()] |= use.required();
  };
  std::string words;  // Everything the entries and holds say, lower case.
  for (const StepVersion& step : steps_) {
    add(step.pose->props());
    if (step.variation != nullptr) add(step.variation->props());
    for (const auto* cues :
         {&catalog::SetupCuesOf(*step.pose, step.variation),
          &catalog::HoldCuesOf(*step.pose, step.variation)}) {
      for (const Cue& cue : *cues) absl::StrAppend(&words, " ", cue.text());
    }
    for (const auto* cautions :
         {&step.pose->cautions(),
          step.variation != nullptr ? &step.variation->cautions() : nullptr}) {
      if (cautions == nullptr) continue;
      for (const auto& caution : *cautions) {
        if (Spoken(caution)) absl::StrAppend(&words, " ", caution.cue().text());
      }
    }
  }
  for (bool required : {true, false}) {
    for (const auto& [prop, needed] : props) {
      if (needed != required) continue;
      // A prop that only helps is announced when some cue uses it (a mat
      // always is).
      if (!required && prop != yoga::type::v1::PROP_MAT &&
          !catalog::NamesProp(words, static_cast<yoga::type::v1::Prop>(prop)))
        continue;
      writer_.Say(phrases::PropAtHand(static_cast<yoga::type::v1::Prop>(prop),
                                      required),
                  yoga::session::v1::CUE_KIND_SESSION_START);
    }
  }
}

// Cautions for everyone and for the routine's conditions, each once per pose.
void Layout::SayCautions(const StepVersion& step) {
  if (writer_.minimal()) return;
  auto say = [&](const auto& cautions) {
    for (const auto& caution : cautions) {
      if (!Spoken(caution)) continue;
      if (!cautions_said_.insert(caution.cue().key()).second) continue;
      writer_.Say(PhraseOf(caution.cue()), yoga::session::v1::CUE_KIND_CAUTION,
                  0, kDoItMs);
    }
  };
  say(step.pose->cautions());
  if (step.variation != nullptr) say(step.variation->cautions());
}

void Layout::SayEntry(int index, StepRelation relation,
                      const BreathGrid& grid) {
  const StepVersion& step = steps_[index];
  const Side side = step.step->side();
  const bool sided = side != yoga::type::v1::SIDE_UNSPECIFIED;
  const StepVersion* previous = index > 0 ? &steps_[index - 1] : nullptr;
  using yoga::session::v1::CUE_KIND_POSE;
  switch (relation) {
    case StepRelation::kNewPose: {
      cautions_said_.clear();
      if (writer_.full())
        writer_.Say(phrases::NextPose(),
                    yoga::session::v1::CUE_KIND_TRANSITION);
      // Up from the floor, or down to it: said, with time to do it.
      const auto from = previous->pose->position();
      const auto to = step.pose->position();
      if (!writer_.minimal() && ChangesHeight(from, to)) {
        writer_.Say(!GetsUp(from, to) ? phrases::GetDown()
                    : from == yoga::type::v1::BODY_POSITION_PRONE
                        ? phrases::GetUpFromBelly()
                        : phrases::GetUp(),
                    yoga::session::v1::CUE_KIND_TRANSITION, 0,
                    kDoItMs + Ms(kChangeOfHeight));
      }
    }
      [[fallthrough]];
    case StepRelation::kFirst:
      writer_.Say(phrases::NameOf(*step.pose, step.variation), CUE_KIND_POSE);
      if (sided) writer_.Say(phrases::SideName(side), CUE_KIND_POSE);
      break;
    case StepRelation::kOtherSide:
      writer_.Say(phrases::SwitchSides(),
                  yoga::session::v1::CUE_KIND_SIDE_SWITCH);
      if (previous->variation != step.variation)
        writer_.Say(phrases::NameOf(*step.pose, step.variation), CUE_KIND_POSE);
      writer_.Say(phrases::SideName(side), CUE_KIND_POSE);
      break;
    case StepRelation::kNextSet:
      // A custom routine may repeat a step without numbering its sets.
      if (step.step->set() >= 2)
        writer_.Say(phrases::SetNumber(step.step->set()),
                    yoga::session::v1::CUE_KIND_COUNT);
      if (previous->variation != step.variation || step.step->set() < 2)
        writer_.Say(phrases::NameOf(*step.pose, step.variation), CUE_KIND_POSE);
      if (sided) writer_.Say(phrases::SideName(side), CUE_KIND_POSE);
      break;
    case StepRelation::kDeepen:
      writer_.Say(phrases::NameOf(*step.pose, step.variation), CUE_KIND_POSE);
      break;
  }
  SayCautions(step);

  // The setup cues this entry says: all of them for a new pose; again after
  // an exit, but not the first one (the starting position the exit left the
  // runner in); only the deepening ones when the hold goes on.
  std::set<std::string> already;
  if (relation == StepRelation::kDeepen) {
    for (const Cue& cue :
         catalog::SetupCuesOf(*previous->pose, previous->variation))
      already.insert(cue.key());
  }
  std::vector<const Cue*> setup =
      Kept(catalog::SetupCuesOf(*step.pose, step.variation), side,
           writer_.verbosity(), Phase::kEntryOrExit);
  // A strength hold starts its count a breath after the lift: what the
  // setup says after the last movement (shoulders down, hips level) is said
  // inside the hold instead, so nobody is held up longer than counted.
  carried_.clear();
  if (step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD &&
      !IsFlow(step)) {
    size_t last_movement = setup.size();
    for (size_t i = 0; i < setup.size(); ++i) {
      if (setup[i]->breath() != kNoBreath) last_movement = i;
    }
    // Only into a hold with room for them beside its counts.
    int64_t words = 0;
    for (size_t i = last_movement + 1; i < setup.size(); ++i)
      words += writer_.DurationOf(PhraseOf(*setup[i])) + kHoldCueGapMs;
    if (last_movement < setup.size() &&
        3 * words <= Ms(FromProtoDuration(step.step->hold()))) {
      carried_.assign(setup.begin() + last_movement + 1, setup.end());
      setup.resize(last_movement + 1);
    }
  }
  // The starting position is not said again when the runner is in it:
  // after an exit of the same pose, or a pose held in the same position.
  const bool again = relation == StepRelation::kOtherSide ||
                     relation == StepRelation::kNextSet ||
                     (relation == StepRelation::kNewPose &&
                      SameStartingPosition(*previous, step));
  for (size_t i = 0; i < setup.size(); ++i) {
    const Cue& cue = *setup[i];
    if (again && i == 0 && cue.breath() == kNoBreath &&
        cue.side() == yoga::type::v1::SIDE_UNSPECIFIED &&
        catalog::SetupCuesOf(*step.pose, step.variation)[0].key() == cue.key())
      continue;
    if (already.contains(cue.key())) continue;
    if (cue.breath() != kNoBreath) {
      writer_.SayOnBreath(PhraseOf(cue),
                          yoga::session::v1::CUE_KIND_INSTRUCTION, cue.breath(),
                          grid);
    } else {
      // Setting up a prop (a towel by the wall) takes longer.
      writer_.Say(
          PhraseOf(cue), yoga::session::v1::CUE_KIND_INSTRUCTION, 0,
          kDoItMs + (catalog::NamesAProp(cue.text()) ? Ms(kPlacingAProp) : 0));
    }
  }
}

void Layout::SayExit(const StepVersion& step, const BreathGrid& grid) {
  Use(step);
  for (const Cue* cue :
       Kept(catalog::ReleaseCuesOf(*step.pose, step.variation),
            step.step->side(), writer_.verbosity(), Phase::kEntryOrExit)) {
    if (cue->breath() != kNoBreath) {
      writer_.SayOnBreath(PhraseOf(*cue), yoga::session::v1::CUE_KIND_RELEASE,
                          cue->breath(), grid);
    } else {
      writer_.Say(PhraseOf(*cue), yoga::session::v1::CUE_KIND_RELEASE, 0,
                  kDoItMs);
    }
  }
}

// The rest after an exit: between the sides of one-leg strength work, and
// between sets.
void Layout::SayRest(const StepVersion& step, StepRelation relation,
                     const BreathGrid& grid) {
  const bool sides =
      relation == StepRelation::kOtherSide && RestsBetweenSides(step);
  if (!sides && relation != StepRelation::kNextSet) return;
  const int64_t rest = sides ? std::max(kRestBeforeOtherSideMs, 2 * breath_)
                             : std::max(kRestBetweenSetsMs, 3 * breath_);
  const int64_t start = writer_.free_at();
  writer_.Say(
      sides ? phrases::RestBeforeOtherSide() : phrases::RestBetweenSets(),
      yoga::session::v1::CUE_KIND_REST);
  // A longer rest is breathed through aloud at FULL.
  if (writer_.full() && rest >= kRestBetweenSetsMs)
    SayBreathPair(grid, writer_.free_at() + breath_ / 2);
  writer_.WaitUntil(start + rest);
}

// A breath in and out (out and in, after a recent in-breath) from `from` on.
void Layout::SayBreathPair(const BreathGrid& grid, int64_t from) {
  const Breath first = writer_.last_breath(from) == kIn ? kOut : kIn;
  const int64_t first_at = grid.NextStart(first, from);
  writer_.Append(writer_.Make(BreathPhrase(first),
                              yoga::session::v1::CUE_KIND_BREATH, first_at,
                              first));
  writer_.Append(writer_.Make(
      BreathPhrase(Opposite(first)), yoga::session::v1::CUE_KIND_BREATH,
      grid.NextStart(Opposite(first), first_at + 1), Opposite(first)));
}

// FULL: a flow's movements once, slowly, in the catalog's words, each on its
// own breath, so a first-timer learns them before the rounds keep the pace.
void Layout::SaySlowRound(const StepVersion& step, const BreathGrid& grid) {
  if (writer_.minimal()) return;
  writer_.Say(phrases::SlowRound(), yoga::session::v1::CUE_KIND_INSTRUCTION);
  for (const Cue& cue : HoldCuesOf(step)) {
    if (!AppliesTo(cue, step.step->side())) continue;
    if (cue.breath() != kNoBreath) {
      // On consecutive half breaths where the words fit in one.
      writer_.SayOnBreath(PhraseOf(cue),
                          yoga::session::v1::CUE_KIND_INSTRUCTION, cue.breath(),
                          grid, 0, kTightGapMs);
    } else {
      writer_.Say(PhraseOf(cue), yoga::session::v1::CUE_KIND_INSTRUCTION, 0,
                  kDoItMs);
    }
  }
}

// About how long FULL's setup of `step` takes: each cue and the time to do
// it, and a breath to settle.
int64_t Layout::SetupTime(const StepVersion& step,
                          StepRelation relation) const {
  int64_t time = breath_;
  const auto& setup = catalog::SetupCuesOf(*step.pose, step.variation);
  for (int i = 0; i < setup.size(); ++i) {
    if (!AppliesTo(setup[i], step.step->side())) continue;
    if (i == 0 && relation != StepRelation::kFirst &&
        relation != StepRelation::kNewPose)
      continue;
    time += writer_.DurationOf(PhraseOf(setup[i])) + kDoItMs;
  }
  return time;
}

Phrase Layout::HoldPhrase(const StepVersion& step) const {
  const auto& range = catalog::HoldOf(*step.pose, step.variation);
  const int count = static_cast<int>(step.step->hold_count());
  return step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD
             ? phrases::HoldFor(range.unit(), count)
             : phrases::StayFor(range.unit(), count);
}

// FULL: breath reminders, then calm words, wherever the hold has been quiet
// for longer than kFillQuietFromMs. Breath reminders come as pairs starting
// with `pair_first`, so in and out keep alternating around them.
void Layout::FillQuiet(HoldWindow& window, const BreathGrid& grid, int64_t from,
                       Breath pair_first) {
  for (int tries = 0; tries < 64; ++tries) {
    const auto [quiet_from, quiet] = window.LongestQuiet();
    if (quiet <= kFillQuietFromMs) return;
    // Ten seconds into the silence (or its middle), so the voice comes back
    // about that often and no oftener.
    const int64_t middle = std::max(
        from, quiet_from + std::min<int64_t>(quiet / 2, 10'000) - breath_ / 2);
    bool placed = false;
    if (tries % 2 == 0) {
      const int64_t first = grid.NextStart(pair_first, middle);
      placed = window.PlacePair(
          writer_.Make(BreathPhrase(pair_first),
                       yoga::session::v1::CUE_KIND_BREATH, first, pair_first),
          writer_.Make(BreathPhrase(Opposite(pair_first)),
                       yoga::session::v1::CUE_KIND_BREATH,
                       grid.NextStart(Opposite(pair_first), first + 1),
                       Opposite(pair_first)));
    }
    if (!placed) {
      placed = window.PlaceFrom(
          writer_.Make(
              phrases::Calm(calm_said_),
              yoga::session::v1::CUE_KIND_INSTRUCTION,
              std::max(from, quiet_from + std::min<int64_t>(quiet / 2, 10'000) -
                                 1500)),
          quiet_from + quiet);
      if (placed) ++calm_said_;
    }
    if (!placed) return;
  }
}

// FULL: a long settle before the hold gets a breath in and out, and another,
// so the voice is never away for long.
void Layout::SettleAloud(const BreathGrid& grid, int64_t until, int64_t quiet) {
  if (!writer_.full()) return;
  for (;;) {
    // Silence counts from the last word (a rest may have moved free_at on).
    const Timeline& timeline = writer_.timeline();
    const int64_t quiet_from =
        timeline.cues.empty()
            ? 0
            : timeline.EndOf(static_cast<int>(timeline.cues.size()) - 1);
    if (until - quiet_from <= quiet) return;
    // A pair about a third of the way in, or as early as it fits.
    auto fits = [&](int64_t from) {
      const Breath first = writer_.last_breath(from) == kIn ? kOut : kIn;
      const int64_t second_at =
          grid.NextStart(Opposite(first), grid.NextStart(first, from) + 1);
      return second_at + writer_.DurationOf(BreathPhrase(Opposite(first))) +
                 kGapMs <=
             until;
    };
    int64_t from =
        quiet_from + std::min(kFillQuietFromMs / 2, (until - quiet_from) / 3);
    if (!fits(from)) from = quiet_from + kGapMs;
    if (!fits(from)) return;
    SayBreathPair(grid, from);
  }
}

// Everything said during a held pose, [start, end): the HOLD_START cue first,
// counts for strength holds, then hold cues, breath pacing and, at FULL, no
// long silence.
absl::Status Layout::SayHold(const StepVersion& step, int index, int64_t start,
                             int64_t end, const BreathGrid& grid) {
  const auto& range = catalog::HoldOf(*step.pose, step.variation);
  const auto unit = range.unit();
  const int count = static_cast<int>(step.step->hold_count());
  const int64_t length = end - start;
  const bool strength =
      step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
  HoldWindow window(start, end);
  using yoga::session::v1::CUE_KIND_BREATH;
  using yoga::session::v1::CUE_KIND_COUNT;
  using yoga::session::v1::CUE_KIND_COUNTDOWN;

  if (!window.PlaceAt(writer_.Make(
          HoldPhrase(step), yoga::session::v1::CUE_KIND_HOLD_START, start)) &&
      !window.PlaceAt(writer_.Make(phrases::HoldShort(),
                                   yoga::session::v1::CUE_KIND_HOLD_START,
                                   start))) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "routine.steps[", index, "].hold: ", length,
            " ms is too short to announce the hold and end it with a chime")),
        "HOLD_TOO_SHORT");
  }

  // Strength holds are counted, at exact moments, at every verbosity.
  if (strength) {
    switch (unit) {
      case yoga::type::v1::HOLD_UNIT_BREATHS:
        if (count >= 2)
          window.PlaceAt(writer_.Make(phrases::LastBreath(), CUE_KIND_COUNTDOWN,
                                      end - breath_));
        if (count >= kBreathsLeftFromCount)
          window.PlaceAt(writer_.Make(phrases::BreathsLeft(kBreathsLeftAt),
                                      CUE_KIND_COUNT,
                                      end - kBreathsLeftAt * breath_));
        break;
      case yoga::type::v1::HOLD_UNIT_REPETITIONS: {
        const int64_t round = length / std::max(count, 1);
        if (count >= 2)
          window.PlaceAt(writer_.Make(phrases::LastRound(), CUE_KIND_COUNTDOWN,
                                      end - round));
        if (count >= kRoundsLeftAt + 2)
          window.PlaceAt(writer_.Make(phrases::RoundsLeft(kRoundsLeftAt),
                                      CUE_KIND_COUNT,
                                      end - kRoundsLeftAt * round));
        break;
      }
      default:
        if (length >= kCountdownFromMs) {
          for (int number = kCountdownFrom; number >= 1; --number)
            window.PlaceAt(writer_.Make(phrases::Countdown(number),
                                        CUE_KIND_COUNTDOWN,
                                        end - number * 1000));
        }
        if (length >= kSecondsLeftFromMs)
          window.PlaceAt(writer_.Make(phrases::SecondsLeft(kSecondsLeftAt),
                                      CUE_KIND_COUNT,
                                      end - kSecondsLeftAt * 1000));
        if (length >= kHalfwayFromMs)
          window.PlaceAt(writer_.Make(phrases::Halfway(),
                                      yoga::session::v1::CUE_KIND_HALFWAY,
                                      start + length / 2));
        break;
    }
  }
  if (writer_.minimal()) {
    for (CueEvent& cue : window.TakeSorted()) writer_.Append(std::move(cue));
    return absl::OkStatus();
  }

  // Breaths come in pairs, the first the opposite of the last one said
  // before the hold, so in and out alternate through it.
  const Breath last = writer_.last_breath(start) == kNoBreath
                          ? kOut
                          : writer_.last_breath(start);
  const Breath pair_first = Opposite(last);
  // A breath in and out from `at` on; a movement on the breath takes the
  // place of its plain breath (two, of opposite breaths, share one pair).
  auto pair = [&](int64_t at, const Cue* movement,
                  const Cue* other_movement = nullptr) {
    auto make = [&](Breath breath, int64_t when) {
      for (const Cue* said : {movement, other_movement}) {
        if (said != nullptr && said->breath() == breath)
          return writer_.Make(PhraseOf(*said),
                              yoga::session::v1::CUE_KIND_INSTRUCTION, when,
                              breath);
      }
      return writer_.Make(BreathPhrase(breath), CUE_KIND_BREATH, when, breath);
    };
    CueEvent first = make(pair_first, grid.NextStart(pair_first, at));
    // The other breath's words wait for the next such breath when the first
    // words take longer than half a breath.
    CueEvent second = make(
        Opposite(pair_first),
        grid.NextStart(Opposite(pair_first),
                       first.offset_ms() + first.duration_ms() + kTightGapMs));
    return window.PlacePair(std::move(first), std::move(second));
  };

  const int64_t announced =
      start + writer_.DurationOf(HoldPhrase(step)) + kTightGapMs;
  // A strength hold's setup cues after its lift, first, one after another.
  int64_t carried_at = announced;
  for (const Cue* cue : carried_) {
    CueEvent said = writer_.Make(
        PhraseOf(*cue), yoga::session::v1::CUE_KIND_INSTRUCTION, carried_at);
    const int64_t duration = said.duration_ms();
    // A second clear of the counts where it can, closer where it must.
    if (window.PlaceFrom(said, end, kHoldCueGapMs) ||
        window.PlaceFrom(said, end))
      carried_at += duration + kHoldCueGapMs;
  }
  // Hold cues, spread over the hold; those on a breath ride it.
  std::vector<const Cue*> spoken = Kept(HoldCuesOf(step), step.step->side(),
                                        writer_.verbosity(), Phase::kHold);
  // A short hold is not crowded: about one hold cue for every two breaths.
  const size_t room = std::max<size_t>(1, length / (2 * breath_));
  if (spoken.size() > room) spoken.resize(room);
  for (size_t i = 0; i < spoken.size(); ++i) {
    const int64_t ideal = start + length * static_cast<int64_t>(i + 1) /
                                      static_cast<int64_t>(spoken.size() + 1);
    const int64_t latest = start + length * static_cast<int64_t>(i + 2) /
                                       static_cast<int64_t>(spoken.size() + 1);
    if (spoken[i]->breath() != kNoBreath) {
      // Its pair of breaths at the first free breath from its moment on; the
      // next cue shares it when it rides the other breath (lengthen on the
      // in-breath, twist on the out-breath).
      const Cue* partner =
          i + 1 < spoken.size() && spoken[i + 1]->breath() != kNoBreath &&
                  spoken[i + 1]->breath() != spoken[i]->breath()
              ? spoken[i + 1]
              : nullptr;
      bool placed = false;
      for (int64_t at = ideal; at < end && !placed; at += breath_)
        placed = pair(at, spoken[i], partner);
      // Earlier, when the rest of the hold is full.
      for (int64_t at = announced; at < ideal && !placed; at += breath_)
        placed = pair(at, spoken[i], partner);
      if (partner != nullptr) ++i;
      continue;
    }
    // At its moment or later, a second clear of the others so the runner
    // can take it in; closer, or earlier, only when the hold is full.
    CueEvent cue = writer_.Make(PhraseOf(*spoken[i]),
                                yoga::session::v1::CUE_KIND_INSTRUCTION, ideal);
    if (window.PlaceFrom(cue, latest, kHoldCueGapMs) ||
        window.PlaceFrom(cue, end))
      continue;
    cue.set_offset_ms(announced);
    window.PlaceFrom(cue, end);
  }
  // Then the first breaths paced aloud where they fit, for a first-timer.
  if (writer_.full()) {
    int64_t at = announced;
    for (int k = 0; k < kPacedBreaths; ++k) {
      pair(at, nullptr);
      at = grid.NextStart(pair_first, at) + breath_;
    }
  }
  if (writer_.full()) FillQuiet(window, grid, announced, pair_first);
  for (CueEvent& cue : window.TakeSorted()) writer_.Append(std::move(cue));
  return absl::OkStatus();
}

// A flow: every round names each movement inside its half breath, in its
// short words (FULL taught the catalog's words in a slow round first; BRIEF
// says them in the first round where they fit).
// `start` is the first movement of the first round; the hold was announced
// before it. The chime at `end` closes the last round.
absl::Status Layout::SayFlow(const StepVersion& step, int index, int64_t start,
                             int64_t end, const BreathGrid& grid) {
  const auto& range = catalog::HoldOf(*step.pose, step.variation);
  const int count = std::max<int>(static_cast<int>(step.step->hold_count()), 1);
  absl::StatusOr<std::vector<Beat>> beats =
      FlowBeats(HoldCuesOf(step), step.step->side(),
                static_cast<int>(range.breaths_per_repetition()));
  if (!beats.ok()) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "routine.steps[", index, "]: ", step.pose->id(), ": ",
                          beats.status().message())),
                      "ROUTINE_NOT_PLAYABLE");
  }
  const int64_t round = (end - start) / count;
  const int64_t half = grid.half();
  HoldWindow window(start, end);
  for (int r = 0; r < count && !writer_.minimal(); ++r) {
    for (const Beat& beat : *beats) {
      // On the grid: with an odd breath, in to out and out to in differ by
      // a millisecond.
      const int64_t at = grid.NextStart(
          beat.cue->breath(), start + r * round + beat.slot / 2 * breath_ +
                                  beat.slot % 2 * half - 2);
      const int64_t room = beat.span * half;
      const Cue& cue = *beat.cue;
      // In the first round at FULL a still moment's words take the second
      // half breath, if the movement's words leave it; otherwise a movement
      // has every half breath up to the next one.
      const bool holding_said =
          beat.holding != nullptr && r == 0 && writer_.full();
      const Phrase full_words = PhraseOf(cue);
      const Phrase short_words = phrases::ShortOf(cue);
      auto fits = [&](const Phrase& phrase, int64_t within) {
        return (&phrase != &short_words || !cue.short_text().empty()) &&
               writer_.DurationOf(phrase) + kTightGapMs <= within;
      };
      Phrase said = BreathPhrase(cue.breath());
      if (holding_said && fits(short_words, half)) {
        said = short_words;
      } else if (holding_said && fits(full_words, half)) {
        said = full_words;
      } else if (r == 0 && !writer_.full() && fits(full_words, room)) {
        // BRIEF has no slow round: the first round in full words.
        said = full_words;
      } else if (fits(short_words, room)) {
        said = short_words;
      } else if (fits(full_words, room)) {
        said = full_words;
      }
      window.PlaceAt(writer_.Make(said, yoga::session::v1::CUE_KIND_BREATH, at,
                                  cue.breath()));
    }
  }
  // A still moment's words, in the first round, where they fit between the
  // movements.
  if (writer_.full()) {
    for (const Beat& beat : *beats) {
      if (beat.holding == nullptr) continue;
      const int64_t at = grid.NextStart(
          Opposite(beat.cue->breath()),
          start + beat.slot / 2 * breath_ + beat.slot % 2 * half + 1);
      window.PlaceAt(writer_.Make(PhraseOf(*beat.holding),
                                  yoga::session::v1::CUE_KIND_INSTRUCTION, at));
    }
  }
  // Counts just before a round begins, never on a movement's breath.
  if (count >= kRoundsLeftAt + 2) {
    const int64_t round_start = start + (count - kRoundsLeftAt) * round;
    window.PlaceBefore(writer_.Make(phrases::RoundsLeft(kRoundsLeftAt),
                                    yoga::session::v1::CUE_KIND_COUNT, 0),
                       round_start, round_start - half);
  }
  if (count >= 2) {
    const int64_t round_start = start + (count - 1) * round;
    window.PlaceBefore(writer_.Make(phrases::LastRound(),
                                    yoga::session::v1::CUE_KIND_COUNTDOWN, 0),
                       round_start, round_start - half);
  }
  for (CueEvent& cue : window.TakeSorted()) writer_.Append(std::move(cue));
  return absl::OkStatus();
}

void Layout::SayClosing(int64_t last_hold_end, const BreathGrid& grid) {
  writer_.SetStep(-1, "", yoga::type::v1::SIDE_UNSPECIFIED);
  writer_.timeline().ending_cue = writer_.next_index();
  const CueWriter::Mark closing = writer_.mark();
  auto say_closing = [&] {
    if (!writer_.minimal()) {
      std::set<std::string> poses;
      for (const StepVersion& step : steps_) poses.insert(step.pose->id());
      const int64_t total = Ms(FromProtoDuration(routine_.total_duration()));
      const int minutes = std::max<int>(
          1, static_cast<int>(std::lround(
                 (total > 0 ? total : last_hold_end - lead_in_) / 60000.0)));
      if (minutes <= kMaxSummaryMinutes && poses.size() <= kMaxSummaryPoses) {
        writer_.Say(phrases::SummaryMinutes(minutes),
                    yoga::session::v1::CUE_KIND_SUMMARY);
        writer_.Say(phrases::SummaryPoses(static_cast<int>(poses.size())),
                    yoga::session::v1::CUE_KIND_SUMMARY);
      }
    }
    writer_.Say(phrases::SessionEnd(), yoga::session::v1::CUE_KIND_END);
    const Timeline& timeline = writer_.timeline();
    return timeline.EndOf(static_cast<int>(timeline.cues.size()) - 1);
  };
  // The session lasts what the routine says: a moment of stillness before
  // the closing words takes up what the planner's budget left (breathed
  // through at FULL when it is long).
  const int64_t planned_end =
      lead_in_ + Ms(FromProtoDuration(routine_.total_duration()));
  const int64_t end = say_closing();
  if (!routine_.has_total_duration() || end >= planned_end) return;
  const int64_t stillness = planned_end - end;
  if (writer_.full() && stillness > kFillQuietFromMs) {
    writer_.Rewind(closing);
    writer_.SetStep(-1, "", yoga::type::v1::SIDE_UNSPECIFIED);
    const int64_t words_from = closing.free_at + stillness;
    SettleAloud(grid, words_from);
    writer_.WaitUntil(words_from);
    writer_.timeline().ending_cue = writer_.next_index();
    const int64_t again = say_closing();
    if (again < planned_end) {
      writer_.ShiftSince(
          CueWriter::Mark{static_cast<size_t>(writer_.timeline().ending_cue), 0,
                          kNoBreath, 0},
          planned_end - again);
    }
    return;
  }
  writer_.ShiftSince(closing, stillness);
}

absl::StatusOr<Timeline> Layout::Run() {
  SayOpening();
  int64_t previous_hold_end = lead_in_;
  BreathGrid previous_grid;
  for (size_t i = 0; i < steps_.size(); ++i) {
    const StepVersion& step = steps_[i];
    const StepVersion* previous = i == 0 ? nullptr : &steps_[i - 1];
    const StepRelation relation = RelationOf(previous, step);
    if (previous != nullptr && relation != StepRelation::kDeepen) {
      SayExit(*previous, previous_grid);
      SayRest(step, relation, previous_grid);
    }
    Use(step);
    const bool flow = IsFlow(step);
    const int64_t planned =
        previous_hold_end + Ms(FromProtoDuration(step.step->transition()));
    // One rhythm for the step, with a breath starting at the planned hold
    // (a flow's first movement).
    BreathGrid grid{planned, breath_};
    if (flow) {
      absl::StatusOr<std::vector<Beat>> beats =
          FlowBeats(HoldCuesOf(step), step.step->side(),
                    static_cast<int>(catalog::HoldOf(*step.pose, step.variation)
                                         .breaths_per_repetition()));
      if (beats.ok() && !beats->empty() && beats->front().cue->breath() == kOut)
        grid.anchor = planned - grid.half();
    }

    TimelineStep placed;
    placed.first_cue = writer_.next_index();
    const CueWriter::Mark entry = writer_.mark();
    const std::set<std::string> cautions_before = cautions_said_;
    const Phrase hold_phrase = HoldPhrase(step);
    const Breath flow_first =
        !flow ? kNoBreath
              : (grid.NextStart(kIn, planned) == planned ? kIn : kOut);
    // The entry, and when the hold could start after it: a breath after the
    // last movement (a flow's announcement, and the breath before its first
    // movement when the last one said was the same, come first).
    auto say_entry = [&] {
      SayEntry(static_cast<int>(i), relation, grid);
      if (flow) SaySlowRound(step, grid);
      int64_t ready = writer_.free_at();
      if (writer_.last_movement_at() >= 0)
        ready = std::max(ready, writer_.last_movement_at() + breath_);
      if (flow) {
        ready += writer_.DurationOf(hold_phrase) + kGapMs;
        if (writer_.last_breath(planned) == flow_first) ready += grid.half();
      }
      return ready;
    };
    int64_t ready = say_entry();
    int64_t hold_start = planned;
    // Time to spare goes before the entry, in whole breaths so movements
    // stay on their breath: the runner then holds the pose for what the
    // hold says, not longer. At FULL that wait is breathed aloud.
    // A deepening goes straight on (its words come right after "go a little
    // deeper"). MINIMAL names the pose and leaves the runner the time FULL
    // would take to get into it.
    int64_t spare = ready <= planned && relation != StepRelation::kDeepen
                        ? planned - ready
                        : 0;
    if (writer_.minimal()) spare -= SetupTime(step, relation);
    spare = std::max<int64_t>(spare, 0) / breath_ * breath_;
    if (spare > 0 && writer_.full()) {
      // Laid again later, after breaths aloud; a breath is kept in hand at
      // first (those breaths may change which breath a movement needs),
      // then given up when the entry still fits.
      auto relay = [&](int64_t entry_from) {
        writer_.Rewind(entry);
        cautions_said_ = cautions_before;
        SettleAloud(grid, entry_from);
        writer_.WaitUntil(entry_from);
        // The step begins with its entry: NEXT and PREVIOUS land on its name.
        placed.first_cue = writer_.next_index();
        return say_entry();
      };
      const int64_t entry_from = entry.free_at + spare - breath_;
      ready = relay(entry_from);
      if (ready + breath_ <= planned) {
        const int64_t later =
            entry_from + (planned - ready) / breath_ * breath_;
        ready = relay(later);
        if (ready > planned) ready = relay(entry_from);
      }
    } else if (spare > 0) {
      writer_.ShiftSince(entry, spare);
      ready += spare;
    }
    if (ready > planned)
      hold_start += (ready - planned + breath_ - 1) / breath_ * breath_;
    placed.begin_ms = writer_.timeline().cues[placed.first_cue].offset_ms();
    const int64_t hold_end =
        hold_start + Ms(FromProtoDuration(step.step->hold()));
    // A long settle is breathed aloud, up to the announcement.
    // (A flow's announcement may come half a breath after `until`.)
    if (flow) {
      SettleAloud(
          grid,
          hold_start - grid.half() - writer_.DurationOf(hold_phrase) - kGapMs,
          kFillQuietFromMs - grid.half());
    } else {
      SettleAloud(grid, hold_start);
    }
    placed.hold_start_cue = writer_.next_index();
    placed.hold_start_ms = hold_start;
    absl::Status status;
    if (flow) {
      int64_t first_breath_at = hold_start;
      const bool other_first = writer_.last_breath(hold_start) == flow_first;
      if (other_first)
        first_breath_at =
            grid.NextStart(Opposite(flow_first), hold_start - breath_);
      const int64_t announce_at =
          first_breath_at - writer_.DurationOf(hold_phrase) - kGapMs;
      writer_.Say(hold_phrase, yoga::session::v1::CUE_KIND_HOLD_START,
                  announce_at);
      if (other_first) {
        writer_.Append(writer_.Make(BreathPhrase(Opposite(flow_first)),
                                    yoga::session::v1::CUE_KIND_BREATH,
                                    first_breath_at, Opposite(flow_first)));
      }
      status = SayFlow(step, static_cast<int>(i), hold_start, hold_end, grid);
    } else {
      status = SayHold(step, static_cast<int>(i), hold_start, hold_end, grid);
    }
    if (!status.ok()) return status;
    placed.hold_end_cue = writer_.next_index();
    placed.hold_end_ms = hold_end;
    // The bell ends a hold; a hold that goes on deeper is told so instead,
    // so nobody starts to come out.
    const bool deepens_next =
        i + 1 < steps_.size() &&
        RelationOf(&step, steps_[i + 1]) == StepRelation::kDeepen;
    writer_.Append(writer_.Make(
        deepens_next ? phrases::GoDeeper() : phrases::HoldEndChime(),
        deepens_next ? yoga::session::v1::CUE_KIND_TRANSITION
                     : yoga::session::v1::CUE_KIND_CHIME,
        hold_end));
    writer_.timeline().steps.push_back(placed);
    previous_hold_end = hold_end;
    previous_grid = grid;
  }
  SayExit(steps_.back(), previous_grid);
  SayClosing(previous_hold_end, previous_grid);

  Timeline timeline = std::move(writer_.timeline());
  timeline.end_ms = timeline.EndOf(static_cast<int>(timeline.cues.size()) - 1);
  timeline.fingerprint = Sha256Hex(timeline.ToProto().SerializeAsString());
  return timeline;
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
  std::vector<StepVersion> steps;
  for (int i = 0; i < routine.steps_size(); ++i) {
    const RoutineStep& step = routine.steps(i);
    const Pose* pose = catalog_.FindPose(step.pose_id());
    if (pose == nullptr) {
      return WithReason(
          absl::FailedPreconditionError(absl::StrCat(
              "routine.steps[", i, "].pose_id: \"", step.pose_id(),
              "\" is not in the catalog (etag ", catalog_.etag(), ")")),
          "POSE_NOT_IN_CATALOG");
    }
    const Variation* variation =
        catalog::FindVariation(*pose, step.variation_id());
    if (!step.variation_id().empty() && variation == nullptr) {
      return WithReason(absl::FailedPreconditionError(absl::StrCat(
                            "routine.steps[", i, "].variation_id: \"",
                            step.variation_id(), "\" is not a variation of \"",
                            step.pose_id(), "\" in the catalog")),
                        "VARIATION_NOT_IN_CATALOG");
    }
    steps.push_back({&step, pose, variation});
  }
  if (steps.empty())
    return WithReason(
        absl::FailedPreconditionError("routine.steps: the routine is empty"),
        "ROUTINE_EMPTY");
  Layout layout(catalog_, durations_, routine, options, std::move(steps));
  return layout.Run();
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
