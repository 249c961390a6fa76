#include "services/session/flow_beats.h"

#include "absl/strings/str_cat.h"
#include "services/session/cue_writer.h"

namespace yoga::session {

using yoga::catalog::v1::Cue;
using yoga::type::v1::Side;
using Cues = google::protobuf::RepeatedPtrField<Cue>;

// Lays a flow's movements on the half breaths of one round of
// `breaths_per_round` breaths: each movement on the next half breath of its
// phase; a still moment between two movements (bird dog's "hold") gets the
// breaths the round has beyond its movements. INTERNAL when the movements
// need more breaths than the round has.
absl::StatusOr<std::vector<Beat>> FlowBeats(const Cues& cues, Side side,
                                            int breaths_per_round) {
  std::vector<Beat> beats;
  const int slots = 2 * std::max(breaths_per_round, 1);
  Breath first = kNoBreath;
  for (const Cue& cue : cues) {
    if (!AppliesTo(cue, side)) continue;
    if (cue.breath() == kNoBreath) {
      if (!beats.empty() && beats.back().holding == nullptr)
        beats.back().holding = &cue;
      continue;
    }
    if (beats.empty()) {
      first = cue.breath();
      beats.push_back({&cue, 0, 1});
      continue;
    }
    const int after = beats.back().slot + 1;
    const Breath at_after = after % 2 == 0 ? first : Opposite(first);
    beats.push_back({&cue, at_after == cue.breath() ? after : after + 1, 1});
  }
  if (beats.empty()) return beats;
  // Where the next round's first movement would come, with no still moments.
  const int last = beats.back().slot;
  const int needed = last + 1 + ((last + 1) % 2 == 0 ? 0 : 1);
  if (needed > slots) {
    return absl::InternalError(
        absl::StrCat("the flow's movements need ", needed / 2,
                     " breaths a round, not ", breaths_per_round));
  }
  int holders = 0;
  for (const Beat& beat : beats) holders += beat.holding != nullptr ? 1 : 0;
  int spare_breaths = (slots - needed) / 2;
  int shift = 0;
  for (size_t i = 0; i < beats.size(); ++i) {
    beats[i].slot += shift;
    if (beats[i].holding != nullptr && holders > 0) {
      const int extra = (spare_breaths + holders - 1) / holders;
      shift += 2 * extra;
      spare_breaths -= extra;
      --holders;
    }
  }
  for (size_t i = 0; i < beats.size(); ++i) {
    const int next = i + 1 < beats.size() ? beats[i + 1].slot : slots;
    beats[i].span = next - beats[i].slot;
  }
  return beats;
}

}  // namespace yoga::session
