// Plain-text views of catalog poses for the terminal: a one-line-per-pose table
// and a full sheet of one pose with every cue it can speak.
#ifndef YOGA_CLIENT_TEXT_POSE_TEXT_H_
#define YOGA_CLIENT_TEXT_POSE_TEXT_H_

#include <string>
#include <vector>

#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/type/v1/practice.pb.h"

namespace yoga::client {

// "30-60 s (usually 45)", "5 breaths", "10 repetitions".
std::string DescribeHold(const yoga::type::v1::HoldRange& hold);

// A table: id, name, position, kind, level, hold, sides.
std::string FormatPoseTable(const std::vector<yoga::catalog::v1::Pose>& poses);

// Everything about one pose, cues in speaking order, variations after.
std::string FormatPoseSheet(const yoga::catalog::v1::Pose& pose);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_TEXT_POSE_TEXT_H_
