#include "services/catalog/catalog_validation.h"

#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "services/catalog/effective_pose.h"
#include "services/common/slug.h"
#include "yoga/type/v1/anatomy.pb.h"
#include "yoga/type/v1/practice.pb.h"

namespace yoga::catalog {
namespace {

using google::protobuf::RepeatedField;
using google::protobuf::RepeatedPtrField;
using yoga::catalog::v1::Caution;
using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;
using yoga::catalog::v1::PropUse;
using yoga::catalog::v1::Variation;
using yoga::type::v1::HoldRange;

bool IsSeedFileName(absl::string_view name) {
  // NNN_<16 hex>.txt
  if (name.size() != 3 + 1 + 16 + 4 || !absl::EndsWith(name, ".txt") ||
      name[3] != '_') {
    return false;
  }
  for (int i = 0; i < 3; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  for (int i = 4; i < 20; ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Where a cue list sits: the path to it, whose it is, and which phase.
struct CueListPlace {
  FieldPath path;  // Path to the repeated field itself.
  std::vector<std::string>
      owners;               // Allowed key prefixes (pose id, variation id).
  absl::string_view phase;  // "setup", "hold", "release" or "caution".
  bool sided;
};

class Validator {
 public:
  explicit Validator(const std::vector<PoseFile>& files) : files_(files) {}

  std::vector<std::string> Run() {
    IndexIds();
    for (const PoseFile& file : files_) CheckPose(file);
    return std::move(problems_);
  }

 private:
  void Report(const PoseFile& file, const FieldPath& path,
              absl::string_view reason) {
    problems_.push_back(
        absl::StrCat(file.path, ":", file.LineOf(path), ": ", reason));
  }

  // First pass: every pose and variation id, so references can be checked.
  void IndexIds() {
    for (const PoseFile& file : files_) {
      const Pose& pose = file.message;
      poses_by_id_.emplace(pose.id(), &pose);
      if (!pose.id().empty() && !pose_ids_.insert(pose.id()).second) {
        Report(file, {{"id"}},
               absl::StrCat("duplicate pose id \"", pose.id(), "\""));
      }
      for (const Variation& variation : pose.variations()) {
        variation_owner_.emplace(variation.id(), pose.id());
      }
    }
  }

  void CheckEnumList(const PoseFile& file, absl::string_view field,
                     const RepeatedField<int>& values, bool required) {
    if (required && values.empty()) {
      Report(file, {{field}}, absl::StrCat(field, " needs at least one value"));
    }
    std::set<int> seen;
    for (int i = 0; i < values.size(); ++i) {
      if (values[i] == 0) {
        Report(file, {{field, i}},
               absl::StrCat(field, " must not hold the UNSPECIFIED value"));
      } else if (!seen.insert(values[i]).second) {
        Report(file, {{field, i}}, absl::StrCat(field, " lists a value twice"));
      }
    }
  }

  void CheckHold(const PoseFile& file, const FieldPath& path,
                 const HoldRange& hold) {
    auto at = [&](absl::string_view field) {
      FieldPath p = path;
      p.push_back({field});
      return p;
    };
    if (hold.unit() == yoga::type::v1::HOLD_UNIT_UNSPECIFIED) {
      Report(file, at("unit"), "hold.unit is required");
      return;
    }
    if (hold.min_count() == 0 || hold.default_count() == 0 ||
        hold.max_count() == 0) {
      Report(file, path, "hold counts must all be above zero");
    }
    if (hold.min_count() > hold.max_count()) {
      Report(file, at("min_count"),
             absl::StrCat("hold.min_count ", hold.min_count(),
                          " is greater than max_count ", hold.max_count()));
    } else if (hold.default_count() < hold.min_count() ||
               hold.default_count() > hold.max_count()) {
      Report(file, at("default_count"),
             absl::StrCat("hold.default_count ", hold.default_count(),
                          " is outside [", hold.min_count(), ", ",
                          hold.max_count(), "]"));
    }
    if (hold.unit() == yoga::type::v1::HOLD_UNIT_REPETITIONS &&
        hold.breaths_per_repetition() == 0) {
      Report(file, at("breaths_per_repetition"),
             "hold in repetitions needs breaths_per_repetition");
    }
  }

  void CheckProps(const PoseFile& file, const FieldPath& path,
                  const RepeatedPtrField<PropUse>& props) {
    std::set<int> seen;
    for (int i = 0; i < props.size(); ++i) {
      FieldPath p = path;
      p.back().index = i;
      if (props[i].prop() == yoga::type::v1::PROP_UNSPECIFIED) {
        Report(file, p, "props[].prop is required");
      } else if (!seen.insert(props[i].prop()).second) {
        Report(file, p,
               absl::StrCat("prop ", yoga::type::v1::Prop_Name(props[i].prop()),
                            " is listed twice"));
      }
    }
  }

  void CheckCue(const PoseFile& file, const FieldPath& path, const Cue& cue,
                const CueListPlace& place) {
    if (cue.key().empty()) {
      Report(file, path, "cue has no key");
      return;
    }
    bool owned = false;
    for (const std::string& owner : place.owners) {
      const std::string prefix = absl::StrCat(owner, ".", place.phase, ".");
      if (absl::StartsWith(cue.key(), prefix) &&
          IsSlug(cue.key().substr(prefix.size()))) {
        owned = true;
      }
    }
    if (!owned) {
      Report(file, path,
             absl::StrCat("cue key \"", cue.key(), "\" must be \"",
                          place.owners.back(), ".", place.phase, ".<slug>\""));
    }
    if (cue.text().empty()) {
      Report(file, path, absl::StrCat("cue \"", cue.key(), "\" has no text"));
    }
    if (cue.side() != yoga::type::v1::SIDE_UNSPECIFIED && !place.sided) {
      Report(file, path,
             absl::StrCat("cue \"", cue.key(),
                          "\" has a side but the pose is not sided"));
    }
    // A key names one recording, so every use of it must say the same words.
    auto [first, inserted] = first_use_of_key_.emplace(
        cue.key(),
        KeyUse{cue.text(), absl::StrCat(file.path, ":", file.LineOf(path))});
    if (!inserted && first->second.text != cue.text()) {
      Report(file, path,
             absl::StrCat("cue key \"", cue.key(),
                          "\" has a different text at ", first->second.where));
    }
  }

  void CheckCueList(const PoseFile& file, const RepeatedPtrField<Cue>& cues,
                    const CueListPlace& place) {
    std::set<std::string> keys;
    int right = 0;
    int left = 0;
    for (int i = 0; i < cues.size(); ++i) {
      FieldPath path = place.path;
      path.back().index = i;
      CheckCue(file, path, cues[i], place);
      if (!cues[i].key().empty() && !keys.insert(cues[i].key()).second) {
        Report(file, path,
               absl::StrCat("duplicate cue key \"", cues[i].key(), "\""));
      }
      if (cues[i].side() == yoga::type::v1::SIDE_RIGHT) ++right;
      if (cues[i].side() == yoga::type::v1::SIDE_LEFT) ++left;
    }
    if (right != left) {
      Report(file, place.path,
             absl::StrCat(place.path.back().field, " has ", right,
                          " SIDE_RIGHT cues but ", left, " SIDE_LEFT cues"));
    }
  }

  void CheckCautions(const PoseFile& file, const FieldPath& path,
                     const RepeatedPtrField<Caution>& cautions,
                     const Pose& pose, const std::vector<std::string>& owners,
                     bool sided) {
    for (int i = 0; i < cautions.size(); ++i) {
      FieldPath caution_path = path;
      caution_path.back().index = i;
      const Caution& caution = cautions[i];
      if (caution.action() == yoga::catalog::v1::CAUTION_ACTION_UNSPECIFIED) {
        Report(file, caution_path, "caution.action is required");
      } else if (caution.action() !=
                     yoga::catalog::v1::CAUTION_ACTION_MENTION &&
                 caution.condition() == yoga::type::v1::CONDITION_UNSPECIFIED) {
        // Avoiding or swapping a pose for everyone would make the pose
        // pointless.
        Report(file, caution_path,
               absl::StrCat(
                   yoga::catalog::v1::CautionAction_Name(caution.action()),
                   " needs a condition"));
      }
      const bool uses_variation =
          caution.action() == yoga::catalog::v1::CAUTION_ACTION_USE_VARIATION;
      if (uses_variation && caution.variation_id().empty()) {
        Report(file, caution_path,
               "CAUTION_ACTION_USE_VARIATION needs variation_id");
      } else if (!uses_variation && !caution.variation_id().empty()) {
        Report(file, caution_path,
               "variation_id goes only with CAUTION_ACTION_USE_VARIATION");
      } else if (uses_variation &&
                 !IsVariationOf(caution.variation_id(), pose.id())) {
        Report(file, caution_path,
               absl::StrCat("unknown variation \"", caution.variation_id(),
                            "\" of pose \"", pose.id(), "\""));
      }
      if (!caution.has_cue()) {
        Report(file, caution_path, "caution needs a cue to speak");
      } else {
        FieldPath cue_path = caution_path;
        cue_path.push_back({"cue"});
        CheckCue(file, cue_path, caution.cue(),
                 {cue_path, owners, "caution", sided});
      }
    }
  }

  void CheckSources(const PoseFile& file, const FieldPath& path,
                    const RepeatedPtrField<std::string>& sources,
                    bool required) {
    if (required && sources.empty()) {
      Report(file, path, "sources must name at least one seed file");
    }
    for (int i = 0; i < sources.size(); ++i) {
      FieldPath p = path;
      p.back().index = i;
      if (!IsSeedFileName(sources[i])) {
        Report(file, p,
               absl::StrCat(
                   "source \"", sources[i],
                   "\" is not a seed file name (NNN_<16 hex digits>.txt)"));
      }
    }
  }

  // True when the pose (or variation) an alternative names lies on the floor;
  // false when it names nothing known (reported elsewhere).
  bool AlternativeNeedsFloor(
      const yoga::catalog::v1::Alternative& alternative) const {
    auto it = poses_by_id_.find(alternative.pose_id());
    if (it == poses_by_id_.end()) return false;
    const Pose& target = *it->second;
    if (alternative.variation_id().empty()) return target.needs_floor();
    for (const Variation& variation : target.variations()) {
      if (variation.id() == alternative.variation_id())
        return NeedsFloor(target, variation);
    }
    return false;
  }

  bool IsVariationOf(const std::string& variation_id,
                     const std::string& pose_id) const {
    auto it = variation_owner_.find(variation_id);
    return it != variation_owner_.end() && it->second == pose_id;
  }

  void CheckVariation(const PoseFile& file, int index,
                      std::set<std::string>& ids) {
    const Pose& pose = file.message;
    const Variation& variation = pose.variations(index);
    const FieldPath path = {{"variations", index}};
    auto at = [&](absl::string_view field, int i = -1) {
      FieldPath p = path;
      p.push_back({field, i});
      return p;
    };
    if (!IsSlug(variation.id())) {
      Report(file, at("id"),
             absl::StrCat("variation id \"", variation.id(),
                          "\" must be a slug (a-z, 0-9, single dashes)"));
    } else if (!absl::StartsWith(variation.id(), pose.id() + "-")) {
      Report(file, at("id"),
             absl::StrCat("variation id \"", variation.id(),
                          "\" must start with \"", pose.id(), "-\""));
    }
    if (!variation.id().empty() && (pose_ids_.contains(variation.id()) ||
                                    !ids.insert(variation.id()).second)) {
      Report(file, at("id"),
             absl::StrCat("duplicate id \"", variation.id(), "\""));
    }
    if (variation.name().empty())
      Report(file, at("name"), "variation name is required");
    if (variation.level() == yoga::type::v1::LEVEL_UNSPECIFIED) {
      Report(file, at("level"), "variation level is required");
    }
    if (variation.has_hold()) CheckHold(file, at("hold"), variation.hold());
    CheckProps(file, at("props", 0), variation.props());
    const bool sided = IsSided(pose, variation);
    const std::vector<std::string> owners = {pose.id(), variation.id()};
    CheckCueList(file, variation.setup_cues(),
                 {at("setup_cues", 0), owners, "setup", sided});
    CheckCueList(file, variation.hold_cues(),
                 {at("hold_cues", 0), owners, "hold", sided});
    CheckCueList(file, variation.release_cues(),
                 {at("release_cues", 0), owners, "release", sided});
    CheckCautions(file, at("cautions", 0), variation.cautions(), pose, owners,
                  sided);
    for (int i = 0; i < variation.spinal_actions_size(); ++i) {
      if (variation.spinal_actions(i) == 0) {
        Report(file, at("spinal_actions", i),
               "spinal_actions must not hold the UNSPECIFIED value");
      }
    }
    CheckSources(file, at("sources", 0), variation.sources(),
                 /*required=*/false);
  }

  // Text format accepts any number for an open (proto3) enum; only named values
  // mean something, so every enum field anywhere in the pose is checked.
  void CheckEnumValuesKnown(const PoseFile& file,
                            const google::protobuf::Message& message,
                            const FieldPath& path) {
    using google::protobuf::FieldDescriptor;
    const google::protobuf::Reflection* reflection = message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      const int count =
          field->is_repeated() ? reflection->FieldSize(message, field) : 1;
      for (int i = 0; i < count; ++i) {
        FieldPath at = path;
        at.push_back({field->name(), field->is_repeated() ? i : -1});
        if (field->type() == FieldDescriptor::TYPE_ENUM) {
          const int value =
              field->is_repeated()
                  ? reflection->GetRepeatedEnumValue(message, field, i)
                  : reflection->GetEnumValue(message, field);
          if (field->enum_type()->FindValueByNumber(value) == nullptr) {
            Report(file, at,
                   absl::StrCat(field->name(), ": unknown ",
                                field->enum_type()->name(), " value ", value));
          }
        } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          CheckEnumValuesKnown(
              file,
              field->is_repeated()
                  ? reflection->GetRepeatedMessage(message, field, i)
                  : reflection->GetMessage(message, field),
              at);
        }
      }
    }
  }

  void CheckPose(const PoseFile& file) {
    const Pose& pose = file.message;
    CheckEnumValuesKnown(file, pose, {});
    const std::string stem = std::filesystem::path(file.path).stem().string();
    if (!IsSlug(pose.id())) {
      Report(file, {{"id"}},
             absl::StrCat("id \"", pose.id(),
                          "\" must be a slug (a-z, 0-9, single dashes)"));
    } else if (pose.id() != stem) {
      Report(file, {{"id"}},
             absl::StrCat("id \"", pose.id(), "\" must match the file name \"",
                          stem, ".textproto\""));
    }
    if (pose.name().empty()) Report(file, {{"name"}}, "name is required");
    if (pose.position() == yoga::type::v1::BODY_POSITION_UNSPECIFIED) {
      Report(file, {{"position"}}, "position is required");
    }
    if (pose.kind() == yoga::catalog::v1::POSE_KIND_UNSPECIFIED) {
      Report(file, {{"kind"}}, "kind is required");
    }
    if (pose.level() == yoga::type::v1::LEVEL_UNSPECIFIED) {
      Report(file, {{"level"}}, "level is required");
    }
    CheckEnumList(file, "stretches", pose.stretches(), false);
    CheckEnumList(file, "strengthens", pose.strengthens(), false);
    CheckEnumList(file, "spinal_actions", pose.spinal_actions(), true);
    if (pose.stretches().empty() && pose.strengthens().empty()) {
      Report(file, {{"stretches"}},
             "a pose must stretch or strengthen at least one area");
    }
    if (!pose.has_hold()) {
      Report(file, {{"hold"}}, "hold is required");
    } else {
      CheckHold(file, {{"hold"}}, pose.hold());
    }
    CheckProps(file, {{"props", 0}}, pose.props());

    const std::vector<std::string> owners = {pose.id()};
    if (pose.setup_cues().empty())
      Report(file, {{"setup_cues"}}, "at least one setup cue is required");
    CheckCueList(file, pose.setup_cues(),
                 {{{"setup_cues", 0}}, owners, "setup", pose.sided()});
    CheckCueList(file, pose.hold_cues(),
                 {{{"hold_cues", 0}}, owners, "hold", pose.sided()});
    CheckCueList(file, pose.release_cues(),
                 {{{"release_cues", 0}}, owners, "release", pose.sided()});

    for (int i = 0; i < pose.variations_size(); ++i)
      CheckVariation(file, i, variation_ids_);
    CheckCautions(file, {{"cautions", 0}}, pose.cautions(), pose, owners,
                  pose.sided());

    for (int i = 0; i < pose.alternatives_size(); ++i) {
      const auto& alternative = pose.alternatives(i);
      const FieldPath path = {{"alternatives", i}};
      // A pose may point at one of its own variations ("half salutation if no
      // floor"), never at itself.
      if (alternative.pose_id() == pose.id() &&
          alternative.variation_id().empty()) {
        Report(file, path,
               "a pose cannot be its own alternative (name one of its "
               "variations)");
      } else if (!pose_ids_.contains(alternative.pose_id())) {
        Report(file, path,
               absl::StrCat("unknown pose id \"", alternative.pose_id(),
                            "\" in alternatives"));
      } else if (!alternative.variation_id().empty() &&
                 !IsVariationOf(alternative.variation_id(),
                                alternative.pose_id())) {
        Report(file, path,
               absl::StrCat("unknown variation \"", alternative.variation_id(),
                            "\" of pose \"", alternative.pose_id(), "\""));
      }
      if (alternative.reason() ==
              yoga::catalog::v1::ALTERNATIVE_REASON_NO_FLOOR &&
          AlternativeNeedsFloor(alternative)) {
        Report(file, path,
               "a NO_FLOOR alternative must not lie on the floor itself");
      }
      if (alternative.reason() ==
          yoga::catalog::v1::ALTERNATIVE_REASON_UNSPECIFIED) {
        Report(file, path, "alternative reason is required");
      } else if (alternative.reason() ==
                     yoga::catalog::v1::ALTERNATIVE_REASON_CONDITION &&
                 alternative.condition() ==
                     yoga::type::v1::CONDITION_UNSPECIFIED) {
        Report(file, path, "ALTERNATIVE_REASON_CONDITION needs a condition");
      }
    }
    std::set<std::string> counterposes;
    for (int i = 0; i < pose.counterposes_size(); ++i) {
      const std::string& id = pose.counterposes(i);
      if (id == pose.id()) {
        Report(file, {{"counterposes", i}},
               "a pose cannot be its own counterpose");
      } else if (!pose_ids_.contains(id)) {
        Report(file, {{"counterposes", i}},
               absl::StrCat("unknown pose id \"", id, "\" in counterposes"));
      } else if (!counterposes.insert(id).second) {
        Report(file, {{"counterposes", i}},
               absl::StrCat("counterpose \"", id, "\" listed twice"));
      }
    }
    CheckSources(file, {{"sources", 0}}, pose.sources(), /*required=*/true);
  }

  const std::vector<PoseFile>& files_;
  std::vector<std::string> problems_;
  std::set<std::string> pose_ids_;
  std::map<std::string, const Pose*> poses_by_id_;
  std::set<std::string> variation_ids_;
  std::map<std::string, std::string>
      variation_owner_;  // variation id -> pose id
  struct KeyUse {
    std::string text;
    std::string where;  // "path:line"
  };
  std::map<std::string, KeyUse> first_use_of_key_;
};

}  // namespace

std::vector<std::string> ValidateCatalog(const std::vector<PoseFile>& files) {
  return Validator(files).Run();
}

std::vector<std::string> ValidatePoses(const std::vector<Pose>& poses) {
  std::vector<PoseFile> files;
  files.reserve(poses.size());
  for (const Pose& pose : poses) {
    PoseFile file;
    file.path = pose.id() + ".textproto";
    file.message = pose;
    files.push_back(std::move(file));
  }
  return ValidateCatalog(files);
}

}  // namespace yoga::catalog
