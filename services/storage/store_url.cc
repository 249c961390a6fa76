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

// Shown instead of a libpq key=value string, whose every word may be a secret.
constexpr absl::string_view kNotShown = "(not shown: it may hold a password)";

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

// A query parameter's name as libpq reads it: percent-decoded, so that
// "pass%77ord=" names the password too.
std::string ParameterName(absl::string_view parameter) {
  const absl::string_view name = parameter.substr(0, parameter.find('='));
  auto hex = [](char c) {
    return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
  };
  std::string decoded;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size() &&
        absl::ascii_isxdigit(name[i + 1]) &&
        absl::ascii_isxdigit(name[i + 2])) {
      decoded.push_back(
          static_cast<char>(hex(name[i + 1]) * 16 + hex(name[i + 2])));
      i += 2;
    } else {
      decoded.push_back(name[i]);
    }
  }
  return decoded;
}

// `text` without its "password=" parameters, and whether it had none. Pieces
// are cut before every '?' and '&': libpq may start the query at another '?'
// than the first (one inside "[...]" belongs to the host), so a piece named
// "password" goes wherever it stands, with its value up to the next '&' (a
// value may hold '?').
std::pair<std::string, bool> WithoutPasswordParameters(absl::string_view text) {
  std::string kept;
  bool none = true;
  bool in_password = false;
  bool query_mark_dropped = false;
  for (size_t start = 0; start < text.size();) {
    const size_t end = text.find_first_of("?&", start + 1);
    const absl::string_view piece = text.substr(start, end - start);
    start = end == absl::string_view::npos ? text.size() : end;
    const bool separated = piece.front() == '?' || piece.front() == '&';
    if (separated && ParameterName(piece.substr(1)) == "password") {
      none = false;
      in_password = true;
      query_mark_dropped = query_mark_dropped || piece.front() == '?';
      continue;
    }
    if (in_password && piece.front() != '&') continue;
    in_password = false;
    if (query_mark_dropped && piece.front() == '&') {
      // "?password=pw&sslmode=require" keeps its "?".
      absl::StrAppend(&kept, "?", piece.substr(1));
    } else {
      absl::StrAppend(&kept, piece);
    }
    query_mark_dropped = false;
  }
  return {kept, none};
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
      return BadUrl(kNotShown,
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
  // Without a scheme, libpq reads "password=..." among key=value words.
  if (SchemeOf(url).empty() && absl::StrContains(url, '='))
    return std::string(kNotShown);
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return std::string(url);
  const size_t authority_start = scheme_end + 3;
  std::string redacted(url.substr(0, authority_start));
  // The user info ends at the URL's last '@': a password may hold '/', '?',
  // '#' or '@' itself. Only the user name is kept, up to the first character
  // that could end it. (A '@' in a query value then hides more than it need,
  // never a password.)
  absl::string_view rest = url.substr(authority_start);
  const size_t at = url.rfind('@');
  if (at != absl::string_view::npos && at >= authority_start) {
    const absl::string_view user_info =
        url.substr(authority_start, at - authority_start);
    absl::StrAppend(&redacted,
                    user_info.substr(0, user_info.find_first_of(":/?#@")));
    rest = url.substr(at);
    // A "password=" parameter before that '@' holds it: its value runs on
    // to the next '&'.
    if (!WithoutPasswordParameters(user_info).second) {
      const size_t next = rest.find('&');
      rest = next == absl::string_view::npos ? "" : rest.substr(next);
    }
  }
  absl::StrAppend(&redacted, WithoutPasswordParameters(rest).first);
  return redacted;
}

}  // namespace yoga::storage
