#include "services/storage/storage_flags.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/storage/store_url.h"

ABSL_FLAG(std::string, data_dir, "",
          "folder of the default SQLite database (yoga.db); default "
          "$XDG_STATE_HOME/yoga, else ~/.local/state/yoga");
ABSL_FLAG(std::string, database, "",
          "where state is kept: empty for SQLite in --data_dir, "
          "sqlite:PATH, postgresql://USER@HOST:PORT/DB?sslmode=verify-full "
          "(shared by replicas; keep the password out of the command line: "
          "--database_file, YOGA_DATABASE_URL or PGPASSWORD), or memory "
          "(nothing kept)");
ABSL_FLAG(std::string, database_file, "",
          "a file holding the --database URL (a mounted secret), read once at "
          "start; instead of --database and YOGA_DATABASE_URL");
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

// A URL file is one line; anything larger is not one.
constexpr size_t kMaxDatabaseFileBytes = 64 * 1024;

absl::StatusOr<std::string> ReadDatabaseFile(const std::string& path) {
  const std::string where = absl::StrCat("--database_file=", path);
  std::unique_ptr<FILE, decltype(&std::fclose)> file(
      std::fopen(path.c_str(), "rb"), &std::fclose);
  if (file == nullptr) {
    const int error = errno;
    return absl::Status(
        error == ENOENT   ? absl::StatusCode::kNotFound
        : error == EACCES ? absl::StatusCode::kPermissionDenied
                          : absl::StatusCode::kUnavailable,
        absl::StrCat(where, ": cannot read the file: ", std::strerror(error)));
  }
  std::string content(kMaxDatabaseFileBytes + 1, '\0');
  content.resize(std::fread(content.data(), 1, content.size(), file.get()));
  if (std::ferror(file.get())) {
    return absl::UnavailableError(
        absl::StrCat(where, ": cannot read the file: ", std::strerror(errno)));
  }
  if (content.size() > kMaxDatabaseFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": the file is larger than 64 KiB; it should hold one URL"));
  }
  // Secrets written by hand or by `kubectl create secret --from-file` often
  // end in a newline.
  const absl::string_view url = absl::StripAsciiWhitespace(content);
  if (url.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the file is empty; it should hold one URL"));
  }
  if (absl::StrContains(url, '\n') || absl::StrContains(url, '\r')) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": the file holds more than one line; it should hold one URL"));
  }
  return std::string(url);
}

// The parsed PostgreSQL URL, or nullopt for any other store (or a URL that
// does not parse: opening it reports that).
std::optional<PostgresUrl> AsPostgres(absl::string_view url) {
  absl::StatusOr<StoreUrl> parsed = ParseStoreUrl(url);
  if (!parsed.ok() || !std::holds_alternative<PostgresUrl>(*parsed)) {
    return std::nullopt;
  }
  return std::get<PostgresUrl>(*std::move(parsed));
}

std::string OptionOf(const PostgresUrl& url, absl::string_view keyword) {
  for (const auto& [key, value] : url.connection_options) {
    if (key == keyword) return value;
  }
  return "";
}

// True when every host libpq would dial is on this machine (a Unix socket
// folder or a loopback address): the connection never crosses a network.
bool OnlyLocalHosts(const PostgresUrl& url) {
  std::string hosts = OptionOf(url, "hostaddr");
  if (hosts.empty()) hosts = OptionOf(url, "host");
  if (hosts.empty()) return true;  // libpq's default: the Unix socket.
  for (absl::string_view host : absl::StrSplit(hosts, ',')) {
    if (!absl::StartsWith(host, "/") && host != "localhost" && host != "::1" &&
        !absl::StartsWith(host, "127.")) {
      return false;
    }
  }
  return true;
}

// libpq's sslmode for `url`: the URL's, else PGSSLMODE's, else libpq's
// default ("prefer": TLS when the server offers it, the server unverified).
std::string SslModeOf(const PostgresUrl& url, bool* is_default) {
  *is_default = false;
  if (std::string mode = OptionOf(url, "sslmode"); !mode.empty()) return mode;
  if (const char* mode = std::getenv("PGSSLMODE");
      mode != nullptr && *mode != '\0') {
    return mode;
  }
  *is_default = true;
  return "prefer";
}

}  // namespace

absl::StatusOr<DatabaseUrl> ResolveDatabaseUrl(
    const DatabaseUrlSources& sources) {
  std::vector<std::string> given;
  if (!sources.flag.empty()) given.push_back("--database");
  if (!sources.file.empty()) given.push_back("--database_file");
  if (!sources.environment.empty()) given.push_back(kDatabaseUrlVariable);
  if (given.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(absl::StrJoin(given, " and "),
                     given.size() == 2 ? " are both given" : " are all given",
                     ": name the database in one place only (--database, "
                     "--database_file or ",
                     kDatabaseUrlVariable, ")"));
  }
  if (!sources.flag.empty()) return DatabaseUrl{sources.flag, "--database"};
  if (!sources.file.empty()) {
    absl::StatusOr<std::string> url = ReadDatabaseFile(sources.file);
    if (!url.ok()) return url.status();
    return DatabaseUrl{*std::move(url),
                       absl::StrCat("--database_file=", sources.file)};
  }
  if (!sources.environment.empty()) {
    return DatabaseUrl{sources.environment, kDatabaseUrlVariable};
  }
  return DatabaseUrl{};
}

absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromFlags() {
  DatabaseUrlSources sources;
  sources.flag = absl::GetFlag(FLAGS_database);
  sources.file = absl::GetFlag(FLAGS_database_file);
  if (const char* value = std::getenv(kDatabaseUrlVariable); value != nullptr) {
    sources.environment = value;
  }
  absl::StatusOr<DatabaseUrl> database = ResolveDatabaseUrl(sources);
  if (!database.ok()) return database.status();
  std::string url = database->url;
  if (url == "memory") {
    Log(LogLevel::kInfo, "store", {{"database", "memory"}});
    return nullptr;
  }
  if (url.empty()) {
    auto dir = DataDir();
    if (!dir.ok()) return dir.status();
    url = absl::StrCat("sqlite:", *dir, "/yoga.db");
  }
  std::string ssl_mode;
  if (std::optional<PostgresUrl> postgres = AsPostgres(url)) {
    if (database->where == "--database" &&
        (!OptionOf(*postgres, "password").empty() ||
         !OptionOf(*postgres, "sslpassword").empty())) {
      Log(LogLevel::kWarning, "store_password_in_arguments",
          {{"why",
            "--database holds a password, which every user of this host sees "
            "in ps; give the URL with --database_file or YOGA_DATABASE_URL, "
            "or the password in PGPASSWORD"}});
    }
    bool is_default = false;
    ssl_mode = SslModeOf(*postgres, &is_default);
    if (is_default && !OnlyLocalHosts(*postgres)) {
      Log(LogLevel::kWarning, "store_tls_unverified",
          {{"database", postgres->description},
           {"why",
            "no sslmode: libpq's default (prefer) neither requires TLS nor "
            "checks the server; add sslmode=verify-full and sslrootcert=FILE "
            "to the URL, or sslmode=disable to say plaintext is meant"}});
    }
  }
  StoreOptions options;
  options.url = url;
  options.pool_size = absl::GetFlag(FLAGS_database_pool_size);
  options.statement_timeout = absl::GetFlag(FLAGS_database_timeout);
  // Making a connection is waited for as long (libpq counts whole seconds,
  // at least 2).
  options.connect_timeout = options.statement_timeout;
  if (options.pool_size < 1 || options.pool_size > 100)
    return absl::InvalidArgumentError("--database_pool_size: must be 1 to 100");
  if (options.statement_timeout < absl::Milliseconds(10))
    return absl::InvalidArgumentError(
        "--database_timeout: must be at least 10ms");
  auto store = OpenStore(options);
  if (!store.ok()) {
    // Which of the three places named the database (never its content).
    if (database->where.empty()) return store.status();
    return absl::Status(
        store.status().code(),
        absl::StrCat(database->where, ": ", store.status().message()));
  }
  LogFields fields = {{"database", (*store)->Describe()}};
  if (!database->where.empty()) fields.emplace_back("from", database->where);
  if (!ssl_mode.empty()) fields.emplace_back("sslmode", ssl_mode);
  Log(LogLevel::kInfo, "store", fields);
  return store;
}

}  // namespace yoga::storage
