#include "services/planner/routine_store.h"

#include "gtest/gtest.h"

namespace yoga::planner {
namespace {

yoga::type::v1::Routine WithId(const std::string& id) {
  yoga::type::v1::Routine routine;
  routine.set_id(id);
  return routine;
}

TEST(RoutineStoreTest, ForgetsTheLeastRecentlyUsedWhenFull) {
  RoutineStore store(2);
  store.Put(WithId("a"));
  store.Put(WithId("b"));
  ASSERT_TRUE(store.Get("a").has_value());  // "b" is now the oldest.
  store.Put(WithId("c"));
  EXPECT_TRUE(store.Get("a").has_value());
  EXPECT_FALSE(store.Get("b").has_value());
  EXPECT_TRUE(store.Get("c").has_value());
  EXPECT_EQ(store.size(), 2u);
}

TEST(RoutineStoreTest, PuttingTheSameRoutineTwiceKeepsOne) {
  RoutineStore store(5);
  store.Put(WithId("a"));
  store.Put(WithId("a"));
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace yoga::planner
