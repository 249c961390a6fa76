// A flow's round laid on the breath: which half breath each movement of a
// repetition hold takes (cat-cow: out, round; in, arch), and how long each
// may speak. Internal to the session's timeline.
#ifndef YOGA_SERVICES_SESSION_FLOW_BEATS_H_
#define YOGA_SERVICES_SESSION_FLOW_BEATS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/type/v1/anatomy.pb.h"

namespace yoga::session {

// A movement of a flow and the half breaths it has in each round.
struct Beat {
  const yoga::catalog::v1::Cue* cue;
  int slot;  // Half breaths from the round's start.
  int span;  // Half breaths until the next beat.
  const yoga::catalog::v1::Cue* holding =
      nullptr;  // Said on its second half breath, if any.
};

// Lays a flow's movements on the half breaths of one round of
// `breaths_per_round` breaths: each movement on the next half breath of its
// phase; a still moment between two movements (bird dog's "hold") gets the
// breaths the round has beyond its movements. INTERNAL when the movements
// need more breaths than the round has.
absl::StatusOr<std::vector<Beat>> FlowBeats(
    const google::protobuf::RepeatedPtrField<yoga::catalog::v1::Cue>& cues,
    yoga::type::v1::Side side, int breaths_per_round);

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_FLOW_BEATS_H_
