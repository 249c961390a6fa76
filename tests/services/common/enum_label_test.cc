#include "services/common/enum_label.h"

#include "gtest/gtest.h"
#include "yoga/type/v1/anatomy.pb.h"

namespace yoga {
namespace {

TEST(EnumLabelTest, DropsTheTypePrefixAndLowersTheRest) {
  EXPECT_EQ(
      EnumLabel<yoga::type::v1::BodyArea>(yoga::type::v1::BODY_AREA_LOWER_BACK),
      "lower back");
  EXPECT_EQ(EnumLabel<yoga::type::v1::BodyArea>(
                yoga::type::v1::BODY_AREA_LOWER_BACK, '-'),
            "lower-back");
  EXPECT_EQ(EnumLabel<yoga::type::v1::BodyPosition>(
                yoga::type::v1::BODY_POSITION_TABLETOP),
            "tabletop");
  EXPECT_EQ(EnumLabel<yoga::type::v1::BodyArea>(999), "999");
}

}  // namespace
}  // namespace yoga
