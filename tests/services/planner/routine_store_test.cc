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

TEST(RoutineStoreTest, ARoutineRemembersWhenItWasLastPutAndForWhom) {
  RoutineStore store(5);
  const absl::Time first = absl::FromUnixSeconds(1'800'000'000);
  store.Put("acme", WithId("a"), first);
  store.Put(storage::kEveryOwner, WithId("preset"), first);
  std::optional<RoutineStore::Held> held = store.Find("acme", "a");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->put_at, first);
  EXPECT_EQ(held->owner, "acme");
  // Reading does not renew it (the planner renews the database's mark of
  // use, then puts it again); putting it again does.
  store.Get("acme", "a");
  EXPECT_EQ(store.Find("acme", "a")->put_at, first);
  store.Put("acme", WithId("a"), first + absl::Hours(25));
  EXPECT_EQ(store.Find("acme", "a")->put_at, first + absl::Hours(25));
  held = store.Find("coachco", "preset");
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->owner, storage::kEveryOwner);
}

}  // namespace
}  // namespace yoga::planner
