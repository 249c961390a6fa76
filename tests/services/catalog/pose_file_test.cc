#include "services/catalog/pose_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/catalog/catalog_fixtures.h"

namespace yoga::catalog {
namespace {

using testing::kAlpha;
using testing::kBeta;
using ::testing::StartsWith;

TEST(PoseFileTest, ParsesTextFormat) {
  auto file = ParsePoseText("alpha.textproto", kAlpha);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->message.id(), "alpha");
  EXPECT_EQ(file->message.hold().max_count(), 60u);
}

TEST(PoseFileTest, KnowsTheLineOfEveryField) {
  auto file = ParsePoseText("beta.textproto", kBeta);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->LineOf({{"id"}}), 1);
  EXPECT_EQ(file->LineOf({{"hold"}}), 10);
  EXPECT_EQ(file->LineOf({{"setup_cues", 2}}), 13);
  EXPECT_EQ(file->LineOf({{"variations", 0}, {"name"}}), 16);
  EXPECT_EQ(file->LineOf({{"variations", 0}, {"setup_cues", 0}, {"key"}}), 18);
  // An absent field points at its nearest present parent.
  EXPECT_EQ(file->LineOf({{"variations", 0}, {"hold"}}), 14);
  EXPECT_EQ(file->LineOf({{"benefit"}}), 1);
}

TEST(PoseFileTest, ReportsSyntaxErrorsWithFileLineAndColumn) {
  auto file = ParsePoseText(
      "alpha.textproto",
      testing::Replace(kAlpha, "name: \"Alpha\"", "name \"Alpha\""));
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              StartsWith("alpha.textproto:2:"));
}

TEST(PoseFileTest, ReportsUnknownFieldsAndEnumValues) {
  auto unknown_field = ParsePoseText(
      "alpha.textproto", testing::Replace(kAlpha, "level:", "difficulty:"));
  ASSERT_FALSE(unknown_field.ok());
  EXPECT_THAT(std::string(unknown_field.status().message()),
              StartsWith("alpha.textproto:5:"));
  EXPECT_THAT(std::string(unknown_field.status().message()),
              ::testing::HasSubstr("difficulty"));

  auto unknown_enum = ParsePoseText(
      "alpha.textproto", testing::Replace(kAlpha, "BODY_POSITION_STANDING",
                                          "BODY_POSITION_UPSIDE"));
  ASSERT_FALSE(unknown_enum.ok());
  EXPECT_THAT(std::string(unknown_enum.status().message()),
              StartsWith("alpha.textproto:3:"));
  EXPECT_THAT(std::string(unknown_enum.status().message()),
              ::testing::HasSubstr("BODY_POSITION_UPSIDE"));
}

TEST(PoseFileTest, NamesAFileThatCannotBeRead) {
  auto file = ParsePoseFile("/nonexistent/alpha.textproto");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(),
            "/nonexistent/alpha.textproto:1: cannot open the file");
}

}  // namespace
}  // namespace yoga::catalog
