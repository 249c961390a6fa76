// Reads the URL of a store: which backend it names and where the data is.
// OpenStore calls it; it is public so that tools and tests can check a URL and
// print where data lives without connecting.
//
//   "sqlite:/var/lib/yoga/yoga.db", "sqlite:///var/lib/yoga/yoga.db" or a bare
//   path ("yoga.db", "/var/lib/yoga/yoga.db")         -> SqliteUrl
//   "postgresql://user:pw@host:5432/db?sslmode=verify-full" or
//   "postgres://..."; any libpq parameter in the query, passed on as given
//   (sslmode is checked here; absent, libpq's default "prefer")
//                                                     -> PostgresUrl
//
// Anything else, including an empty URL and "memory" (which callers take to
// mean "no store" before they get here), is INVALID_ARGUMENT. No password ever
// appears in an error or a description.
#ifndef YOGA_SERVICES_STORAGE_STORE_URL_H_
#define YOGA_SERVICES_STORAGE_STORE_URL_H_

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace yoga::storage {

struct SqliteUrl {
  std::string path;  // As given: relative paths are relative to the cwd.
};

struct PostgresUrl {
  // libpq's connection keywords and values parsed from the URL (percent
  // decoding done), password included: for connecting only.
  std::vector<std::pair<std::string, std::string>> connection_options;
  // "postgresql://user@host:port/db": what the URL names, never the password.
  std::string description;
};

using StoreUrl = std::variant<SqliteUrl, PostgresUrl>;

absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url);

// `url` with every secret libpq would read from it removed, for messages: in
// a URL the ":pw" of "user:pw@" and "password="/"sslpassword=" query
// parameters (keywords percent-decoded, as libpq does); in a libpq
// "keyword=value" string those keywords and their values (quoted or not), and
// nested URLs redacted in turn. Text that is neither form but may hold a
// password is replaced whole; a plain path is returned as it is.
std::string RedactPassword(absl::string_view url);

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STORE_URL_H_
