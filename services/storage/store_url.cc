#include "services/storage/store_url.h"

#include <libpq-fe.h>

#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace yoga::storage {
namespace {

constexpr absl::string_view kAcceptedForms =
    "use sqlite:PATH, a file path, or "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]";

// The scheme of "scheme://...", or "" when `url` does not start with one (a
// bare path such as "data/yoga.db" or "./a:b").
absl::string_view SchemeOf(absl::string_view url) {
  const size_t end = url.find("://");
  if (end == absl::string_view::npos || end == 0) return "";
  const absl::string_view scheme = url.substr(0, end);
  if (!absl::ascii_isalpha(scheme[0])) return "";
  for (char c : scheme) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return "";
  }
  return scheme;
}

absl::Status BadUrl(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "store URL \"", RedactPassword(url), "\": ", why, "; ", kAcceptedForms));
}

absl::StatusOr<StoreUrl> ParseSqliteUrl(absl::string_view url,
                                        absl::string_view path) {
  // "sqlite:///abs/path" is the URL spelling of "sqlite:/abs/path"; a host
  // ("sqlite://host/path") means nothing to a file.
  if (absl::ConsumePrefix(&path, "//") && !absl::StartsWith(path, "/")) {
    return BadUrl(url,
                  "an SQLite URL with // needs an absolute path after it "
                  "(sqlite:///var/lib/yoga/yoga.db)");
  }
  if (path.empty()) return BadUrl(url, "no SQLite file path");
  return SqliteUrl{std::string(path)};
}

// "h1:p1,h2:p2" from libpq's comma-separated host and port lists.
std::string HostsAndPorts(absl::string_view hosts, absl::string_view ports) {
  const std::vector<absl::string_view> host_list =
      hosts.empty() ? std::vector<absl::string_view>{""}
                    : absl::StrSplit(hosts, ',');
  const std::vector<absl::string_view> port_list = absl::StrSplit(ports, ',');
  std::vector<std::string> pieces;
  for (size_t i = 0; i < host_list.size(); ++i) {
    std::string piece(host_list[i]);
    if (absl::StrContains(piece, ':') && !absl::StartsWith(piece, "/")) {
      piece = absl::StrCat("[", piece, "]");  // An IPv6 address.
    }
    // One port applies to every host; otherwise they pair up.
    const absl::string_view port = port_list.size() == 1  ? port_list[0]
                                   : i < port_list.size() ? port_list[i]
                                                          : "";
    if (!port.empty()) absl::StrAppend(&piece, ":", port);
    pieces.push_back(std::move(piece));
  }
  return absl::StrJoin(pieces, ",");
}

absl::StatusOr<StoreUrl> ParsePostgresUrl(absl::string_view url) {
  const std::string url_string(url);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(url_string.c_str(), &error), &PQconninfoFree);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "libpq cannot parse it";
    PQfreemem(error);
    // libpq quotes the URL in some messages: never show its password.
    why = absl::StrReplaceAll(absl::StripAsciiWhitespace(why),
                              {{url_string, RedactPassword(url)}});
    return BadUrl(url, why);
  }
  PostgresUrl result;
  std::map<std::string, std::string, std::less<>> given;
  for (const PQconninfoOption* option = parsed.get();
       option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    result.connection_options.emplace_back(option->keyword, option->val);
    given[option->keyword] = option->val;
  }
  const std::string& host =
      given.count("host") ? given["host"] : given["hostaddr"];
  const std::string user = given.count("user") ? given["user"] + "@" : "";
  result.description =
      absl::StrCat("postgresql://", user, HostsAndPorts(host, given["port"]),
                   "/", given["dbname"]);
  return result;
}

}  // namespace

absl::StatusOr<StoreUrl> ParseStoreUrl(absl::string_view url) {
  if (url.empty()) return BadUrl(url, "it is empty");
  if (url == "memory") {
    return BadUrl(url, "\"memory\" means no store, which the caller handles");
  }
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "sqlite:")) return ParseSqliteUrl(url, rest);
  const absl::string_view scheme = SchemeOf(url);
  if (scheme.empty()) {
    // "host=db user=yoga password=..." would otherwise become a file of
    // that name, and its password a log line.
    if (absl::StrContains(url, '=')) {
      return BadUrl("(not shown: it may hold a password)",
                    "a libpq key=value string is not accepted; give a "
                    "postgresql://USER@HOST:PORT/DB URL (password in "
                    "PGPASSWORD) or a file path without '='");
    }
    return ParseSqliteUrl(url, url);
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    return ParsePostgresUrl(url);
  }
  return BadUrl(url, absl::StrCat("no backend for \"", scheme, "://\""));
}

std::string RedactPassword(absl::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(url);
  const size_t authority_start = scheme_end + 3;
  std::string redacted(url.substr(0, authority_start));
  // The user info ends at the URL's last '@': a password may hold '/', '?',
  // '#' or '@' itself. Only the user name before the first ':' is kept. (A
  // '@' in a query value then hides more than it need, never a password.)
  size_t authority_end;
  const size_t at = url.rfind('@');
  if (at != absl::string_view::npos && at >= authority_start) {
    const absl::string_view user_info =
        url.substr(authority_start, at - authority_start);
    absl::StrAppend(&redacted, user_info.substr(0, user_info.find(':')));
    authority_end = url.find_first_of("/?#", at);
    if (authority_end == absl::string_view::npos) authority_end = url.size();
    absl::StrAppend(&redacted, url.substr(at, authority_end - at));
  } else {
    authority_end = url.find_first_of("/?#", authority_start);
    if (authority_end == absl::string_view::npos) authority_end = url.size();
    absl::StrAppend(&redacted, url.substr(authority_start,
                                          authority_end - authority_start));
  }
  absl::string_view tail = url.substr(authority_end);
  const size_t query_start = tail.find('?');
  if (query_start == absl::string_view::npos) {
    absl::StrAppend(&redacted, tail);
    return redacted;
  }
  absl::StrAppend(&redacted, tail.substr(0, query_start + 1));
  std::vector<absl::string_view> kept;
  for (absl::string_view parameter :
       absl::StrSplit(tail.substr(query_start + 1), '&')) {
    if (!absl::StartsWith(parameter, "password=")) kept.push_back(parameter);
  }
  absl::StrAppend(&redacted, absl::StrJoin(kept, "&"));
  return redacted;
}

}  // namespace yoga::storage
