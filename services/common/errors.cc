#include "services/common/errors.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"

namespace yoga {
namespace {

constexpr char kBadRequestTypeUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";
constexpr char kRetryInfoTypeUrl[] = "type.googleapis.com/google.rpc.RetryInfo";
constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
// The payloads that travel as google.rpc.Status details, by type URL.
constexpr const char* kDetailTypeUrls[] = {
    kBadRequestTypeUrl, kRetryInfoTypeUrl, kErrorInfoTypeUrl};

// The ErrorInfo a status without a reason of its own gets.
google::rpc::ErrorInfo DefaultErrorInfo(grpc::StatusCode code) {
  google::rpc::ErrorInfo info;
  info.set_reason(StatusCodeName(code));
  info.set_domain(kErrorDomain);
  return info;
}

}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  ++count_;
  // Bounded, so an error about a huge request still fits in gRPC's metadata.
  if (bad_request_.field_violations_size() >= kMaxFieldViolations) return;
  auto* violation = bad_request_.add_field_violations();
  violation->set_field(std::move(field));
  violation->set_description(std::move(description));
}

absl::Status FieldViolations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  // The message names the first few; the BadRequest detail lists them all
  // (up to kMaxFieldViolations).
  constexpr int kInMessage = 5;
  std::vector<std::string> parts;
  for (const auto& v : bad_request_.field_violations()) {
    if (static_cast<int>(parts.size()) == kInMessage) break;
    parts.push_back(absl::StrCat(v.field(), ": ", v.description()));
  }
  std::string message = absl::StrJoin(parts, "; ");
  if (count_ > kInMessage) {
    absl::StrAppend(&message, "; and ", count_ - kInMessage, " more");
    if (count_ > kMaxFieldViolations) {
      absl::StrAppend(&message, " (the first ", kMaxFieldViolations,
                      " are in the details)");
    }
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request_.SerializeAsString()));
  return status;
}

void CheckEnumList(const google::protobuf::RepeatedField<int>& values,
                   absl::string_view field, bool (*is_valid)(int), int max_size,
                   FieldViolations& violations) {
  if (values.size() > max_size) {
    violations.Add(std::string(field),
                   absl::StrCat("at most ", max_size, " values"));
    return;
  }
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      violations.Add(absl::StrCat(field, "[", i, "]"),
                     absl::StrCat("unknown or unspecified value ", values[i]));
    }
  }
}

std::optional<google::rpc::BadRequest> BadRequestOf(
    const absl::Status& status) {
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return std::nullopt;
  return bad_request;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int>(nanos % 1000000000));
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(retry.SerializeAsString()));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::RetryInfo retry;
  if (!retry.ParseFromString(std::string(*payload))) return std::nullopt;
  return absl::Seconds(retry.retry_delay().seconds()) +
         absl::Nanoseconds(retry.retry_delay().nanos());
}

absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>
        metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : metadata)
    (*info.mutable_metadata())[std::string(key)] = std::string(value);
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return std::nullopt;
  return info;
}

std::string ReasonOf(const absl::Status& status) {
  if (status.ok()) return "";
  if (std::optional<google::rpc::ErrorInfo> info = ErrorInfoOf(status))
    return info->reason();
  return StatusCodeName(static_cast<grpc::StatusCode>(status.code()));
}

grpc::Status WithDefaultErrorInfo(const grpc::Status& status) {
  if (status.ok()) return status;
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      !details.ParseFromString(status.error_details())) {
    return status;  // Not ours to rewrite.
  }
  for (const auto& any : details.details()) {
    if (any.type_url() == kErrorInfoTypeUrl) return status;
  }
  details.set_code(static_cast<int>(status.error_code()));
  details.set_message(status.error_message());
  google::protobuf::Any* any = details.add_details();
  any->set_type_url(kErrorInfoTypeUrl);
  any->set_value(DefaultErrorInfo(status.error_code()).SerializeAsString());
  return grpc::Status(status.error_code(), status.error_message(),
                      details.SerializeAsString());
}

// Names the status code the way gRPC documents it ("NOT_FOUND").
std::string StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(std::size(kNames)))
    return kNames[index];
  return absl::StrFormat("CODE_%d", index);
}

absl::Status RenameFields(const absl::Status& status, absl::string_view from,
                          absl::string_view to) {
  if (status.ok() || from.empty()) return status;
  auto rename = [&](absl::string_view text) {
    std::string renamed;
    for (size_t at = 0; at < text.size();) {
      // Only at the start of a field path: after a space, quote or the start.
      const bool boundary = at == 0 || text[at - 1] == ' ' ||
                            text[at - 1] == '"' || text[at - 1] == '(';
      if (boundary && absl::StartsWith(text.substr(at), from)) {
        absl::StrAppend(&renamed, to);
        at += from.size();
      } else {
        renamed.push_back(text[at++]);
      }
    }
    return renamed;
  };
  absl::Status result(status.code(), rename(status.message()));
  // Other details (the reason, a retry delay) are about the same error.
  status.ForEachPayload(
      [&result](absl::string_view type_url, const absl::Cord& payload) {
        result.SetPayload(type_url, payload);
      });
  if (std::optional<google::rpc::BadRequest> bad_request =
          BadRequestOf(status)) {
    for (auto& violation : *bad_request->mutable_field_violations())
      violation.set_field(rename(violation.field()));
    result.SetPayload(kBadRequestTypeUrl,
                      absl::Cord(bad_request->SerializeAsString()));
  }
  return result;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  google::rpc::Status details;
  for (const char* type_url : kDetailTypeUrls) {
    if (auto payload = status.GetPayload(type_url)) {
      google::protobuf::Any* any = details.add_details();
      any->set_type_url(type_url);
      any->set_value(std::string(*payload));
    }
  }
  if (!status.GetPayload(kErrorInfoTypeUrl).has_value()) {
    google::protobuf::Any* any = details.add_details();
    any->set_type_url(kErrorInfoTypeUrl);
    any->set_value(DefaultErrorInfo(code).SerializeAsString());
  }
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      for (const char* type_url : kDetailTypeUrls) {
        if (any.type_url() == type_url)
          result.SetPayload(type_url, absl::Cord(any.value()));
      }
    }
  }
  return result;
}

}  // namespace yoga
