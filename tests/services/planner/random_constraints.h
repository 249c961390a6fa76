// Random composing requests that pass field validation, for property tests
// of the planner and of everything downstream of it (timelines).
#ifndef YOGA_TESTS_SERVICES_PLANNER_RANDOM_CONSTRAINTS_H_
#define YOGA_TESTS_SERVICES_PLANNER_RANDOM_CONSTRAINTS_H_

#include <random>

#include "google/protobuf/util/time_util.h"
#include "tests/services/planner/planner_test_catalog.h"
#include "yoga/planner/v1/planner_service.pb.h"

namespace yoga::planner::testing {

// A random request that passes field validation.
inline yoga::planner::v1::Constraints RandomConstraints(
    std::mt19937_64& random) {
  const auto& catalog = ShippedCatalog();
  auto coin = [&](int percent) {
    return static_cast<int>(random() % 100) < percent;
  };
  yoga::planner::v1::Constraints constraints;
  for (int area = 1; area <= 17; ++area) {
    if (coin(12))
      constraints.add_focus_areas(static_cast<yoga::type::v1::BodyArea>(area));
  }
  *constraints.mutable_target_duration() =
      google::protobuf::util::TimeUtil::SecondsToDuration(
          120 + static_cast<int64_t>(random() % (3600 - 120 + 1)));
  constraints.set_max_level(static_cast<yoga::type::v1::Level>(random() % 4));
  constraints.set_moment(static_cast<yoga::planner::v1::Moment>(random() % 4));
  if (coin(40)) {
    auto* props = constraints.mutable_props_available();
    for (int prop = 1; prop <= 6; ++prop) {
      if (coin(50)) props->add_props(static_cast<yoga::type::v1::Prop>(prop));
    }
  }
  constraints.set_no_floor(coin(25));
  while (coin(20)) {
    constraints.add_excluded_pose_ids(
        catalog.poses()[random() % catalog.poses().size()].id());
  }
  for (int condition = 1; condition <= 5; ++condition) {
    if (coin(10))
      constraints.add_conditions(
          static_cast<yoga::type::v1::Condition>(condition));
  }
  if (coin(50)) {
    *constraints.mutable_breath_length() =
        google::protobuf::util::TimeUtil::MillisecondsToDuration(
            3000 + static_cast<int64_t>(random() % 5001));
  }
  constraints.set_seed(random());
  // From the seed rather than a new draw, so every other field stays what it
  // was for the tests downstream that replay these requests.
  constraints.set_standing_only(constraints.seed() % 10 == 0);
  return constraints;
}

}  // namespace yoga::planner::testing

#endif  // YOGA_TESTS_SERVICES_PLANNER_RANDOM_CONSTRAINTS_H_
