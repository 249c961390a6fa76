// The order in which a teacher moves a class after a run: from standing, down
// through kneeling and all fours, to seated, to lying, ending restorative.
//
// Height is what "back up" means: standing 3 > kneeling = tabletop 2 >
// seated 1 > supine = prone 0. A composed routine's heights never rise from
// one step to the next, except into a restorative pose (child's pose,
// kneeling): as the counterpose the catalog lists after a prone backbend or a
// strength hold, after which the class goes down again, and as the final step
// (composer.h). Positions of one height follow each other in class order
// (ClassOrder): kneeling before all fours, prone before supine (the runner
// rolls onto their back). Other routines (presets, partners' step lists)
// follow their authors and are not held to this order.
#ifndef YOGA_SERVICES_SHARED_CLASS_ORDER_H_
#define YOGA_SERVICES_SHARED_CLASS_ORDER_H_

#include "yoga/type/v1/anatomy.pb.h"

namespace yoga {

// How high the body is: 3 standing, 2 kneeling or tabletop, 1 seated,
// 0 lying (supine, prone, or unspecified).
int BodyHeight(yoga::type::v1::BodyPosition position);

// Rank in a class's order, from 0 (standing) to 5 (supine); a lower rank
// never has a lower height.
int ClassOrder(yoga::type::v1::BodyPosition position);

// Getting up from lying to any higher position, or down from standing to the
// floor: the guide says how and gives time for it.
bool GetsUp(yoga::type::v1::BodyPosition from, yoga::type::v1::BodyPosition to);
bool GetsDown(yoga::type::v1::BodyPosition from,
              yoga::type::v1::BodyPosition to);
inline bool ChangesHeight(yoga::type::v1::BodyPosition from,
                          yoga::type::v1::BodyPosition to) {
  return GetsUp(from, to) || GetsDown(from, to);
}

}  // namespace yoga

#endif  // YOGA_SERVICES_SHARED_CLASS_ORDER_H_
