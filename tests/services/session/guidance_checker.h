// Reads a timeline as a teacher would sign it off (DESIGN.md, "What a step
// sounds like") and lists every place it fails a runner with eyes closed:
//   - a setup or release cue of a step missing at FULL or BRIEF, or a hold cue
//     missing at FULL from a hold with room for it;
//   - a side switch before side one's exit;
//   - breath cues out of in/out alternation;
//   - a movement cue not said on its breath, or not on the step's rhythm;
//   - the hold announced less than a breath after the last movement;
//   - a count or countdown in a static, neutral or restorative hold;
//   - a caution for everyone (or for the routine's conditions) not spoken;
//   - at FULL, a silence anywhere longer than kMaxQuietMs;
//   - a flow's breath that names no movement (with a breath of 4 s or more);
//   - a length said in hundreds ("one hundred and twenty seconds").
// Each finding names the cue time and what is wrong; none means it passes.
#ifndef YOGA_TESTS_SERVICES_SESSION_GUIDANCE_CHECKER_H_
#define YOGA_TESTS_SERVICES_SESSION_GUIDANCE_CHECKER_H_

#include <string>
#include <vector>

#include "services/catalog/catalog.h"
#include "services/session/timeline.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::session::testing {

std::vector<std::string> CheckGuidance(const catalog::Catalog& catalog,
                                       const yoga::type::v1::Routine& routine,
                                       const Timeline& timeline,
                                       yoga::session::v1::Verbosity verbosity);

}  // namespace yoga::session::testing

#endif  // YOGA_TESTS_SERVICES_SESSION_GUIDANCE_CHECKER_H_
