// google.protobuf.Duration <-> absl::Duration. Conversion from the proto
// saturates (a partner may send any 64-bit seconds), so range checks on the
// result are safe; the proto's own helpers overflow on such values.
#ifndef YOGA_SERVICES_COMMON_PROTO_TIME_H_
#define YOGA_SERVICES_COMMON_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"

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

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_PROTO_TIME_H_
