#include "services/runtime/api_keys.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/text_proto_file.h"

namespace yoga {
namespace {

constexpr int kMaxBurst = 100000;
constexpr double kMaxRate = 100000;

}  // namespace

bool IsKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.')
      return false;
  }
  return true;
}

namespace {

bool IsSha256Hex(absl::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

absl::StatusOr<unsigned> ParsePermissions(absl::string_view names) {
  // A bare "permissions" has no value at all, and splitting nothing gives no
  // names: a key that may call nothing.
  if (names.empty()) {
    return absl::InvalidArgumentError(
        "permissions= needs planner, sessions or planner,sessions");
  }
  unsigned permissions = 0;
  for (absl::string_view name : absl::StrSplit(names, ',')) {
    if (name == "planner") {
      permissions |= kPlannerPermission;
    } else if (name == "sessions") {
      permissions |= kSessionsPermission;
    } else if (name == "peer") {
      permissions |= kPeerPermission;
    } else if (name == "teach") {
      permissions |= kTeachPermission;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown permission \"", name,
                       "\" (known: planner, sessions, peer, teach)"));
    }
  }
  return permissions;
}

// One line's key; `error` is what is wrong with it, without the location.
absl::StatusOr<ApiKey> ParseLine(absl::string_view line) {
  std::vector<absl::string_view> words =
      absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  ApiKey key;
  key.id = std::string(words[0]);
  if (!IsKeyId(key.id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key id \"", key.id,
                     "\" must be 1 to 64 letters, digits, '-', '_' or '.'"));
  }
  bool has_permissions = false;
  for (size_t i = 1; i < words.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> field =
        absl::StrSplit(words[i], absl::MaxSplits('=', 1));
    const auto [name, value] = field;
    if (name == "sha256") {
      if (!IsSha256Hex(value)) {
        return absl::InvalidArgumentError(
            "sha256 must be 64 lowercase hex digits (printf %s \"$KEY\" | "
            "sha256sum)");
      }
      key.sha256_hex = std::string(value);
    } else if (name == "permissions") {
      absl::StatusOr<unsigned> permissions = ParsePermissions(value);
      if (!permissions.ok()) return permissions.status();
      key.permissions = *permissions;
      has_permissions = true;
    } else if (name == "rate") {
      if (!absl::SimpleAtod(value, &key.rate) || !std::isfinite(key.rate) ||
          key.rate <= 0 || key.rate > kMaxRate) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rate must be calls a second, above 0 and at most ", kMaxRate));
      }
    } else if (name == "burst") {
      if (!absl::SimpleAtoi(value, &key.burst) || key.burst < 1 ||
          key.burst > kMaxBurst) {
        return absl::InvalidArgumentError(
            absl::StrCat("burst must be a whole number from 1 to ", kMaxBurst));
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field \"", words[i],
                       "\" (known: sha256=, permissions=, rate=, burst=)"));
    }
  }
  if (key.sha256_hex.empty())
    return absl::InvalidArgumentError("sha256= is required");
  if (!has_permissions) {
    return absl::InvalidArgumentError(
        "permissions= is required (planner, or planner,sessions)");
  }
  return key;
}

}  // namespace

absl::StatusOr<std::vector<ApiKey>> ParseApiKeys(absl::string_view path,
                                                 absl::string_view text) {
  std::vector<ApiKey> keys;
  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<std::string> hashes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    auto at = [&](absl::string_view reason) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": ", reason));
    };
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    absl::StatusOr<ApiKey> key = ParseLine(line);
    if (!key.ok()) return at(key.status().message());
    if (!ids.insert(key->id).second)
      return at(absl::StrCat("key id \"", key->id, "\" is already used"));
    if (!hashes.insert(key->sha256_hex).second)
      return at("this sha256 is already another key's: one key, one id");
    keys.push_back(*std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: no keys; with --api_keys every call needs one"));
  }
  return keys;
}

absl::StatusOr<std::vector<ApiKey>> ReadApiKeys(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseApiKeys(path, *text);
}

std::string PermissionNames(unsigned permissions) {
  std::vector<absl::string_view> names;
  if (permissions & kPlannerPermission) names.push_back("planner");
  if (permissions & kSessionsPermission) names.push_back("sessions");
  if (permissions & kPeerPermission) names.push_back("peer");
  if (permissions & kTeachPermission) names.push_back("teach");
  return absl::StrJoin(names, ",");
}

}  // namespace yoga
