// Reads the URL of a store: which backend it names and where the data is.
// OpenStore calls it; it is public so that tools and tests can check a URL and
// print where data lives without connecting.
//
//   "sqlite:/var/lib/yoga/yoga.db", "sqlite:///var/lib/yoga/yoga.db" or a bare
//   path ("yoga.db", "/var/lib/yoga/yoga.db")         -> SqliteUrl
//   "postgresql://user:pw@host:5432/db?sslmode=require" or "postgres://..."
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

// `url` with any password removed (the ":pw" of "user:pw@" and a "password="
// query parameter), for messages about a URL that could not be parsed. Text
// without a scheme holding '=' (libpq would read key=value words, a password
// among them) is replaced whole by "(not shown: it may hold a password)".
std::string RedactPassword(absl::string_view url);

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STORE_URL_H_
