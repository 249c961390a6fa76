#include "services/session/session_flags.h"

#include <algorithm>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, voice_dir, YOGA_DEFAULT_VOICE_DIR,
          "folder of voice packs, one folder each with a manifest.textproto");
ABSL_FLAG(int, max_sessions, 20000, "most sessions the server holds at once");
ABSL_FLAG(int, max_sessions_per_key, 5000,
          "with --api_keys: most of those sessions one API key may hold "
          "(more than --max_sessions means --max_sessions)");
ABSL_FLAG(int, max_streams_per_session, 16,
          "most clients streaming one session at once");
ABSL_FLAG(int, max_streams, 20000,
          "most cue streams the server keeps open at once, all sessions "
          "together");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Hours(1),
          "a session nobody streams or controls for this long is dropped "
          "from memory (with a database it stays there, and a paused one "
          "is stopped)");
ABSL_FLAG(absl::Duration, cue_lookahead, absl::Milliseconds(1500),
          "how far ahead of its time each cue is sent");
ABSL_FLAG(absl::Duration, class_cue_lead, absl::Milliseconds(25),
          "a class's cues are sent this much earlier than --cue_lookahead, "
          "so that writing each cue to every mat ends in time (1,000 mats take "
          "about 15 ms on two cores)");
ABSL_FLAG(absl::Duration, heartbeat, absl::Seconds(1),
          "a quiet stream gets a heartbeat this often");
ABSL_FLAG(absl::Duration, session_poll, absl::Milliseconds(250),
          "with a shared database: how often streams look for controls sent "
          "to other replicas");
ABSL_FLAG(absl::Duration, session_sweep, absl::Seconds(10),
          "how often sessions that ended unheard are looked for, to write "
          "their practice records");

ABSL_FLAG(absl::Duration, keep_finished_sessions, absl::Hours(24 * 30),
          "with a database: a session that ended is deleted this long after "
          "its last change (its practice record stays); 0 keeps them for "
          "ever");
ABSL_FLAG(absl::Duration, keep_practice_records, absl::ZeroDuration(),
          "with a database: practice records of sessions started longer ago "
          "are deleted; 0 (the default) keeps the runners' history for ever");

namespace yoga::session {

absl::StatusOr<SessionServiceConfig> SessionConfigFromFlags() {
  SessionServiceConfig config;
  config.limits.max_sessions = absl::GetFlag(FLAGS_max_sessions);
  config.limits.max_sessions_per_owner =
      absl::GetFlag(FLAGS_max_sessions_per_key);
  config.limits.max_streams_per_session =
      absl::GetFlag(FLAGS_max_streams_per_session);
  config.limits.max_streams = absl::GetFlag(FLAGS_max_streams);
  config.limits.idle_timeout = absl::GetFlag(FLAGS_session_idle_timeout);
  config.timing.lookahead = absl::GetFlag(FLAGS_cue_lookahead);
  config.timing.class_lead = absl::GetFlag(FLAGS_class_cue_lead);
  config.timing.heartbeat = absl::GetFlag(FLAGS_heartbeat);
  config.store_poll = absl::GetFlag(FLAGS_session_poll);
  config.store_sweep = absl::GetFlag(FLAGS_session_sweep);
  auto bad = [](absl::string_view flag, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  if (config.limits.max_sessions < 1)
    return bad("max_sessions", "must be at least 1");
  if (config.limits.max_sessions_per_owner < 1)
    return bad("max_sessions_per_key", "must be at least 1");
  config.limits.max_sessions_per_owner = std::min(
      config.limits.max_sessions_per_owner, config.limits.max_sessions);
  if (config.limits.max_streams_per_session < 1)
    return bad("max_streams_per_session", "must be at least 1");
  if (config.limits.max_streams < 1)
    return bad("max_streams", "must be at least 1");
  if (config.limits.idle_timeout < absl::Seconds(1))
    return bad("session_idle_timeout", "must be at least 1s");
  if (config.timing.lookahead < absl::ZeroDuration() ||
      config.timing.lookahead > absl::Seconds(10))
    return bad("cue_lookahead", "must be 0 to 10s");
  if (config.timing.class_lead < absl::ZeroDuration() ||
      config.timing.class_lead > absl::Seconds(1))
    return bad("class_cue_lead", "must be 0 to 1s");
  if (config.timing.heartbeat < absl::Milliseconds(100))
    return bad("heartbeat", "must be at least 100ms");
  if (config.store_poll < absl::Milliseconds(10) ||
      config.store_poll > absl::Seconds(2))
    return bad("session_poll", "must be 10ms to 2s");
  if (config.store_sweep < absl::Milliseconds(100))
    return bad("session_sweep", "must be at least 100ms");
  return config;
}

absl::StatusOr<storage::RetentionPolicy> SessionRetentionFromFlags() {
  storage::RetentionPolicy policy;
  policy.keep_finished_sessions = absl::GetFlag(FLAGS_keep_finished_sessions);
  policy.keep_practice_records = absl::GetFlag(FLAGS_keep_practice_records);
  auto bad = [](absl::string_view flag, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
  };
  // A session is read back for a while after it ends (GetSession, a
  // resumed client, a retried StartSession): not deleted at once.
  if (policy.keep_finished_sessions != absl::ZeroDuration() &&
      policy.keep_finished_sessions < absl::Hours(1)) {
    return bad("keep_finished_sessions",
               "must be 0 (keep for ever) or at least 1h");
  }
  if (policy.keep_practice_records != absl::ZeroDuration() &&
      policy.keep_practice_records < absl::Hours(24)) {
    return bad("keep_practice_records",
               "must be 0 (keep for ever) or at least 24h");
  }
  return policy;
}

absl::StatusOr<VoicePacks> LoadVoicePacksFromFlags() {
  return LoadVoicePacks(absl::GetFlag(FLAGS_voice_dir));
}

}  // namespace yoga::session
