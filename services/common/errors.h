// Errors at service boundaries. Libraries return absl::Status; services turn it
// into a grpc::Status with ToGrpcStatus. INVALID_ARGUMENT errors carry a
// google.rpc.BadRequest listing every bad field, so a caller fixes all of them
// in one round trip; RESOURCE_EXHAUSTED carries a google.rpc.RetryInfo saying
// when to try again. Every error also carries a google.rpc.ErrorInfo: a stable
// `reason` (UPPER_SNAKE_CASE, docs/partners.md lists them) in kErrorDomain, so
// a caller tells two errors of one code apart without reading the message.
// The reason is attached where the error is made:
//   return WithReason(absl::FailedPreconditionError("..."),
//   "SESSION_FINISHED");
// and an error made without one gets its code's name as the reason.
#ifndef YOGA_SERVICES_COMMON_ERRORS_H_
#define YOGA_SERVICES_COMMON_ERRORS_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/status.h"

namespace yoga {

// The most violations one error carries; more are counted in its message.
// gRPC refuses trailers over 8 KiB, so the detail stays well under that.
inline constexpr int kMaxFieldViolations = 25;

// Collects bad fields of one request, then becomes one INVALID_ARGUMENT status.
//   FieldViolations violations;
//   if (request.id().empty()) violations.Add("id", "is required");
//   if (absl::Status s = violations.ToStatus(); !s.ok()) return s;
class FieldViolations {
 public:
  // `field` is a path into the request ("constraints.excluded_pose_ids[2]").
  void Add(std::string field, std::string description);
  bool empty() const { return count_ == 0; }
  // OK when there are no violations; otherwise INVALID_ARGUMENT whose message
  // lists every violation and whose payload is the google.rpc.BadRequest.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest bad_request_;
  int count_ = 0;  // Every violation added, also those past the cap.
};

// Checks a repeated enum field of a request: at most `max_size` values, each
// a known value other than *_UNSPECIFIED. Violations name "field[i]".
void CheckEnumList(const google::protobuf::RepeatedField<int>& values,
                   absl::string_view field, bool (*is_valid)(int), int max_size,
                   FieldViolations& violations);

// The BadRequest attached by FieldViolations, if any.
std::optional<google::rpc::BadRequest> BadRequestOf(const absl::Status& status);

// `status` with a google.rpc.RetryInfo detail: the caller may retry after
// `delay`.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The retry delay attached by WithRetryDelay, if any.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

// The domain of every google.rpc.ErrorInfo our servers send: the API's name.
inline constexpr char kErrorDomain[] = "yoga.api";

// `status` with a google.rpc.ErrorInfo detail: `reason` is UPPER_SNAKE_CASE and
// never changes once published; `metadata` (lowerCamelCase keys) holds short
// values a caller may act on, never user input longer than a validated id.
absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::initializer_list<std::pair<absl::string_view, absl::string_view>>
        metadata = {});

// The ErrorInfo attached by WithReason, if any.
std::optional<google::rpc::ErrorInfo> ErrorInfoOf(const absl::Status& status);

// The reason a caller sees for `status`: the one attached, or else the
// code's name ("NOT_FOUND"). Empty for OK.
std::string ReasonOf(const absl::Status& status);

// For statuses made outside ToGrpcStatus (by gRPC, or an interceptor): the
// same status with a google.rpc.ErrorInfo whose reason is the code's name
// added to its details, unless it has an ErrorInfo already. OK stays OK.
grpc::Status WithDefaultErrorInfo(const grpc::Status& status);

// The name gRPC documents for a status code: "NOT_FOUND"; "CODE_17" for a
// code it does not know.
std::string StatusCodeName(grpc::StatusCode code);

// The same error with every field path that starts with `from` (the message
// and the BadRequest detail) starting with `to` instead: an error about a
// request forwarded to another service, told in the caller's own field names
// ("custom.steps[2].hold_count" -> "routine.steps[2].hold_count").
absl::Status RenameFields(const absl::Status& status, absl::string_view from,
                          absl::string_view to);

// Converts an absl::Status into the grpc::Status sent on the wire; BadRequest,
// RetryInfo and ErrorInfo payloads travel as google.rpc.Status details
// (grpc-status-details-bin). Every error gets an ErrorInfo (ReasonOf).
grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients: keeps code, message and the details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_ERRORS_H_
