#include "client/text/plan_request.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/enum_label.h"
#include "services/common/text_proto_file.h"

namespace yoga::client {
namespace {

using google::protobuf::util::TimeUtil;

// "lower-back" -> BODY_AREA_LOWER_BACK for enum type Enum with prefix.
template <typename Enum>
absl::StatusOr<Enum> ParseName(const std::string& flag,
                               const std::string& name) {
  const auto& type = *google::protobuf::GetEnumDescriptor<Enum>();
  const std::string wanted = absl::AsciiStrToLower(name);
  std::vector<std::string> known;
  for (int i = 1; i < type.value_count(); ++i) {  // 0 is *_UNSPECIFIED.
    const int number = type.value(i)->number();
    std::string label = EnumLabel(type, number, '-');
    if (label == wanted) return static_cast<Enum>(number);
    known.push_back(std::move(label));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, "=", name, ": not one of ", absl::StrJoin(known, ", ")));
}

// --breath=6.5 as a Duration.
google::protobuf::Duration BreathLength(double seconds) {
  return TimeUtil::MillisecondsToDuration(
      static_cast<int64_t>(std::llround(seconds * 1000)));
}

}  // namespace

absl::StatusOr<yoga::planner::v1::ComposeRoutineRequest> MakePlanRequest(
    const PlanOptions& options) {
  yoga::planner::v1::ComposeRoutineRequest request;
  if (!options.preset.empty()) {
    request.set_preset_id(options.preset);
    // The preset at the runner's pace: its breath-counted holds follow it.
    if (options.breath_seconds != 0)
      *request.mutable_breath_length() = BreathLength(options.breath_seconds);
    return request;
  }
  auto& constraints = *request.mutable_constraints();
  if (options.minutes < 2 || options.minutes > 60) {
    return absl::InvalidArgumentError(
        absl::StrCat("--minutes=", options.minutes, ": must be 2 to 60"));
  }
  *constraints.mutable_target_duration() =
      TimeUtil::SecondsToDuration(options.minutes * 60);
  for (const std::string& name : options.focus) {
    auto area = ParseName<yoga::type::v1::BodyArea>("focus", name);
    if (!area.ok()) return area.status();
    constraints.add_focus_areas(*area);
  }
  if (!options.level.empty()) {
    auto level = ParseName<yoga::type::v1::Level>("level", options.level);
    if (!level.ok()) return level.status();
    constraints.set_max_level(*level);
  }
  if (!options.moment.empty()) {
    auto moment =
        ParseName<yoga::planner::v1::Moment>("moment", options.moment);
    if (!moment.ok()) return moment.status();
    constraints.set_moment(*moment);
  }
  constraints.set_no_floor(options.no_floor);
  constraints.set_standing_only(options.standing_only);
  if (!options.props.empty()) {
    auto* props = constraints.mutable_props_available();
    for (const std::string& name : options.props) {
      if (name == "none") continue;
      auto prop = ParseName<yoga::type::v1::Prop>("props", name);
      if (!prop.ok()) return prop.status();
      props->add_props(*prop);
    }
  }
  for (const std::string& id : options.exclude)
    constraints.add_excluded_pose_ids(id);
  for (const std::string& name : options.conditions) {
    auto condition = ParseName<yoga::type::v1::Condition>("condition", name);
    if (!condition.ok()) return condition.status();
    constraints.add_conditions(*condition);
  }
  if (options.breath_seconds != 0)
    *constraints.mutable_breath_length() = BreathLength(options.breath_seconds);
  constraints.set_seed(options.seed);
  return request;
}

absl::StatusOr<yoga::session::v1::StartSessionRequest> MakeSessionRequest(
    const SessionRequestOptions& options) {
  yoga::session::v1::StartSessionRequest request;
  if (!options.routine_file.empty()) {
    auto file =
        ReadTextProtoFile<yoga::type::v1::Routine>(options.routine_file);
    if (!file.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--routine: ", file.status().message()));
    }
    *request.mutable_routine() = std::move(file->message);
  } else {
    auto compose = MakePlanRequest(options.plan);
    if (!compose.ok()) return compose.status();
    *request.mutable_compose() = *std::move(compose);
  }
  auto& session_options = *request.mutable_options();
  if (!options.verbosity.empty()) {
    auto verbosity =
        ParseName<yoga::session::v1::Verbosity>("verbosity", options.verbosity);
    if (!verbosity.ok()) return verbosity.status();
    session_options.set_verbosity(*verbosity);
  }
  if (options.lead_in_seconds >= 0) {
    *session_options.mutable_lead_in() = TimeUtil::MillisecondsToDuration(
        std::llround(options.lead_in_seconds * 1000));
  }
  request.set_profile_id(options.profile_id);
  return request;
}

}  // namespace yoga::client
