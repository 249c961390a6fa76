#include "services/shared/class_order.h"

namespace yoga {

int BodyHeight(yoga::type::v1::BodyPosition position) {
  switch (position) {
    case yoga::type::v1::BODY_POSITION_STANDING:
      return 3;
    case yoga::type::v1::BODY_POSITION_KNEELING:
    case yoga::type::v1::BODY_POSITION_TABLETOP:
      return 2;
    case yoga::type::v1::BODY_POSITION_SEATED:
      return 1;
    default:
      return 0;
  }
}

int ClassOrder(yoga::type::v1::BodyPosition position) {
  switch (position) {
    case yoga::type::v1::BODY_POSITION_STANDING:
      return 0;
    case yoga::type::v1::BODY_POSITION_KNEELING:
      return 1;
    case yoga::type::v1::BODY_POSITION_TABLETOP:
      return 2;
    case yoga::type::v1::BODY_POSITION_SEATED:
      return 3;
    case yoga::type::v1::BODY_POSITION_PRONE:
      return 4;
    default:
      return 5;
  }
}

bool GetsUp(yoga::type::v1::BodyPosition from,
            yoga::type::v1::BodyPosition to) {
  return BodyHeight(from) == 0 && BodyHeight(to) > 0;
}

bool GetsDown(yoga::type::v1::BodyPosition from,
              yoga::type::v1::BodyPosition to) {
  return BodyHeight(from) == 3 && BodyHeight(to) < 3;
}

}  // namespace yoga
