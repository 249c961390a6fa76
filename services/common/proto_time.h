// google.protobuf.Duration <-> absl::Duration and google.protobuf.Timestamp
// <-> absl::Time. Conversion from the proto saturates (a partner may send any
// 64-bit seconds), so range checks on the result are safe; the proto's own
// helpers overflow on such values.
#ifndef YOGA_SERVICES_COMMON_PROTO_TIME_H_
#define YOGA_SERVICES_COMMON_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace yoga {

inline absl::Duration FromProtoDuration(
    const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

inline google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration proto;
  const int64_t seconds =
      absl::IDivDuration(duration, absl::Seconds(1), &duration);
  proto.set_seconds(seconds);
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(duration)));
  return proto;
}

inline absl::Time FromProtoTimestamp(
    const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

inline google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  google::protobuf::Timestamp proto;
  const absl::Duration since_epoch = time - absl::UnixEpoch();
  absl::Duration rest;
  const int64_t seconds =
      absl::IDivDuration(since_epoch, absl::Seconds(1), &rest);
  // Timestamps keep nanos non-negative: 1.5 s before the epoch is -2 s + 0.5.
  if (rest < absl::ZeroDuration()) {
    proto.set_seconds(seconds - 1);
    rest += absl::Seconds(1);
  } else {
    proto.set_seconds(seconds);
  }
  proto.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rest)));
  return proto;
}

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_PROTO_TIME_H_
