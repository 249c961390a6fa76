// What servers and yoga-guide share: breath bounds, class order, how a step
// follows the last, and a cue as a line of text.
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"
#include "services/shared/breath_length.h"
#include "services/shared/catalog_client.h"
#include "services/shared/class_order.h"
#include "services/shared/cue_text.h"
#include "services/shared/step_relation.h"

namespace yoga {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using yoga::type::v1::BodyPosition;

TEST(BreathLengthTest, TakesTwoToTwelveSecondsAndNamesTheFieldOtherwise) {
  for (absl::Duration ok : {kMinBreath, kDefaultBreath, kMaxBreath}) {
    FieldViolations violations;
    EXPECT_TRUE(CheckBreathLength(ToProtoDuration(ok), "options.breath_length",
                                  violations));
    EXPECT_TRUE(violations.empty());
  }
  FieldViolations violations;
  EXPECT_FALSE(CheckBreathLength(ToProtoDuration(absl::Milliseconds(1500)),
                                 "constraints.breath_length", violations));
  const absl::Status status = violations.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  auto bad = BadRequestOf(status);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 1);
  EXPECT_EQ(bad->field_violations(0).field(), "constraints.breath_length");
  EXPECT_THAT(bad->field_violations(0).description(),
              HasSubstr("must be 2s to 12s, not 1.5s"));
}

TEST(ClassOrderTest, GoesDownFromStandingToLying) {
  using type::v1::BODY_POSITION_KNEELING;
  using type::v1::BODY_POSITION_PRONE;
  using type::v1::BODY_POSITION_SEATED;
  using type::v1::BODY_POSITION_STANDING;
  using type::v1::BODY_POSITION_SUPINE;
  using type::v1::BODY_POSITION_TABLETOP;
  std::vector<int> heights;
  std::vector<int> ranks;
  for (BodyPosition position :
       {BODY_POSITION_STANDING, BODY_POSITION_KNEELING, BODY_POSITION_TABLETOP,
        BODY_POSITION_SEATED, BODY_POSITION_PRONE, BODY_POSITION_SUPINE}) {
    heights.push_back(BodyHeight(position));
    ranks.push_back(ClassOrder(position));
  }
  EXPECT_THAT(heights, ElementsAre(3, 2, 2, 1, 0, 0));
  EXPECT_THAT(ranks, ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_TRUE(GetsUp(BODY_POSITION_SUPINE, BODY_POSITION_KNEELING));
  EXPECT_FALSE(GetsUp(BODY_POSITION_SEATED, BODY_POSITION_STANDING));
  EXPECT_TRUE(GetsDown(BODY_POSITION_STANDING, BODY_POSITION_TABLETOP));
  EXPECT_FALSE(GetsDown(BODY_POSITION_KNEELING, BODY_POSITION_SUPINE));
  EXPECT_FALSE(ChangesHeight(BODY_POSITION_PRONE, BODY_POSITION_SUPINE));
}

TEST(StepRelationTest, TellsHowAStepFollowsTheLast) {
  yoga::catalog::v1::Pose pigeon;
  yoga::catalog::v1::Pose bridge;
  yoga::catalog::v1::Variation deeper;
  const auto left = type::v1::SIDE_LEFT;
  const auto right = type::v1::SIDE_RIGHT;
  EXPECT_EQ(Relate(nullptr, nullptr, left, 1, &pigeon, nullptr, left, 1),
            StepRelation::kFirst);
  EXPECT_EQ(Relate(&bridge, nullptr, left, 1, &pigeon, nullptr, left, 1),
            StepRelation::kNewPose);
  EXPECT_EQ(Relate(&pigeon, nullptr, left, 1, &pigeon, nullptr, right, 1),
            StepRelation::kOtherSide);
  EXPECT_EQ(Relate(&pigeon, nullptr, left, 1, &pigeon, nullptr, left, 2),
            StepRelation::kNextSet);
  EXPECT_EQ(Relate(&pigeon, nullptr, left, 1, &pigeon, &deeper, left, 1),
            StepRelation::kDeepen);
}

TEST(CueTextTest, ALineHasTheTimeTheKindAndTheWords) {
  EXPECT_EQ(ClockText(62'300), "01:02.300");
  EXPECT_EQ(ClockText(-1'500), "-00:01.500");
  yoga::session::v1::CueEvent cue;
  cue.set_seq(4);
  cue.set_offset_ms(62'300);
  cue.set_kind(yoga::session::v1::CUE_KIND_POSE);
  cue.set_text("Cat-Cow.");
  EXPECT_EQ(CueLine(cue), "01:02.300  pose          Cat-Cow.");
  yoga::session::v1::CueEvent heartbeat;
  heartbeat.set_kind(yoga::session::v1::CUE_KIND_HEARTBEAT);
  heartbeat.set_offset_ms(5'000);
  heartbeat.set_session_time_ms(7'250);
  EXPECT_EQ(CueLine(heartbeat),
            "00:05.000  heartbeat     (session time 00:07.250)");
}

// A catalog service whose listing has `pages` pages of one pose each (0: it
// never ends), on a real gRPC server on loopback.
class PagedCatalog final : public yoga::catalog::v1::CatalogService::Service {
 public:
  explicit PagedCatalog(int pages) : pages_(pages) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~PagedCatalog() override { server_->Shutdown(); }

  std::unique_ptr<yoga::catalog::v1::CatalogService::Stub> Stub() {
    return yoga::catalog::v1::CatalogService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  int calls() const { return calls_.load(); }

  grpc::Status ListPoses(
      grpc::ServerContext*, const yoga::catalog::v1::ListPosesRequest* request,
      yoga::catalog::v1::ListPosesResponse* response) override {
    const int page = ++calls_;
    response->set_etag("e1");
    response->add_poses()->set_id(absl::StrCat("pose-", page));
    if (pages_ == 0 || page < pages_)
      response->set_next_page_token(absl::StrCat("after-", page));
    return grpc::Status::OK;
  }

 private:
  const int pages_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::unique_ptr<grpc::Server> server_;
};

TEST(CatalogClientTest, ReadsEveryPageOfTheListing) {
  PagedCatalog catalog(3);
  auto listing = FetchAllPoses(*catalog.Stub(), absl::Seconds(5));
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(listing->etag, "e1");
  ASSERT_EQ(listing->poses.size(), 3u);
  EXPECT_EQ(listing->poses[2].id(), "pose-3");
}

TEST(CatalogClientTest, AListingThatNeverEndsIsRefusedAfterTheCap) {
  PagedCatalog catalog(/*pages=*/0);
  auto listing = FetchAllPoses(*catalog.Stub(), absl::Seconds(5));
  EXPECT_EQ(listing.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(listing.status().message(), HasSubstr("more than 200 pages"));
  EXPECT_EQ(catalog.calls(), kMaxCatalogPages);
}

}  // namespace
}  // namespace yoga
