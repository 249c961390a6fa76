// Fuzzes ParseListenAddress (services/runtime/listen_address.h), the --listen
// flag. Invariants: an address it accepts has a host and a port in 0..65535,
// and reads back the same from its own ToString(); anything else is
// INVALID_ARGUMENT.
#include <cstddef>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "services/runtime/listen_address.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using yoga::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<yoga::ListenAddress> address = yoga::ParseListenAddress(text);
  if (!address.ok()) {
    Check(absl::IsInvalidArgument(address.status()),
          "a refused address is INVALID_ARGUMENT", address.status().ToString());
    return 0;
  }
  Check(!address->host.empty(), "an accepted address has a host");
  Check(address->port >= 0 && address->port <= 65535,
        "an accepted port is 0 to 65535");
  const std::string written = address->ToString();
  absl::StatusOr<yoga::ListenAddress> again = yoga::ParseListenAddress(written);
  Check(again.ok(), "ToString() of an accepted address parses",
        absl::StrCat(written, " -> ", again.status().ToString()));
  Check(again->host == address->host && again->port == address->port,
        "ToString() reads back as the same host and port",
        absl::StrCat(written, " -> host ", again->host, " port ", again->port));
  return 0;
}
