#include "services/catalog/pose_query.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "services/common/page_token.h"
#include "services/common/slug.h"

namespace yoga::catalog {
namespace {

using yoga::catalog::v1::GetPoseRequest;
using yoga::catalog::v1::ListPosesRequest;
using yoga::catalog::v1::ListPosesResponse;
using yoga::catalog::v1::Pose;

// Filters are lists of enum values; more than this is a mistake.
constexpr int kMaxFilterValues = 32;

// The filters of a request, normalised, as a short hash: tokens carry it so a
// token cannot be replayed against other filters.
std::string FilterHash(const ListPosesRequest& request) {
  ListPosesRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  auto sort = [](google::protobuf::RepeatedField<int>* values) {
    std::sort(values->begin(), values->end());
  };
  sort(filters.mutable_target_areas());
  sort(filters.mutable_positions());
  sort(filters.mutable_kinds());
  if (filters.has_props_available())
    sort(filters.mutable_props_available()->mutable_props());
  return ContentHashOf(filters);
}

bool Matches(const Pose& pose, const ListPosesRequest& request) {
  auto contains = [](const auto& values, int value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  };
  if (!request.target_areas().empty()) {
    bool any = false;
    for (int area : request.target_areas()) {
      any = any || contains(pose.stretches(), area) ||
            contains(pose.strengthens(), area);
    }
    if (!any) return false;
  }
  if (!request.positions().empty() &&
      !contains(request.positions(), pose.position())) {
    return false;
  }
  if (!request.kinds().empty() && !contains(request.kinds(), pose.kind()))
    return false;
  if (request.max_level() != 0 && pose.level() > request.max_level())
    return false;
  if (request.has_props_available()) {
    for (const auto& use : pose.props()) {
      if (use.required() &&
          !contains(request.props_available().props(), use.prop())) {
        return false;
      }
    }
  }
  if (request.has_needs_floor() && pose.needs_floor() != request.needs_floor())
    return false;
  return true;
}

}  // namespace

absl::StatusOr<Pose> GetPose(const Catalog& catalog,
                             const GetPoseRequest& request) {
  FieldViolations violations;
  if (request.id().empty()) {
    violations.Add("id", "is required");
  } else if (!IsSlug(request.id())) {
    violations.Add(
        "id",
        "must be a pose id such as \"downward-facing-dog\": lower-case words "
        "joined by single dashes, at most 64 characters");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  if (const Pose* pose = catalog.FindPose(request.id())) return *pose;
  if (const Pose* owner = catalog.FindPoseOfVariation(request.id())) {
    return WithReason(
        absl::NotFoundError(absl::StrCat("no pose \"", request.id(),
                                         "\"; it is a variation of pose \"",
                                         owner->id(), "\"")),
        "POSE_NOT_FOUND");
  }
  return WithReason(
      absl::NotFoundError(absl::StrCat("no pose \"", request.id(), "\"")),
      "POSE_NOT_FOUND");
}

absl::StatusOr<ListPosesResponse> ListPoses(const Catalog& catalog,
                                            const ListPosesRequest& request) {
  FieldViolations violations;
  if (request.page_size() < 0)
    violations.Add("page_size", "must not be negative");
  CheckEnumList(request.target_areas(), "target_areas",
                yoga::type::v1::BodyArea_IsValid, kMaxFilterValues, violations);
  CheckEnumList(request.positions(), "positions",
                yoga::type::v1::BodyPosition_IsValid, kMaxFilterValues,
                violations);
  CheckEnumList(request.kinds(), "kinds", yoga::catalog::v1::PoseKind_IsValid,
                kMaxFilterValues, violations);
  if (!yoga::type::v1::Level_IsValid(request.max_level())) {
    violations.Add("max_level",
                   absl::StrCat("unknown value ", request.max_level()));
  }
  if (request.has_props_available()) {
    CheckEnumList(request.props_available().props(), "props_available.props",
                  yoga::type::v1::Prop_IsValid, kMaxFilterValues, violations);
  }
  const std::string filter_hash = FilterHash(request);
  const std::string after_id =
      ReadPageToken(request.page_token(), filter_hash,
                    "was issued for different filters; start again without it",
                    violations)
          .value_or("");
  if (!after_id.empty() && !IsSlug(after_id))
    violations.Add("page_token", "is not a token this server made");
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  const int page_size = request.page_size() == 0
                            ? kDefaultPageSize
                            : std::min(request.page_size(), kMaxPageSize);
  ListPosesResponse response;
  response.set_etag(catalog.etag());
  int total = 0;
  for (const Pose& pose : catalog.poses()) {
    if (!Matches(pose, request)) continue;
    ++total;
    if (pose.id() <= after_id) continue;
    if (response.poses_size() < page_size) {
      *response.add_poses() = pose;
    } else if (response.next_page_token().empty()) {
      response.set_next_page_token(
          MakePageToken(filter_hash, response.poses().rbegin()->id()));
    }
  }
  response.set_total_size(total);
  return response;
}

}  // namespace yoga::catalog
