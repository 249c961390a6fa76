#include "services/planner/routine_store.h"

#include "gtest/gtest.h"
#include "services/storage/store.h"

namespace yoga::planner {
namespace {

yoga::type::v1::Routine WithId(const std::string& id) {
  yoga::type::v1::Routine routine;
  routine.set_id(id);
  return routine;
}

TEST(RoutineStoreTest, ForgetsTheLeastRecentlyUsedWhenFull) {
  RoutineStore store(2);
  store.Put("acme", WithId("a"));
  store.Put("acme", WithId("b"));
  ASSERT_TRUE(store.Get("acme", "a").has_value());  // "b" is now the oldest.
  store.Put("acme", WithId("c"));
  EXPECT_TRUE(store.Get("acme", "a").has_value());
  EXPECT_FALSE(store.Get("acme", "b").has_value());
  EXPECT_TRUE(store.Get("acme", "c").has_value());
  EXPECT_EQ(store.size(), 2u);
}

TEST(RoutineStoreTest, PuttingTheSameRoutineTwiceKeepsOne) {
  RoutineStore store(5);
  store.Put("acme", WithId("a"));
  store.Put("acme", WithId("a"));
  EXPECT_EQ(store.size(), 1u);
}

TEST(RoutineStoreTest, ARoutineIsFoundForItsOwnersAndForAllWhenEveryones) {
  RoutineStore store(5);
  store.Put("acme", WithId("a"));
  EXPECT_TRUE(store.Get("acme", "a").has_value());
  EXPECT_FALSE(store.Get("coachco", "a").has_value());
  EXPECT_FALSE(store.Get("", "a").has_value());
  // The same routine composed by a second key is that key's too.
  store.Put("coachco", WithId("a"));
  EXPECT_TRUE(store.Get("coachco", "a").has_value());
  store.Put(storage::kEveryOwner, WithId("preset"));
  EXPECT_TRUE(store.Get("", "preset").has_value());
  EXPECT_TRUE(store.Get("coachco", "preset").has_value());
}

}  // namespace
}  // namespace yoga::planner
