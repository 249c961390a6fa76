// The request id every call is answered with (metadata "x-request-id") and
// logged with (request_id=...), so a partner can quote one call to the
// operator. A caller may choose it: an id of 1 to 64 letters, digits, '-',
// '_' or '.' it sent in "x-request-id" is kept; anything else (absent, too
// long, other characters) is replaced by 16 fresh random hex digits, so no
// unbounded or odd text reaches a log line.
#ifndef YOGA_SERVICES_RUNTIME_REQUEST_ID_H_
#define YOGA_SERVICES_RUNTIME_REQUEST_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace yoga {

inline constexpr char kRequestIdMetadata[] = "x-request-id";
inline constexpr int kMaxRequestIdLength = 64;

// True for an id a caller may choose (see above).
bool IsWellFormedRequestId(absl::string_view id);

// `presented` when well-formed, otherwise a new random id.
std::string RequestIdFor(absl::string_view presented);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_REQUEST_ID_H_
