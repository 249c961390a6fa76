#include "services/catalog/catalog_loader.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/catalog/catalog_fixtures.h"

namespace yoga::catalog {
namespace {

using ::testing::HasSubstr;
using testing::kAlpha;
using testing::kBeta;

// A fresh folder of pose files, removed afterwards.
class CatalogDir {
 public:
  CatalogDir()
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("yoga-catalog-", getpid(), "-", counter_++)) {
    std::filesystem::create_directories(path_);
  }
  ~CatalogDir() { std::filesystem::remove_all(path_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(path_ / name) << text;
  }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(CatalogLoaderTest, LoadsEveryTextprotoSortedById) {
  CatalogDir dir;
  dir.Write("beta.textproto", kBeta);
  dir.Write("alpha.textproto", kAlpha);
  dir.Write("README.md", "not a pose");
  auto catalog = LoadCatalog(dir.path());
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ(catalog->poses().size(), 2u);
  EXPECT_EQ(catalog->poses()[0].id(), "alpha");
  EXPECT_EQ(catalog->poses()[1].id(), "beta");
  EXPECT_EQ(catalog->FindPose("beta")->name(), "Beta");
  EXPECT_EQ(catalog->FindPose("gamma"), nullptr);
  EXPECT_EQ(catalog->FindPoseOfVariation("beta-legs-long")->id(), "beta");
  EXPECT_EQ(catalog->etag().size(), 16u);
}

TEST(CatalogLoaderTest, EtagFollowsContent) {
  CatalogDir first;
  first.Write("alpha.textproto", kAlpha);
  CatalogDir same;
  same.Write("alpha.textproto", kAlpha);
  CatalogDir changed;
  changed.Write("alpha.textproto",
                testing::Replace(kAlpha, "Stand tall.", "Stand up tall."));
  const std::string etag = LoadCatalog(first.path())->etag();
  EXPECT_EQ(LoadCatalog(same.path())->etag(), etag);
  EXPECT_NE(LoadCatalog(changed.path())->etag(), etag);
}

TEST(CatalogLoaderTest, ParseErrorsNameFileAndLine) {
  CatalogDir dir;
  dir.Write("alpha.textproto", testing::Replace(kAlpha, "level:", "levle:"));
  dir.Write("beta.textproto", kBeta);
  auto catalog = LoadCatalog(dir.path());
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(catalog.status().message()),
              HasSubstr(dir.file("alpha.textproto") + ":5:"));
}

TEST(CatalogLoaderTest, RuleViolationsNameFileAndLine) {
  CatalogDir dir;
  dir.Write("alpha.textproto",
            std::string(kAlpha) + "counterposes: \"gamma\"\n");
  auto catalog = LoadCatalog(dir.path());
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().message(),
            dir.file("alpha.textproto") +
                ":11: unknown pose id \"gamma\" in counterposes");
}

TEST(CatalogLoaderTest, MissingOrEmptyFolderIsNotFound) {
  auto missing = LoadCatalog("/nonexistent/catalog");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/catalog"));
  CatalogDir empty;
  auto none = LoadCatalog(empty.path());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(none.status().message()),
              HasSubstr("no *.textproto pose files"));
}

}  // namespace
}  // namespace yoga::catalog
