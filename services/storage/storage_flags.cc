#include "services/storage/storage_flags.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"

ABSL_FLAG(std::string, data_dir, "",
          "folder of the default SQLite database (yoga.db); default "
          "$XDG_STATE_HOME/yoga, else ~/.local/state/yoga");
ABSL_FLAG(std::string, database, "",
          "where state is kept: empty for SQLite in --data_dir, "
          "sqlite:PATH, postgresql://USER:PASSWORD@HOST:PORT/DB (shared by "
          "replicas), or memory (nothing kept)");
ABSL_FLAG(int, database_pool_size, 4,
          "PostgreSQL: connections each server keeps open");
ABSL_FLAG(absl::Duration, database_timeout, absl::Seconds(5),
          "longest one database statement (or wait for a connection) may take");

namespace yoga::storage {
namespace {

absl::StatusOr<std::string> DataDir() {
  std::string dir = absl::GetFlag(FLAGS_data_dir);
  if (dir.empty()) {
    if (const char* state = std::getenv("XDG_STATE_HOME");
        state != nullptr && *state != '\0') {
      dir = absl::StrCat(state, "/yoga");
    } else if (const char* home = std::getenv("HOME");
               home != nullptr && *home != '\0') {
      dir = absl::StrCat(home, "/.local/state/yoga");
    } else {
      return absl::InvalidArgumentError(
          "--data_dir: not set, and neither XDG_STATE_HOME nor HOME is; give "
          "the folder to keep the database in");
    }
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "--data_dir=", dir, ": cannot create it: ", error.message()));
  }
  return dir;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromFlags() {
  std::string url = absl::GetFlag(FLAGS_database);
  if (url == "memory") {
    Log(LogLevel::kInfo, "store", {{"database", "memory"}});
    return nullptr;
  }
  if (url.empty()) {
    auto dir = DataDir();
    if (!dir.ok()) return dir.status();
    url = absl::StrCat("sqlite:", *dir, "/yoga.db");
  }
  StoreOptions options;
  options.url = url;
  options.pool_size = absl::GetFlag(FLAGS_database_pool_size);
  options.statement_timeout = absl::GetFlag(FLAGS_database_timeout);
  if (options.pool_size < 1 || options.pool_size > 100)
    return absl::InvalidArgumentError("--database_pool_size: must be 1 to 100");
  if (options.statement_timeout < absl::Milliseconds(10))
    return absl::InvalidArgumentError(
        "--database_timeout: must be at least 10ms");
  auto store = OpenStore(options);
  if (!store.ok()) return store.status();
  Log(LogLevel::kInfo, "store", {{"database", (*store)->Describe()}});
  return store;
}

}  // namespace yoga::storage
