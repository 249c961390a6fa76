// The session service's flags, shared by yoga-session and yoga-studio:
// --voice_dir, --max_sessions, --max_streams_per_session,
// --session_idle_timeout, --cue_lookahead, --class_cue_lead, --heartbeat,
// --session_poll, --session_sweep, and retention: --keep_finished_sessions,
// --keep_practice_records.
#ifndef YOGA_SERVICES_SESSION_SESSION_FLAGS_H_
#define YOGA_SERVICES_SESSION_SESSION_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/session/sessions.h"
#include "services/session/voice_pack.h"
#include "services/storage/retention_sweeper.h"

namespace yoga::session {

// Limits and timing from the flags; INVALID_ARGUMENT naming the flag when a
// value makes no sense.
absl::StatusOr<SessionServiceConfig> SessionConfigFromFlags();

// What the session service deletes from its store, and when (the finished
// sessions and practice records parts of the policy); INVALID_ARGUMENT naming
// the flag.
absl::StatusOr<storage::RetentionPolicy> SessionRetentionFromFlags();

// The voice packs in --voice_dir (default: the source tree's assets/voice).
absl::StatusOr<VoicePacks> LoadVoicePacksFromFlags();

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_FLAGS_H_
