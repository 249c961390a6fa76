// A routine as a runner reads it before pressing play: each step with its
// start time, pose, side, hold and why it is there.
#ifndef YOGA_CLIENT_TEXT_ROUTINE_TEXT_H_
#define YOGA_CLIENT_TEXT_ROUTINE_TEXT_H_

#include <cstdint>
#include <map>
#include <string>

#include "yoga/planner/v1/planner_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::client {

// "m:ss" of a number of seconds: 605 -> "10:05".
std::string FormatMinutes(int64_t seconds);

// `names` maps pose and variation ids to names; unknown ids print as ids.
std::string FormatRoutine(const yoga::type::v1::Routine& routine,
                          const std::map<std::string, std::string>& names);

// One line per preset: id, length, source and title.
std::string FormatPresets(
    const yoga::planner::v1::ListPresetsResponse& presets);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_TEXT_ROUTINE_TEXT_H_
