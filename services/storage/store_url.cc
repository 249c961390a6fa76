#include "services/storage/store_url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace yoga::storage {
namespace {

// Shown instead of text that may hold a password redaction cannot remove.
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

// --- Redaction ------------------------------------------------------------
// The text may be any string an operator gave as a store URL, so each form
// libpq reads is handled: a URL ("scheme://user:pw@host/db?password=pw") and
// a "keyword=value" string ("host=db password='p w'"). What cannot be read as
// either, but holds "://", is treated as a URL; anything else (a path) is
// returned as it is. Redaction errs on hiding too much.

// Nested values ("dbname='postgresql://u:pw@h/db'") are redacted this deep.
constexpr int kMaxRedactionDepth = 3;

std::string RedactPasswordIn(absl::string_view text, int depth);

// libpq's keywords whose values are secrets: the password, and the one that
// unlocks the client's TLS key.
bool IsSecretKeyword(absl::string_view keyword) {
  return absl::EqualsIgnoreCase(keyword, "password") ||
         absl::EqualsIgnoreCase(keyword, "sslpassword");
}

// `text` with %XX sequences decoded, as libpq decodes URL query keywords.
std::string PercentDecoded(absl::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        absl::ascii_isxdigit(text[i + 1]) &&
        absl::ascii_isxdigit(text[i + 2])) {
      const auto hex = [](char c) {
        return absl::ascii_isdigit(c) ? c - '0'
                                      : absl::ascii_tolower(c) - 'a' + 10;
      };
      decoded.push_back(
          static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

// A URL: the ":pw" of the user info and every secret query parameter go.
std::string RedactUrl(absl::string_view url, size_t scheme_end) {
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
    // libpq decodes the keyword too: "p%61ssword=pw" is a password.
    const absl::string_view keyword = parameter.substr(0, parameter.find('='));
    if (!IsSecretKeyword(PercentDecoded(keyword))) kept.push_back(parameter);
  }
  absl::StrAppend(&redacted, absl::StrJoin(kept, "&"));
  return redacted;
}

// One "keyword = value" of a libpq connection string, as libpq reads it: the
// value is single-quoted (backslash escapes anything) or runs to the next
// whitespace (backslash escapes there too).
struct KeywordValue {
  size_t start = 0;  // Of the keyword.
  size_t end = 0;    // Just past the value.
  std::string keyword;
  std::string value;  // Unquoted, unescaped.
};

// Every keyword=value of `text`, or nullopt when libpq could not read it.
std::optional<std::vector<KeywordValue>> KeywordValues(absl::string_view text) {
  std::vector<KeywordValue> pairs;
  size_t i = 0;
  const auto skip_space = [&] {
    while (i < text.size() && absl::ascii_isspace(text[i])) ++i;
  };
  while (true) {
    skip_space();
    if (i == text.size()) return pairs;
    KeywordValue pair;
    pair.start = i;
    while (i < text.size() && text[i] != '=' && !absl::ascii_isspace(text[i])) {
      pair.keyword.push_back(text[i++]);
    }
    skip_space();
    if (pair.keyword.empty() || i == text.size() || text[i] != '=') {
      return std::nullopt;
    }
    ++i;
    skip_space();
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          pair.value.push_back(text[i + 1]);
          i += 2;
        } else if (text[i] == '\'') {
          ++i;
          closed = true;
          break;
        } else {
          pair.value.push_back(text[i++]);
        }
      }
      if (!closed) return std::nullopt;
    } else {
      while (i < text.size() && !absl::ascii_isspace(text[i])) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        pair.value.push_back(text[i++]);
      }
    }
    pair.end = i;
    pairs.push_back(std::move(pair));
  }
}

// A connection string: secret keywords go with their values; a value that is
// itself a URL or a connection string (libpq may expand a dbname) is redacted
// in turn.
std::string RedactKeywordValues(absl::string_view text, int depth) {
  const std::optional<std::vector<KeywordValue>> pairs = KeywordValues(text);
  if (!pairs.has_value()) {
    return "(not shown: neither a URL nor a keyword=value string, it may hold "
           "a password)";
  }
  std::vector<std::string> kept;
  for (const KeywordValue& pair : *pairs) {
    if (IsSecretKeyword(pair.keyword)) continue;
    if (absl::StrContains(pair.value, "://") ||
        absl::StrContains(pair.value, '=')) {
      kept.push_back(absl::StrCat(
          pair.keyword, "='",
          absl::StrReplaceAll(RedactPasswordIn(pair.value, depth - 1),
                              {{"\\", "\\\\"}, {"'", "\\'"}}),
          "'"));
    } else {
      kept.emplace_back(text.substr(pair.start, pair.end - pair.start));
    }
  }
  return absl::StrJoin(kept, " ");
}

std::string RedactPasswordIn(absl::string_view text, int depth) {
  if (depth <= 0) return "(not shown: nested too deep, it may hold a password)";
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
  if (!SchemeOf(trimmed).empty()) {
    return RedactUrl(text, text.find("://"));
  }
  if (absl::StrContains(text, '=')) return RedactKeywordValues(text, depth);
  if (const size_t scheme_end = text.find("://");
      scheme_end != absl::string_view::npos) {
    return RedactUrl(text, scheme_end);
  }
  return std::string(text);
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
  // libpq would find a misspelt mode only when connecting, after a server
  // was chosen; say it now.
  if (const auto mode = given.find("sslmode"); mode != given.end()) {
    static constexpr absl::string_view kSslModes[] = {
        "disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
    if (std::find(std::begin(kSslModes), std::end(kSslModes), mode->second) ==
        std::end(kSslModes)) {
      return BadUrl(
          url, absl::StrCat("sslmode \"", mode->second, "\" is not one of ",
                            absl::StrJoin(kSslModes, ", ")));
    }
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

namespace {

// The secrets libpq reads from `text` (its password and sslpassword), none
// when it cannot read `text` at all.
std::vector<std::string> SecretsLibpqReads(absl::string_view text) {
  std::vector<std::string> secrets;
  const std::string text_string(text);
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(text_string.c_str(), &error), &PQconninfoFree);
  PQfreemem(error);
  if (parsed == nullptr) return secrets;
  for (const PQconninfoOption* option = parsed.get();
       option->keyword != nullptr; ++option) {
    if (IsSecretKeyword(option->keyword) && option->val != nullptr &&
        *option->val != '\0') {
      secrets.emplace_back(option->val);
    }
  }
  return secrets;
}

}  // namespace

std::string RedactPassword(absl::string_view url) {
  std::string redacted = RedactPasswordIn(url, kMaxRedactionDepth);
  // libpq itself is the judge: what is shown must give it no password, and
  // must not hold the one it reads from `url` (its rules for '@', '?' and
  // brackets are its own). Otherwise nothing is shown.
  bool safe = SecretsLibpqReads(redacted).empty();
  for (const std::string& secret : SecretsLibpqReads(url)) {
    if (absl::StrContains(redacted, secret)) safe = false;
  }
  return safe ? redacted : std::string(kNotShown);
}

}  // namespace yoga::storage
