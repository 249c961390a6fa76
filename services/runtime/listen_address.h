// HOST:PORT addresses as servers take them in --listen. IPv6 hosts are written
// in brackets ("[::1]:50051"); port 0 asks the system for a free port.
#ifndef YOGA_SERVICES_RUNTIME_LISTEN_ADDRESS_H_
#define YOGA_SERVICES_RUNTIME_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace yoga {

struct ListenAddress {
  std::string host;  // Without brackets: "127.0.0.1", "::1", "0.0.0.0".
  int port = 0;      // 0 to 65535.

  // "127.0.0.1:50051" or "[::1]:50051".
  std::string ToString() const;
};

// Parses "HOST:PORT". INVALID_ARGUMENT says what is wrong with the text.
absl::StatusOr<ListenAddress> ParseListenAddress(absl::string_view text);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_LISTEN_ADDRESS_H_
