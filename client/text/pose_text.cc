#include "client/text/pose_text.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "services/common/enum_label.h"
#include "yoga/type/v1/anatomy.pb.h"

namespace yoga::client {
namespace {

using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;

template <typename Enum>
std::string Label(Enum value) {
  return EnumLabel<Enum>(value);
}

template <typename Enum, typename Values>
std::string Labels(const Values& values) {
  std::vector<std::string> labels;
  for (int value : values) labels.push_back(Label(static_cast<Enum>(value)));
  return labels.empty() ? "-" : absl::StrJoin(labels, ", ");
}

void AppendCues(std::string& out, absl::string_view title,
                const google::protobuf::RepeatedPtrField<Cue>& cues,
                absl::string_view indent) {
  if (cues.empty()) return;
  absl::StrAppend(&out, indent, title, ":\n");
  for (const Cue& cue : cues) {
    std::string marks;
    if (cue.side() != yoga::type::v1::SIDE_UNSPECIFIED) {
      absl::StrAppend(&marks, "[", Label(cue.side()), "] ");
    }
    if (cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED) {
      absl::StrAppend(&marks, "(", Label(cue.breath()), ") ");
    }
    absl::StrAppend(&out, indent, "  - ", marks, cue.text(), "  {", cue.key(),
                    "}\n");
  }
}

}  // namespace

std::string DescribeHold(const yoga::type::v1::HoldRange& hold) {
  std::string unit;
  switch (hold.unit()) {
    case yoga::type::v1::HOLD_UNIT_SECONDS:
      unit = "s";
      break;
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      unit = "breaths";
      break;
    case yoga::type::v1::HOLD_UNIT_REPETITIONS:
      unit = "repetitions";
      break;
    default:
      return "-";
  }
  if (hold.min_count() == hold.max_count())
    return absl::StrCat(hold.default_count(), " ", unit);
  return absl::StrCat(hold.min_count(), "-", hold.max_count(), " ", unit,
                      " (usually ", hold.default_count(), ")");
}

std::string FormatPoseTable(const std::vector<Pose>& poses) {
  std::string out =
      absl::StrFormat("%-28s %-32s %-9s %-14s %-12s %-30s %s\n", "ID", "NAME",
                      "POSITION", "KIND", "LEVEL", "HOLD", "SIDES");
  for (const Pose& pose : poses) {
    absl::StrAppendFormat(
        &out, "%-28s %-32s %-9s %-14s %-12s %-30s %s\n", pose.id(), pose.name(),
        Label(pose.position()), Label(pose.kind()), Label(pose.level()),
        DescribeHold(pose.hold()), pose.sided() ? "both" : "-");
  }
  return out;
}

std::string FormatPoseSheet(const Pose& pose) {
  std::string out = absl::StrCat(pose.name());
  if (!pose.sanskrit_name().empty())
    absl::StrAppend(&out, " (", pose.sanskrit_name(), ")");
  absl::StrAppend(&out, "  [", pose.id(), "]\n");
  if (!pose.aliases().empty())
    absl::StrAppend(&out, "Also: ", absl::StrJoin(pose.aliases(), ", "), "\n");
  absl::StrAppend(&out, pose.benefit(), "\n");
  absl::StrAppend(
      &out, "Position: ", Label(pose.position()),
      "; kind: ", Label(pose.kind()), "; level: ", Label(pose.level()),
      "; spine: ", Labels<yoga::type::v1::SpinalAction>(pose.spinal_actions()),
      "\n");
  absl::StrAppend(
      &out, "Stretches: ", Labels<yoga::type::v1::BodyArea>(pose.stretches()),
      "; strengthens: ", Labels<yoga::type::v1::BodyArea>(pose.strengthens()),
      "\n");
  absl::StrAppend(&out, "Hold: ", DescribeHold(pose.hold()),
                  pose.sided() ? ", each side" : "",
                  pose.needs_floor() ? "; lies on the floor" : "", "\n");
  for (const auto& use : pose.props()) {
    absl::StrAppend(
        &out, "Prop: ", Label(use.prop()), use.required() ? " (required)" : "",
        use.purpose().empty() ? "" : absl::StrCat(": ", use.purpose()), "\n");
  }
  AppendCues(out, "Setup", pose.setup_cues(), "");
  AppendCues(out, "Hold", pose.hold_cues(), "");
  AppendCues(out, "Release", pose.release_cues(), "");
  for (const auto& caution : pose.cautions()) {
    absl::StrAppend(&out, "Caution (", Label(caution.condition()), ", ",
                    Label(caution.action()),
                    caution.variation_id().empty()
                        ? ""
                        : absl::StrCat(" ", caution.variation_id()),
                    "): ", caution.cue().text(), "\n");
  }
  for (const auto& variation : pose.variations()) {
    absl::StrAppend(&out, "Variation: ", variation.name(), "  [",
                    variation.id(), "], ", Label(variation.level()));
    if (variation.has_hold())
      absl::StrAppend(&out, ", hold ", DescribeHold(variation.hold()));
    absl::StrAppend(&out, "\n");
    if (!variation.benefit().empty())
      absl::StrAppend(&out, "    ", variation.benefit(), "\n");
    AppendCues(out, "Setup", variation.setup_cues(), "    ");
    AppendCues(out, "Hold", variation.hold_cues(), "    ");
    AppendCues(out, "Release", variation.release_cues(), "    ");
  }
  for (const auto& alternative : pose.alternatives()) {
    absl::StrAppend(&out, "Instead (", Label(alternative.reason()),
                    "): ", alternative.pose_id(),
                    alternative.variation_id().empty()
                        ? ""
                        : absl::StrCat(" / ", alternative.variation_id()),
                    "\n");
  }
  if (!pose.counterposes().empty()) {
    absl::StrAppend(
        &out, "Counterposes: ", absl::StrJoin(pose.counterposes(), ", "), "\n");
  }
  absl::StrAppend(&out, "Sources: ", absl::StrJoin(pose.sources(), ", "), "\n");
  return out;
}

}  // namespace yoga::client
