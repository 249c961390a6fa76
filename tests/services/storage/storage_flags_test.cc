// Where the database URL comes from (storage_flags.h): --database,
// --database_file or YOGA_DATABASE_URL, exactly one; the file read as a
// mounted Secret is written; errors name the source and never its content.
#include "services/storage/storage_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::storage {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretUrl[] = "postgresql://yoga:S3cretX@db:5432/yoga";

// A file in a fresh folder, removed with it.
class SecretFile {
 public:
  explicit SecretFile(const std::string& content) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "storage-flags-XXXXXX")
            .string();
    dir_ = mkdtemp(pattern.data());
    path_ = dir_ + "/url";
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~SecretFile() { std::filesystem::remove_all(dir_); }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

TEST(DatabaseUrlTest, NothingGivenMeansTheSqliteDefault) {
  absl::StatusOr<DatabaseUrl> url = ResolveDatabaseUrl({});
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->url, "");
}

TEST(DatabaseUrlTest, EachSourceAlone) {
  absl::StatusOr<DatabaseUrl> url = ResolveDatabaseUrl({.flag = "memory"});
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->url, "memory");
  EXPECT_EQ(url->where, "--database");

  url = ResolveDatabaseUrl({.environment = kSecretUrl});
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->url, kSecretUrl);
  EXPECT_EQ(url->where, "YOGA_DATABASE_URL");

  // As `kubectl create secret --from-file` or an editor writes it: the
  // newline (and a CR, and stray spaces) go.
  const SecretFile file(std::string(" ") + kSecretUrl + "\r\n");
  url = ResolveDatabaseUrl({.file = file.path()});
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->url, kSecretUrl);
  EXPECT_EQ(url->where, "--database_file=" + file.path());
}

TEST(DatabaseUrlTest, TwoSourcesAreRefusedByName) {
  const SecretFile file(kSecretUrl);
  for (const DatabaseUrlSources& sources :
       {DatabaseUrlSources{.flag = "memory", .file = file.path()},
        DatabaseUrlSources{.flag = "memory", .environment = kSecretUrl},
        DatabaseUrlSources{.file = file.path(), .environment = kSecretUrl}}) {
    const absl::Status status = ResolveDatabaseUrl(sources).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()),
                AllOf(HasSubstr("both given"), HasSubstr("one place"),
                      Not(HasSubstr("S3cretX"))));
  }
  const absl::Status all =
      ResolveDatabaseUrl(
          {.flag = "memory", .file = file.path(), .environment = kSecretUrl})
          .status();
  EXPECT_THAT(std::string(all.message()),
              AllOf(HasSubstr("--database and --database_file and "
                              "YOGA_DATABASE_URL are all given"),
                    Not(HasSubstr("S3cretX"))));
}

TEST(DatabaseUrlTest, BadFilesAreNamedNeverShown) {
  const SecretFile empty(" \n");
  const SecretFile two_lines(std::string(kSecretUrl) + "\nsecond-S3cretX\n");
  const SecretFile huge(std::string(64 * 1024 + 1, 'S'));
  struct Case {
    std::string path;
    absl::StatusCode code;
    std::string why;
  } cases[] = {
      {empty.path(), absl::StatusCode::kInvalidArgument, "the file is empty"},
      {two_lines.path(), absl::StatusCode::kInvalidArgument,
       "more than one line"},
      {huge.path(), absl::StatusCode::kInvalidArgument, "larger than 64 KiB"},
      {"/nonexistent/yoga/url", absl::StatusCode::kNotFound,
       "cannot read the file: No such file or directory"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ResolveDatabaseUrl({.file = c.path}).status();
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_THAT(
        status.message(),
        AllOf(HasSubstr("--database_file=" + c.path + ": "), HasSubstr(c.why),
              Not(HasSubstr("S3cretX")), Not(HasSubstr("SSSS"))));
  }
}

}  // namespace
}  // namespace yoga::storage
