// Fuzzes the store URL (services/storage/store_url.h): ParseStoreUrl and
// RedactPassword, against libpq's own reading of the same text.
// Invariants, whenever libpq reads a password P from the text:
//   - RedactPassword's text gives libpq no password at all;
//   - no text shown to people (RedactPassword's, ParseStoreUrl's error and
//     description) depends on P: where P is written once as is, the text
//     shown holds P no more often than for the same URL with P's letters and
//     digits changed; where P (letters and digits) is written once only
//     percent-encoded, the redacted text and the description do not hold it.
// Also: a refused URL is INVALID_ARGUMENT; a PostgreSQL URL accepted carries
// exactly libpq's options, its description starting "postgresql://".
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/storage/store_url.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::fuzz::Check;
using yoga::storage::ParseStoreUrl;
using yoga::storage::PostgresUrl;

constexpr absl::string_view kNotShown = "(not shown: it may hold a password)";

// libpq's options for `text` (a URL or key=value words), nullopt when libpq
// cannot parse it.
std::optional<std::map<std::string, std::string>> LibpqOptions(
    const std::string& text) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> parsed(
      PQconninfoParse(text.c_str(), &error), &PQconninfoFree);
  PQfreemem(error);
  if (parsed == nullptr) return std::nullopt;
  std::map<std::string, std::string> options;
  for (const PQconninfoOption* option = parsed.get();
       option->keyword != nullptr; ++option) {
    if (option->val != nullptr) options[option->keyword] = option->val;
  }
  return options;
}

// `text` with every %XX decoded (left as is where no two hex digits follow).
std::string PercentDecoded(absl::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        absl::ascii_isxdigit(text[i + 1]) &&
        absl::ascii_isxdigit(text[i + 2])) {
      decoded.push_back(static_cast<char>(
          std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

size_t Count(absl::string_view text, absl::string_view part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != absl::string_view::npos;
       at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

bool AlphanumericOnly(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isalnum(c)) return false;
  }
  return true;
}

// Every letter and digit moved on by one (z to a, 9 to 0): the same shape,
// other characters.
std::string Rotated(absl::string_view text) {
  std::string rotated(text);
  for (char& c : rotated) {
    if (c == 'z' || c == 'Z' || c == '9') {
      c = c == '9' ? '0' : c - 25;
    } else if (absl::ascii_isalnum(c)) {
      ++c;
    }
  }
  return rotated;
}

// What RedactPassword, ParseStoreUrl's error or its description shows.
using ShownText = std::function<std::string(const std::string& url)>;

std::string Redacted(const std::string& url) {
  return yoga::storage::RedactPassword(url);
}

std::string Error(const std::string& url) {
  auto parsed = ParseStoreUrl(url);
  return parsed.ok() ? "" : std::string(parsed.status().message());
}

std::string Description(const std::string& url) {
  auto parsed = ParseStoreUrl(url);
  if (!parsed.ok()) return "";
  const auto* postgres = std::get_if<PostgresUrl>(&*parsed);
  return postgres == nullptr ? "" : postgres->description;
}

void CheckPasswordNotShown(const std::string& url, const std::string& password,
                           const ShownText& shown, absl::string_view what,
                           bool check_encoded) {
  const std::string text = shown(url);
  const std::string detail = absl::StrCat("url: ", url, "\nshown: ", text);
  // Once as is, not inside a %XX, and nowhere else even decoded: that one
  // place is the password's own.
  const size_t place = url.find(password);
  const size_t escape = url.find('%', place < 2 ? 0 : place - 2);
  if (Count(url, password) == 1 && Count(PercentDecoded(url), password) == 1 &&
      (escape == std::string::npos || escape >= place + password.size()) &&
      Rotated(password) != password) {
    std::string other = url;
    other.replace(place, password.size(), Rotated(password));
    Check(Count(text, password) <= Count(shown(other), password),
          absl::StrCat(what, " does not show the password"), detail);
  }
  if (check_encoded && AlphanumericOnly(password) &&
      Count(url, password) == 0 && Count(PercentDecoded(url), password) == 1 &&
      text != kNotShown) {
    // The description is made of decoded values after its own scheme.
    const absl::string_view own = absl::StartsWith(text, "postgresql://")
                                      ? absl::string_view(text).substr(13)
                                      : absl::string_view(text);
    Check(!absl::StrContains(PercentDecoded(own), password),
          absl::StrCat(what, " does not show the password, even encoded"),
          detail);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  // libpq reads C strings: a NUL would end the text it sees early.
  if (url.find('\0') != std::string::npos) return 0;

  const auto libpq = LibpqOptions(url);
  std::string password;
  if (libpq.has_value() && libpq->count("password"))
    password = libpq->at("password");

  const std::string redacted = yoga::storage::RedactPassword(url);
  if (!password.empty()) {
    const auto libpq_redacted = LibpqOptions(redacted);
    Check(!libpq_redacted.has_value() || libpq_redacted->count("password") == 0,
          "the redacted text gives libpq no password",
          absl::StrCat("url: ", url, "\nredacted: ", redacted));
    CheckPasswordNotShown(url, password, Redacted, "the redacted text",
                          /*check_encoded=*/true);
    CheckPasswordNotShown(url, password, Error, "the error",
                          /*check_encoded=*/false);
    CheckPasswordNotShown(url, password, Description, "the description",
                          /*check_encoded=*/true);
  }

  absl::StatusOr<yoga::storage::StoreUrl> parsed = ParseStoreUrl(url);
  if (!parsed.ok()) {
    Check(absl::IsInvalidArgument(parsed.status()),
          "a refused URL is INVALID_ARGUMENT", parsed.status().ToString());
    return 0;
  }
  if (const auto* postgres = std::get_if<PostgresUrl>(&*parsed)) {
    Check(absl::StartsWith(postgres->description, "postgresql://"),
          "a description is a postgresql:// URL", postgres->description);
    Check(libpq.has_value(), "libpq reads an accepted PostgreSQL URL", url);
    std::map<std::string, std::string> options(
        postgres->connection_options.begin(),
        postgres->connection_options.end());
    Check(options == *libpq, "the options are libpq's own", url);
  } else {
    const auto& sqlite = std::get<yoga::storage::SqliteUrl>(*parsed);
    Check(!sqlite.path.empty(), "an SQLite URL has a path", url);
  }
  return 0;
}
