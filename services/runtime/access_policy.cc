#include "services/runtime/access_policy.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"

namespace yoga {
namespace {

// Services anyone may call: probes and tools need them, and they reveal
// nothing a partner's documentation does not.
constexpr absl::string_view kOpenServices[] = {
    "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection"};

// The permission a service needs; 0 for services any valid key may call.
unsigned PermissionFor(absl::string_view service) {
  if (service == "yoga.planner.v1.PlannerService" ||
      service == "yoga.catalog.v1.CatalogService") {
    return kPlannerPermission;
  }
  if (service == "yoga.session.v1.SessionService") return kSessionsPermission;
  return 0;
}

// "/pkg.Service/Method" -> "pkg.Service".
absl::string_view ServiceOf(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  return method.substr(0, method.find('/'));
}

std::string Seconds(absl::Duration duration) {
  return absl::StrCat(absl::ToDoubleSeconds(duration), "s");
}

}  // namespace

AccessPolicy::AccessPolicy(std::vector<ApiKey> keys, absl::Time now) {
  for (ApiKey& key : keys) {
    TokenBucket bucket(key.rate, key.burst, now);
    std::string hash = key.sha256_hex;
    keys_.emplace(std::move(hash), Entry{std::move(key), bucket});
  }
}

AccessPolicy::Decision AccessPolicy::Admit(absl::string_view method,
                                           absl::string_view presented_key,
                                           absl::Time now) {
  const absl::string_view service = ServiceOf(method);
  for (absl::string_view open : kOpenServices) {
    if (service == open) return {absl::OkStatus(), ""};
  }
  if (presented_key.empty()) {
    return {WithReason(absl::UnauthenticatedError(absl::StrCat(
                           "this server needs an API key: send it in the \"",
                           kApiKeyMetadata, "\" metadata")),
                       "API_KEY_MISSING"),
            ""};
  }
  // Hashed before the lookup, so the time a lookup takes says nothing about
  // how close a guess was.
  const std::string hash = Sha256Hex(presented_key);
  absl::MutexLock lock(&mutex_);
  auto found = keys_.find(hash);
  if (found == keys_.end()) {
    return {WithReason(absl::UnauthenticatedError(absl::StrCat(
                           "the API key in \"", kApiKeyMetadata,
                           "\" is not known here (revoked, mistyped or for "
                           "another server)")),
                       "API_KEY_UNKNOWN"),
            ""};
  }
  Entry& entry = found->second;
  const ApiKey& key = entry.key;
  const unsigned needed = PermissionFor(service);
  if ((key.permissions & needed) != needed) {
    return {WithReason(absl::PermissionDeniedError(absl::StrCat(
                           "key ", key.id, " may not call ", service,
                           ": that needs the permission \"",
                           PermissionNames(needed), "\" and the key has \"",
                           PermissionNames(key.permissions), "\"")),
                       "PERMISSION_MISSING",
                       {{"permission", PermissionNames(needed)}}),
            key.id};
  }
  const absl::Duration wait = entry.bucket.TryTake(now);
  if (wait > absl::ZeroDuration()) {
    return {
        WithReason(WithRetryDelay(absl::ResourceExhaustedError(absl::StrCat(
                                      "quota of key ", key.id, " exhausted (",
                                      key.rate, " calls/s, burst ", key.burst,
                                      "); retry in ", Seconds(wait))),
                                  wait),
                   "QUOTA_EXHAUSTED"),
        key.id};
  }
  return {absl::OkStatus(), key.id, key.permissions};
}

}  // namespace yoga
