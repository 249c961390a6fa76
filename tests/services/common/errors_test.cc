#include "services/common/errors.h"

#include <vector>

#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {

TEST(FieldViolationsTest, NoViolationsIsOk) {
  FieldViolations violations;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(violations.ToStatus().ok());
}

TEST(FieldViolationsTest, ListsEveryBadFieldInMessageAndDetail) {
  FieldViolations violations;
  violations.Add("id", "is required");
  violations.Add("page_size", "must not be negative");
  absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "id: is required; page_size: must not be negative");
  auto bad_request = BadRequestOf(status);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(1).field(), "page_size");
  EXPECT_EQ(bad_request->field_violations(1).description(),
            "must not be negative");
}

TEST(FieldViolationsTest, StaysSmallForHugeRequests) {
  FieldViolations violations;
  for (int i = 0; i < 5000; ++i) {
    violations.Add("custom.steps[" + std::to_string(i) + "].pose_id",
                   "no pose \"x\"");
  }
  absl::Status status = violations.ToStatus();
  EXPECT_THAT(
      std::string(status.message()),
      ::testing::EndsWith("; and 4995 more (the first 25 are in the details)"));
  EXPECT_EQ(BadRequestOf(status)->field_violations_size(), kMaxFieldViolations);
  EXPECT_LT(ToGrpcStatus(status).error_details().size(), 8000u);
}

TEST(ToGrpcStatusTest, CarriesBadRequestAsStatusDetails) {
  FieldViolations violations;
  violations.Add("id", "is required");
  grpc::Status status = ToGrpcStatus(violations.ToStatus());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "id: is required");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(details.details_size(), 2);  // The BadRequest, then an ErrorInfo.
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations(0).field(), "id");
}

// The google.rpc.ErrorInfo details of a status sent on the wire.
std::vector<google::rpc::ErrorInfo> ErrorInfosOf(const grpc::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  std::vector<google::rpc::ErrorInfo> infos;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) infos.push_back(info);
  }
  return infos;
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessageOfPlainErrors) {
  grpc::Status status = ToGrpcStatus(absl::NotFoundError("no pose \"x\""));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no pose \"x\"");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).error_details().empty());
}

TEST(ToGrpcStatusTest, AnErrorWithoutReasonGetsItsCodesName) {
  grpc::Status status = ToGrpcStatus(absl::NotFoundError("no pose \"x\""));
  std::vector<google::rpc::ErrorInfo> infos = ErrorInfosOf(status);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "NOT_FOUND");
  EXPECT_EQ(infos[0].domain(), kErrorDomain);
  EXPECT_TRUE(infos[0].metadata().empty());
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(details.message(), "no pose \"x\"");
}

TEST(ToGrpcStatusTest, CarriesTheReasonAttachedWhereTheErrorWasMade) {
  absl::Status made =
      WithReason(absl::FailedPreconditionError("PAUSE: already paused"),
                 "SESSION_ALREADY_PAUSED", {{"action", "PAUSE"}});
  EXPECT_EQ(ReasonOf(made), "SESSION_ALREADY_PAUSED");
  std::vector<google::rpc::ErrorInfo> infos = ErrorInfosOf(ToGrpcStatus(made));
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "SESSION_ALREADY_PAUSED");
  EXPECT_EQ(infos[0].domain(), kErrorDomain);
  EXPECT_EQ(infos[0].metadata().at("action"), "PAUSE");
  // Two errors of one code are told apart by their reasons alone.
  std::vector<google::rpc::ErrorInfo> other = ErrorInfosOf(ToGrpcStatus(
      WithReason(absl::FailedPreconditionError("PREVIOUS: at the first step"),
                 "SESSION_AT_FIRST_STEP")));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NE(other[0].reason(), infos[0].reason());
}

TEST(ToGrpcStatusTest, ReasonTravelsNextToOtherDetails) {
  absl::Status exhausted = WithReason(
      WithRetryDelay(absl::ResourceExhaustedError("quota"), absl::Seconds(1)),
      "QUOTA_EXHAUSTED");
  grpc::Status status = ToGrpcStatus(exhausted);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 2);
  EXPECT_TRUE(details.details(0).Is<google::rpc::RetryInfo>());
  EXPECT_TRUE(details.details(1).Is<google::rpc::ErrorInfo>());
  // And back again, for an error a peer service sent.
  absl::Status back = FromGrpcStatus(status);
  EXPECT_EQ(ReasonOf(back), "QUOTA_EXHAUSTED");
  EXPECT_EQ(RetryDelayOf(back), absl::Seconds(1));
}

TEST(ReasonOfTest, OkHasNoReasonAndWithReasonLeavesOkAlone) {
  EXPECT_EQ(ReasonOf(absl::OkStatus()), "");
  EXPECT_TRUE(WithReason(absl::OkStatus(), "ANY").ok());
  EXPECT_FALSE(ErrorInfoOf(WithReason(absl::OkStatus(), "ANY")).has_value());
  EXPECT_EQ(ReasonOf(absl::UnavailableError("x")), "UNAVAILABLE");
}

TEST(WithDefaultErrorInfoTest, AddsOneToStatusesMadeElsewhere) {
  grpc::Status made_by_grpc(grpc::StatusCode::UNIMPLEMENTED, "no such method");
  grpc::Status with = WithDefaultErrorInfo(made_by_grpc);
  EXPECT_EQ(with.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(with.error_message(), "no such method");
  std::vector<google::rpc::ErrorInfo> infos = ErrorInfosOf(with);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "UNIMPLEMENTED");
  // A status that has one keeps it, and only it.
  grpc::Status ours = ToGrpcStatus(
      WithReason(absl::NotFoundError("no session"), "SESSION_NOT_FOUND"));
  infos = ErrorInfosOf(WithDefaultErrorInfo(ours));
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].reason(), "SESSION_NOT_FOUND");
  EXPECT_TRUE(WithDefaultErrorInfo(grpc::Status::OK).ok());
  EXPECT_TRUE(WithDefaultErrorInfo(grpc::Status::OK).error_details().empty());
}

TEST(RenameFieldsTest, KeepsTheReason) {
  FieldViolations violations;
  violations.Add("custom.title", "is too long");
  absl::Status renamed = RenameFields(
      WithReason(violations.ToStatus(), "SOME_REASON"), "custom.", "routine.");
  EXPECT_EQ(ReasonOf(renamed), "SOME_REASON");
  EXPECT_EQ(BadRequestOf(renamed)->field_violations(0).field(),
            "routine.title");
}

TEST(FromGrpcStatusTest, RoundTripsViolations) {
  FieldViolations violations;
  violations.Add("constraints.target_duration", "must be 2 to 60 minutes");
  absl::Status back = FromGrpcStatus(ToGrpcStatus(violations.ToStatus()));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  auto bad_request = BadRequestOf(back);
  ASSERT_TRUE(bad_request.has_value());
  EXPECT_EQ(bad_request->field_violations(0).field(),
            "constraints.target_duration");
}

TEST(ToGrpcStatusTest, CarriesRetryInfoOfAnExhaustedQuota) {
  absl::Status exhausted = WithRetryDelay(absl::ResourceExhaustedError("quota"),
                                          absl::Milliseconds(1500));
  grpc::Status status = ToGrpcStatus(exhausted);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 2);  // The RetryInfo, then an ErrorInfo.
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  EXPECT_EQ(retry.retry_delay().seconds(), 1);
  EXPECT_EQ(retry.retry_delay().nanos(), 500000000);
  EXPECT_EQ(RetryDelayOf(FromGrpcStatus(status)), absl::Milliseconds(1500));
  EXPECT_EQ(RetryDelayOf(absl::ResourceExhaustedError("no detail")),
            std::nullopt);
}

}  // namespace
}  // namespace yoga

namespace yoga {
namespace {

TEST(RenameFieldsTest, RenamesPathsInTheMessageAndTheDetail) {
  FieldViolations violations;
  violations.Add("custom.steps[2].hold_count", "must be 1 to 60");
  violations.Add("custom.title", "is too long");
  violations.Add("preset_id", "unknown");
  const absl::Status renamed =
      RenameFields(violations.ToStatus(), "custom.", "routine.");
  EXPECT_EQ(renamed.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(renamed.message());
  EXPECT_NE(message.find("routine.steps[2].hold_count"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("custom."), std::string::npos) << message;
  auto detail = BadRequestOf(renamed);
  ASSERT_TRUE(detail.has_value());
  ASSERT_EQ(detail->field_violations_size(), 3);
  EXPECT_EQ(detail->field_violations(0).field(), "routine.steps[2].hold_count");
  EXPECT_EQ(detail->field_violations(1).field(), "routine.title");
  EXPECT_EQ(detail->field_violations(2).field(), "preset_id");
  EXPECT_TRUE(RenameFields(absl::OkStatus(), "a", "b").ok());
  EXPECT_EQ(RenameFields(absl::NotFoundError("precustom.x stays"), "custom.",
                         "routine.")
                .message(),
            "precustom.x stays");
}

}  // namespace
}  // namespace yoga

namespace yoga {
namespace {

TEST(StatusCodeNameTest, NamesCodesAsGrpcDocumentsThem) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::UNAUTHENTICATED),
            "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "CODE_42");
}

}  // namespace
}  // namespace yoga
