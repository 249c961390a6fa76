#include "services/runtime/access_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
constexpr char kCompose[] = "/yoga.planner.v1.PlannerService/ComposeRoutine";
constexpr char kGetPose[] = "/yoga.catalog.v1.CatalogService/GetPose";
constexpr char kStart_[] = "/yoga.session.v1.SessionService/StartSession";

AccessPolicy TwoKeys() {
  return AccessPolicy(
      {ApiKey{.id = "planner-only",
              .sha256_hex = Sha256Hex("key-p"),
              .permissions = kPlannerPermission,
              .rate = 1,
              .burst = 2},
       ApiKey{.id = "everything",
              .sha256_hex = Sha256Hex("key-e"),
              .permissions = kPlannerPermission | kSessionsPermission}},
      kStart);
}

TEST(AccessPolicyTest, AKnownKeyWithThePermissionIsAdmittedAndNamed) {
  AccessPolicy policy = TwoKeys();
  AccessPolicy::Decision decision = policy.Admit(kCompose, "key-p", kStart);
  EXPECT_TRUE(decision.status.ok()) << decision.status;
  EXPECT_EQ(decision.key_id, "planner-only");
  // The catalog belongs to planning.
  EXPECT_TRUE(policy.Admit(kGetPose, "key-p", kStart).status.ok());
  EXPECT_TRUE(policy.Admit(kStart_, "key-e", kStart).status.ok());
}

TEST(AccessPolicyTest, NoKeyOrAnUnknownKeyIsUnauthenticated) {
  AccessPolicy policy = TwoKeys();
  AccessPolicy::Decision none = policy.Admit(kCompose, "", kStart);
  EXPECT_EQ(none.status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(none.status.message()), HasSubstr("x-api-key"));
  AccessPolicy::Decision unknown = policy.Admit(kCompose, "key-x", kStart);
  EXPECT_EQ(unknown.status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown.key_id, "");
}

TEST(AccessPolicyTest, AKeyWithoutThePermissionIsDeniedAndToldWhich) {
  AccessPolicy policy = TwoKeys();
  AccessPolicy::Decision decision = policy.Admit(kStart_, "key-p", kStart);
  EXPECT_EQ(decision.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(decision.status.message(),
            "key planner-only may not call yoga.session.v1.SessionService: "
            "that needs the permission \"sessions\" and the key has "
            "\"planner\"");
  EXPECT_EQ(decision.key_id, "planner-only");
}

TEST(AccessPolicyTest, AnEmptyBucketIsResourceExhaustedWithARetryDelay) {
  AccessPolicy policy = TwoKeys();
  EXPECT_TRUE(policy.Admit(kCompose, "key-p", kStart).status.ok());
  EXPECT_TRUE(policy.Admit(kGetPose, "key-p", kStart).status.ok());
  AccessPolicy::Decision refused = policy.Admit(kCompose, "key-p", kStart);
  EXPECT_EQ(refused.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status.message(),
            "quota of key planner-only exhausted (1 calls/s, burst 2); retry "
            "in 1s");
  EXPECT_EQ(RetryDelayOf(refused.status), absl::Seconds(1));
  // Quotas are per key: the other key is untouched.
  EXPECT_TRUE(policy.Admit(kCompose, "key-e", kStart).status.ok());
  // After the delay, the call goes through.
  EXPECT_TRUE(
      policy.Admit(kCompose, "key-p", kStart + absl::Seconds(1)).status.ok());
}

TEST(AccessPolicyTest, RefusedPermissionsDoNotSpendTheQuota) {
  AccessPolicy policy = TwoKeys();
  for (int i = 0; i < 5; ++i) policy.Admit(kStart_, "key-p", kStart);
  EXPECT_TRUE(policy.Admit(kCompose, "key-p", kStart).status.ok());
}

TEST(AccessPolicyTest, HealthAndReflectionAreOpenToEveryone) {
  AccessPolicy policy = TwoKeys();
  EXPECT_TRUE(
      policy.Admit("/grpc.health.v1.Health/Check", "", kStart).status.ok());
  EXPECT_TRUE(policy
                  .Admit("/grpc.reflection.v1alpha.ServerReflection/"
                         "ServerReflectionInfo",
                         "", kStart)
                  .status.ok());
}

TEST(AccessPolicyTest, OtherServicesNeedAValidKeyButNoPermission) {
  AccessPolicy policy = TwoKeys();
  constexpr char kOther[] = "/grpc.testing.TestService/EmptyCall";
  EXPECT_EQ(policy.Admit(kOther, "", kStart).status.code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(policy.Admit(kOther, "key-p", kStart).status.ok());
}

}  // namespace
}  // namespace yoga
