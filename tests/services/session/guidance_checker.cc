#include "tests/services/session/guidance_checker.h"

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/effective_pose.h"
#include "services/common/proto_time.h"
#include "services/session/timeline_builder.h"
#include "services/shared/cue_text.h"
#include "services/shared/step_relation.h"

namespace yoga::session::testing {
namespace {

using yoga::catalog::v1::Cue;
using yoga::session::v1::CueEvent;
using yoga::session::v1::Verbosity;

constexpr auto kNoBreath = yoga::catalog::v1::BREATH_UNSPECIFIED;
// Below this breath a flow's half breath may be too short for any words but
// "breathe in" and "breathe out".
constexpr int64_t kNamedFlowBreathMs = 4000;

int64_t Ms(const google::protobuf::Duration& duration) {
  return absl::ToInt64Milliseconds(FromProtoDuration(duration));
}

bool AppliesTo(const Cue& cue, yoga::type::v1::Side side) {
  return cue.side() == yoga::type::v1::SIDE_UNSPECIFIED || cue.side() == side;
}

class Checker {
 public:
  Checker(const catalog::Catalog& catalog,
          const yoga::type::v1::Routine& routine, const Timeline& timeline,
          Verbosity verbosity)
      : routine_(routine), timeline_(timeline), verbosity_(verbosity) {
    for (const auto& step : routine.steps()) {
      const auto* pose = catalog.FindPose(step.pose_id());
      steps_.push_back({&step, pose,
                        pose == nullptr ? nullptr
                                        : catalog::FindVariation(
                                              *pose, step.variation_id())});
    }
    for (const CueEvent& cue : timeline.cues) keys_.insert(cue.prompt_key());
  }

  std::vector<std::string> Run() {
    if (steps_.size() != timeline_.steps.size()) {
      return {"the timeline has another number of steps than the routine"};
    }
    CheckBreaths();
    for (size_t i = 0; i < steps_.size(); ++i) CheckStep(static_cast<int>(i));
    CheckCautions();
    if (full()) CheckPresence();
    for (const CueEvent& cue : timeline_.cues) {
      if (absl::StrContains(cue.text(), "hundred"))
        Fail(cue, "a length said in hundreds");
    }
    return std::move(findings_);
  }

 private:
  void Fail(const CueEvent& cue, absl::string_view what) {
    findings_.push_back(absl::StrCat(CueLine(cue), "  <- ", what));
  }
  void Fail(int step, absl::string_view what) {
    findings_.push_back(absl::StrCat("step ", step, " (",
                                     steps_[step].step->pose_id(), " ",
                                     steps_[step].step->variation_id(), " ",
                                     steps_[step].step->side(), "): ", what));
  }
  bool full() const { return verbosity_ == yoga::session::v1::VERBOSITY_FULL; }
  bool minimal() const {
    return verbosity_ == yoga::session::v1::VERBOSITY_MINIMAL;
  }

  // The cues of [from, to) with this key.
  int Find(const std::string& key, int from, int to) const {
    for (int i = from; i < to; ++i) {
      if (timeline_.cues[i].prompt_key() == key) return i;
    }
    return -1;
  }

  // Whether this verbosity must say a setup or release cue: FULL and BRIEF
  // say every one (timeline_builder.h).
  bool MustSay(const Cue&) const { return !minimal(); }

  void CheckStep(int i) {
    const StepVersion& step = steps_[i];
    const TimelineStep& placed = timeline_.steps[i];
    const StepVersion* previous = i > 0 ? &steps_[i - 1] : nullptr;
    const StepRelation relation = RelationOf(previous, step);
    const auto side = step.step->side();
    const int entry_from = placed.first_cue;
    const int entry_to = placed.hold_start_cue;

    // Setup cues, as the relation asks for them.
    std::set<std::string> before;
    if (relation == StepRelation::kDeepen) {
      for (const Cue& cue :
           catalog::SetupCuesOf(*previous->pose, previous->variation))
        before.insert(cue.key());
    }
    const auto& setup = catalog::SetupCuesOf(*step.pose, step.variation);
    const bool strength_hold =
        step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
    int last_movement = -1;
    for (int k = 0; k < setup.size(); ++k) {
      const Cue& cue = setup[k];
      if (!AppliesTo(cue, side) || before.contains(cue.key())) continue;
      // The starting position may go unsaid when the runner is already in
      // it (timeline_builder.h).
      const bool again = relation == StepRelation::kOtherSide ||
                         relation == StepRelation::kNextSet ||
                         (relation == StepRelation::kNewPose &&
                          previous->pose->position() == step.pose->position());
      if (again && k == 0 && cue.breath() == kNoBreath &&
          cue.side() == yoga::type::v1::SIDE_UNSPECIFIED)
        continue;
      // A strength hold says what comes after its lift inside the hold.
      const int at = Find(cue.key(), entry_from,
                          strength_hold ? placed.hold_end_cue : entry_to);
      if (at < 0) {
        if (MustSay(cue))
          Fail(i, absl::StrCat("setup cue ", cue.key(), " is not said"));
        continue;
      }
      CheckOnItsBreath(cue, timeline_.cues[at]);
      if (cue.breath() != kNoBreath) last_movement = at;
    }
    // Settle: a breath after the last movement before the hold.
    if (last_movement >= 0) {
      const int64_t settle =
          placed.hold_start_ms - timeline_.cues[last_movement].offset_ms();
      const int64_t breath = Ms(routine_.breath_length());
      const int64_t announced = timeline_.cues[entry_to].offset_ms();
      if (std::min(settle,
                   announced - timeline_.cues[last_movement].offset_ms()) <
          breath)
        Fail(timeline_.cues[last_movement],
             "the hold is announced less than a breath after this movement");
    }

    // The hold: counts only for strength holds; no long silence at FULL.
    const bool strength =
        step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
    const bool flow =
        step.pose->kind() == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW ||
        catalog::HoldOf(*step.pose, step.variation).unit() ==
            yoga::type::v1::HOLD_UNIT_REPETITIONS;
    int64_t quiet_from = placed.hold_start_ms;
    for (int k = entry_to; k < placed.hold_end_cue; ++k) {
      const CueEvent& cue = timeline_.cues[k];
      if (!strength && !flow &&
          (cue.kind() == yoga::session::v1::CUE_KIND_COUNTDOWN ||
           cue.kind() == yoga::session::v1::CUE_KIND_COUNT ||
           cue.kind() == yoga::session::v1::CUE_KIND_HALFWAY))
        Fail(cue, "a count in a static or restorative hold");
      if (flow && !minimal() && cue.offset_ms() >= placed.hold_start_ms &&
          Ms(routine_.breath_length()) >= kNamedFlowBreathMs &&
          cue.kind() == yoga::session::v1::CUE_KIND_BREATH &&
          absl::StartsWith(cue.prompt_key(), "breath."))
        Fail(cue, "a round's breath that names no movement");
      if (full() && cue.offset_ms() - quiet_from > kMaxQuietMs)
        Fail(cue, absl::StrCat("comes after ", cue.offset_ms() - quiet_from,
                               " ms of silence inside the hold"));
      quiet_from = std::max(quiet_from, cue.offset_ms() + cue.duration_ms());
    }
    if (full() && placed.hold_end_ms - quiet_from > kMaxQuietMs)
      Fail(timeline_.cues[placed.hold_end_cue],
           absl::StrCat("the bell comes after ",
                        placed.hold_end_ms - quiet_from, " ms of silence"));

    // FULL says the hold cues of a held pose (a flow's are its movements)
    // in order, as many as the hold has room for without crowding: one for
    // every two breaths (at least one), each with about six seconds.
    if (full() && !flow) {
      const int64_t hold_ms = placed.hold_end_ms - placed.hold_start_ms;
      const int64_t breath = std::max<int64_t>(Ms(routine_.breath_length()), 1);
      const int64_t room = std::max<int64_t>(1, hold_ms / (2 * breath));
      int64_t counted = 0;
      for (const Cue& cue : catalog::HoldCuesOf(*step.pose, step.variation)) {
        if (!AppliesTo(cue, side)) continue;
        ++counted;
        if (counted > room || hold_ms < 5000 + 6000 * counted) break;
        if (Find(cue.key(), entry_to, placed.hold_end_cue) < 0)
          Fail(i, absl::StrCat("hold cue ", cue.key(), " is not said"));
      }
    }

    // The exit: every release cue after the chime and before the next step
    // begins (a side switch comes after side one's exit), unless the next
    // step deepens this hold.
    const bool deepened =
        i + 1 < static_cast<int>(steps_.size()) &&
        RelationOf(&step, steps_[i + 1]) == StepRelation::kDeepen;
    if (deepened) return;
    const int exit_to = i + 1 < static_cast<int>(steps_.size())
                            ? timeline_.steps[i + 1].first_cue
                            : timeline_.ending_cue;
    for (const Cue& cue : catalog::ReleaseCuesOf(*step.pose, step.variation)) {
      if (!AppliesTo(cue, side)) continue;
      const int at = Find(cue.key(), placed.hold_end_cue, exit_to);
      if (at < 0) {
        if (MustSay(cue))
          Fail(i, absl::StrCat("release cue ", cue.key(),
                               " is not said before what comes next"));
        continue;
      }
      CheckOnItsBreath(cue, timeline_.cues[at]);
    }
  }

  void CheckOnItsBreath(const Cue& cue, const CueEvent& said) {
    if (cue.breath() != said.breath())
      Fail(said, "a movement not said on its breath");
  }

  // In and out alternate through the whole session, and within a step every
  // breath cue keeps one rhythm: in-breaths a whole breath apart, out-breaths
  // half a breath after them.
  void CheckBreaths() {
    const int64_t breath = Ms(routine_.breath_length());
    const CueEvent* last = nullptr;
    std::map<int, const CueEvent*> first_of_step;
    for (const CueEvent& cue : timeline_.cues) {
      if (cue.breath() == kNoBreath) continue;
      // After three silent breaths the runner's breath has moved on.
      if (last != nullptr && last->breath() == cue.breath() &&
          cue.offset_ms() - last->offset_ms() < 3 * breath)
        Fail(cue, absl::StrCat("the same breath as the breath cue at ",
                               ClockText(last->offset_ms())));
      last = &cue;
      auto [found, first] = first_of_step.emplace(cue.step_index(), &cue);
      if (first || breath <= 0) continue;
      // Each cue's in-breath: out-breaths start half a breath after it.
      auto in_breath = [&](const CueEvent& said) {
        return said.offset_ms() -
               (said.breath() == yoga::catalog::v1::BREATH_EXHALE ? breath / 2
                                                                  : 0);
      };
      const int64_t apart = in_breath(cue) - in_breath(*found->second);
      if (apart % breath != 0)
        Fail(cue, absl::StrCat("off the step's breath (", apart % breath,
                               " ms from a breath's start)"));
    }
  }

  // FULL: the voice is never away longer than kMaxQuietMs, from the first
  // word to the last.
  void CheckPresence() {
    for (size_t i = 1; i < timeline_.cues.size(); ++i) {
      const int64_t quiet = timeline_.cues[i].offset_ms() -
                            timeline_.EndOf(static_cast<int>(i) - 1);
      if (quiet > kMaxQuietMs)
        Fail(timeline_.cues[i],
             absl::StrCat("comes after ", quiet, " ms of silence"));
    }
  }

  void CheckCautions() {
    if (minimal()) return;
    std::set<int> conditions(routine_.conditions().begin(),
                             routine_.conditions().end());
    for (const StepVersion& step : steps_) {
      auto check = [&](const auto& cautions) {
        for (const auto& caution : cautions) {
          if (caution.action() != yoga::catalog::v1::CAUTION_ACTION_MENTION)
            continue;
          const bool applies =
              caution.condition() == yoga::type::v1::CONDITION_UNSPECIFIED ||
              conditions.contains(caution.condition());
          if (applies && !keys_.contains(caution.cue().key()))
            findings_.push_back(absl::StrCat(
                "the caution ", caution.cue().key(), " is never spoken"));
        }
      };
      check(step.pose->cautions());
      if (step.variation != nullptr) check(step.variation->cautions());
    }
  }

  const yoga::type::v1::Routine& routine_;
  const Timeline& timeline_;
  const Verbosity verbosity_;
  std::vector<StepVersion> steps_;
  std::set<std::string> keys_;
  std::vector<std::string> findings_;
};

}  // namespace

std::vector<std::string> CheckGuidance(const catalog::Catalog& catalog,
                                       const yoga::type::v1::Routine& routine,
                                       const Timeline& timeline,
                                       Verbosity verbosity) {
  return Checker(catalog, routine, timeline, verbosity).Run();
}

}  // namespace yoga::session::testing
