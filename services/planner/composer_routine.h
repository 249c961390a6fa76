// Writes a planned class (composer_plan.h) out as the Routine the runner
// gets: one step per set and side, in class order (composer_order.h), with
// its pose, hold and phase and, when the words are wanted, the title and each
// step's reason (step_text.h); then timed by routine_timing.h, so its
// total_duration is what the session lasts.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_ROUTINE_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_ROUTINE_H_

#include "services/planner/composer_plan.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

// The routine as planned, timed; without the words (title, reasons) when
// only its length is wanted.
yoga::type::v1::Routine WriteRoutine(const ClassRequest& request,
                                     const ClassPlan& plan, bool with_words);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_ROUTINE_H_
