#include "client/cli/practice_profile.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

TEST(DefaultProfileIdTest, IsTheLoginNameWhenTheServerTakesIt) {
  EXPECT_EQ(DefaultProfileId("ada"), "ada");
  EXPECT_EQ(DefaultProfileId("ada.lovelace+runs@example.org"),
            "ada.lovelace+runs@example.org");
  EXPECT_EQ(DefaultProfileId(nullptr), "runner");
  EXPECT_EQ(DefaultProfileId(""), "runner");
  EXPECT_EQ(DefaultProfileId("DOMAIN\\ada"), "runner");
  EXPECT_EQ(DefaultProfileId("jörg"), "runner");
  EXPECT_EQ(DefaultProfileId(std::string(129, 'a').c_str()), "runner");
}

class LocalTimeZoneNameTest : public ::testing::Test {
 protected:
  LocalTimeZoneNameTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("practice_profile_test.", getpid())) {
    std::filesystem::create_directories(dir_);
    sources_.timezone_file = (dir_ / "timezone").string();
    sources_.localtime_link = (dir_ / "localtime").string();
  }
  ~LocalTimeZoneNameTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::filesystem::path dir_;
  TimeZoneSources sources_;  // Nothing there yet.
};

TEST_F(LocalTimeZoneNameTest, IsUtcWhenNothingSays) {
  EXPECT_EQ(LocalTimeZoneName(sources_), "UTC");
}

TEST_F(LocalTimeZoneNameTest, TzComesFirstInEachOfItsSpellings) {
  std::ofstream(sources_.timezone_file) << "America/New_York\n";
  for (const char* tz : {"Europe/Berlin", ":Europe/Berlin",
                         "/usr/share/zoneinfo/Europe/Berlin"}) {
    sources_.tz = tz;
    EXPECT_EQ(LocalTimeZoneName(sources_), "Europe/Berlin") << tz;
  }
  // Not a zone name absl loads (a POSIX rule, a typo): the next source.
  for (const char* tz : {"CET-1CEST", "Europe/Berlni", "", ":"}) {
    sources_.tz = tz;
    EXPECT_EQ(LocalTimeZoneName(sources_), "America/New_York") << tz;
  }
}

TEST_F(LocalTimeZoneNameTest, ThenTheTimezoneFileThenTheLocaltimeLink) {
  std::filesystem::create_symlink("../usr/share/zoneinfo/Asia/Tokyo",
                                  sources_.localtime_link);
  EXPECT_EQ(LocalTimeZoneName(sources_), "Asia/Tokyo");
  std::ofstream(sources_.timezone_file) << "  Europe/Paris  \n";
  EXPECT_EQ(LocalTimeZoneName(sources_), "Europe/Paris");
}

TEST_F(LocalTimeZoneNameTest, NeverNamesLocaltimeOrAPath) {
  std::ofstream(sources_.timezone_file) << "localtime\n";
  sources_.tz = "/etc/localtime";
  EXPECT_EQ(LocalTimeZoneName(sources_), "UTC");
}

}  // namespace
}  // namespace yoga::client
