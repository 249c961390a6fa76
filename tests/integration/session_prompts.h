// What a session played by yoga-guide should sound like, told by the server
// that ran it: the session's id from the guide's output, and the prompts of
// its timeline as the default voice pack says them, each at the frame its
// offset falls on. Tests and benches hand these to LocatePrompts
// (tests/testing/prompt_locator.h) to find them in a recording.
#ifndef YOGA_TESTS_INTEGRATION_SESSION_PROMPTS_H_
#define YOGA_TESTS_INTEGRATION_SESSION_PROMPTS_H_

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/testing/prompt_locator.h"

namespace yoga::testing {

// The id in yoga-guide's line "session ID: title (m:ss) on ..."; "" when the
// output has no such line.
std::string SessionIdOf(const std::string& guide_out);

// The first `most` prompts of session `session_id`'s timeline, from the
// studio at `address`, as clips of the shipped default voice pack at `rate`.
absl::StatusOr<std::vector<ExpectedPrompt>> TimelinePrompts(
    const std::string& address, const std::string& session_id, int rate,
    size_t most = std::numeric_limits<size_t>::max());

}  // namespace yoga::testing

#endif  // YOGA_TESTS_INTEGRATION_SESSION_PROMPTS_H_
