#include "services/catalog/pose_query.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/catalog/pose_file.h"
#include "services/common/errors.h"
#include "tests/services/catalog/catalog_fixtures.h"

namespace yoga::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using yoga::catalog::v1::GetPoseRequest;
using yoga::catalog::v1::ListPosesRequest;
using yoga::catalog::v1::Pose;

yoga::catalog::v1::Pose ParsedPose(const std::string& text) {
  auto file = ParsePoseText("fixture.textproto", text);
  if (!file.ok()) {
    ADD_FAILURE() << file.status();
    return Pose();
  }
  return file->message;
}

// alpha, beta, and `extra` standing poses named pose-00, pose-01, ...
Catalog MakeCatalog(int extra = 0) {
  std::vector<Pose> poses = {ParsedPose(testing::kAlpha),
                             ParsedPose(testing::kBeta)};
  for (int i = 0; i < extra; ++i) {
    Pose pose = poses[0];
    pose.set_id(absl::StrFormat("pose-%02d", i));
    poses.push_back(pose);
  }
  return Catalog(std::move(poses));
}

std::vector<std::string> Ids(
    const yoga::catalog::v1::ListPosesResponse& response) {
  std::vector<std::string> ids;
  for (const Pose& pose : response.poses()) ids.push_back(pose.id());
  return ids;
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad_request = BadRequestOf(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

TEST(GetPoseTest, ReturnsThePose) {
  Catalog catalog = MakeCatalog();
  GetPoseRequest request;
  request.set_id("beta");
  auto pose = GetPose(catalog, request);
  ASSERT_TRUE(pose.ok()) << pose.status();
  EXPECT_EQ(pose->name(), "Beta");
  EXPECT_EQ(pose->variations(0).id(), "beta-legs-long");
}

TEST(GetPoseTest, MissingOrMalformedIdIsInvalidArgumentOnField) {
  Catalog catalog = MakeCatalog();
  GetPoseRequest request;
  auto missing = GetPose(catalog, request);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(missing.status()), ElementsAre("id"));
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("id: is required"));
  request.set_id("Downward Dog");
  auto malformed = GetPose(catalog, request);
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(malformed.status()), ElementsAre("id"));
}

TEST(GetPoseTest, UnknownIdIsNotFoundAndVariationsAreNamed) {
  Catalog catalog = MakeCatalog();
  GetPoseRequest request;
  request.set_id("gamma");
  EXPECT_EQ(GetPose(catalog, request).status().code(),
            absl::StatusCode::kNotFound);
  request.set_id("beta-legs-long");
  auto variation = GetPose(catalog, request);
  EXPECT_EQ(variation.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(variation.status().message()),
              HasSubstr("it is a variation of pose \"beta\""));
}

TEST(ListPosesTest, ListsAllInIdOrderWithEtag) {
  Catalog catalog = MakeCatalog(3);
  auto response = ListPoses(catalog, ListPosesRequest());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Ids(*response),
              ElementsAre("alpha", "beta", "pose-00", "pose-01", "pose-02"));
  EXPECT_EQ(response->etag(), catalog.etag());
  EXPECT_EQ(response->total_size(), 5);
  EXPECT_TRUE(response->next_page_token().empty());
}

TEST(ListPosesTest, PagesCoverEveryPoseExactlyOnce) {
  Catalog catalog = MakeCatalog(7);  // 9 poses.
  ListPosesRequest request;
  request.set_page_size(4);
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto response = ListPoses(catalog, request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_LE(response->poses_size(), 4);
    EXPECT_EQ(response->total_size(), 9);
    for (const std::string& id : Ids(*response)) seen.push_back(id);
    request.set_page_token(response->next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 9u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 9u);
}

TEST(ListPosesTest, APageEndingAtTheLastMatchHasNoNextToken) {
  Catalog catalog = MakeCatalog(6);  // 8 poses: two full pages of 4.
  ListPosesRequest request;
  request.set_page_size(4);
  auto first = ListPoses(catalog, request);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  auto second = ListPoses(catalog, request);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->poses_size(), 4);
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST(ListPosesTest, PageTokensSurviveARestartWithTheSameContent) {
  ListPosesRequest request;
  request.set_page_size(2);
  auto first = ListPoses(MakeCatalog(3), request);
  ASSERT_TRUE(first.ok());
  request.set_page_token(first->next_page_token());
  auto second =
      ListPoses(MakeCatalog(3), request);  // A new Catalog, as after a restart.
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Ids(*second), ElementsAre("pose-00", "pose-01"));
}

TEST(ListPosesTest, PageSizeIsBounded) {
  Catalog catalog = MakeCatalog(120);
  ListPosesRequest request;
  request.set_page_size(1000);
  auto capped = ListPoses(catalog, request);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->poses_size(), kMaxPageSize);
  auto defaulted = ListPoses(catalog, ListPosesRequest());
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->poses_size(), kDefaultPageSize);
}

TEST(ListPosesTest, ReportsEveryBadFieldAtOnce) {
  ListPosesRequest request;
  request.set_page_size(-1);
  request.set_page_token("not-a-token");
  request.add_target_areas(static_cast<yoga::type::v1::BodyArea>(999));
  request.add_positions(yoga::type::v1::BODY_POSITION_UNSPECIFIED);
  request.set_max_level(static_cast<yoga::type::v1::Level>(77));
  request.mutable_props_available()->add_props(
      static_cast<yoga::type::v1::Prop>(55));
  auto response = ListPoses(MakeCatalog(), request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      ViolatedFields(response.status()),
      ElementsAre("page_size", "target_areas[0]", "positions[0]", "max_level",
                  "props_available.props[0]", "page_token"));
}

TEST(ListPosesTest, ATokenOnlyWorksWithItsOwnFilters) {
  Catalog catalog = MakeCatalog(3);
  ListPosesRequest request;
  request.set_page_size(2);
  auto first = ListPoses(catalog, request);
  ASSERT_TRUE(first.ok());
  request.set_page_token(first->next_page_token());
  request.set_max_level(yoga::type::v1::LEVEL_BEGINNER);
  auto other = ListPoses(catalog, request);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("page_token: was issued for different filters"));
}

TEST(ListPosesTest, FiltersCombine) {
  Catalog catalog = MakeCatalog();
  auto ids = [&](const ListPosesRequest& request) {
    auto response = ListPoses(catalog, request);
    EXPECT_TRUE(response.ok()) << response.status();
    return Ids(*response);
  };
  ListPosesRequest request;
  request.add_target_areas(yoga::type::v1::BODY_AREA_LOWER_BACK);
  EXPECT_THAT(ids(request), ElementsAre("beta"));

  request.Clear();
  request.add_positions(yoga::type::v1::BODY_POSITION_STANDING);
  request.add_positions(yoga::type::v1::BODY_POSITION_SEATED);
  EXPECT_THAT(ids(request), ElementsAre("alpha"));

  request.Clear();
  request.add_kinds(yoga::catalog::v1::POSE_KIND_STATIC_STRETCH);
  request.set_max_level(yoga::type::v1::LEVEL_BEGINNER);
  EXPECT_THAT(ids(request), ElementsAre("alpha"));

  request.Clear();
  request.set_needs_floor(false);
  EXPECT_THAT(ids(request), ElementsAre("alpha"));
  request.set_needs_floor(true);
  EXPECT_THAT(ids(request), ElementsAre("beta"));

  // Beta needs a blanket: an empty prop set rules it out, a set with one keeps
  // it.
  request.Clear();
  request.mutable_props_available();
  EXPECT_THAT(ids(request), ElementsAre("alpha"));
  request.mutable_props_available()->add_props(yoga::type::v1::PROP_BLANKET);
  EXPECT_THAT(ids(request), ElementsAre("alpha", "beta"));
}

}  // namespace
}  // namespace yoga::catalog
