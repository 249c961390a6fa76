// The sessions a server holds: created with a server-made id, found by id,
// bounded in number, and dropped from memory once idle (no stream and no
// control) for the configured time.
//
// With a store, memory is a cache of the store: a session is written before
// it is handed out, one not in memory is read back from the store (its
// timeline rebuilt), and a session dropped from memory can come back. With a
// shared store, CatchUp brings the sessions that have streams up to date with
// changes other replicas made. Without one, a dropped session is gone.
// Thread-safe.
#ifndef YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_
#define YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/clock.h"
#include "services/session/session.h"
#include "services/session/voice_pack.h"
#include "services/storage/store.h"

namespace yoga::session {

struct SessionLimits {
  int max_sessions = 20000;
  // Of those, the most one API key (a non-empty owner) may hold, so one
  // partner cannot take every place.
  int max_sessions_per_owner = 5000;
  int max_streams_per_session = 16;
  // Of a class: the mats in one room (and the teacher's own client).
  int max_streams_per_class = 2000;
  // Cue streams open at once, all sessions together (max_sessions times
  // max_streams_per_session would be 320,000).
  int max_streams = 20000;
  absl::Duration idle_timeout = absl::Hours(1);
};

// The timeline of a stored session, built again from its routine and options
// with this server's catalog and voice packs.
using TimelineRebuilder =
    std::function<absl::StatusOr<std::shared_ptr<const Timeline>>(
        const yoga::storage::v1::StoredSession&)>;

// Draws a class's join code, 0 to 999999 (six digits when written).
using JoinCodeSource = std::function<int()>;

class SessionRegistry {
 public:
  // `store` may be null (sessions live in memory only); with a store,
  // `rebuild` is required. `voice_packs` time the prompts controls add
  // (STAY_LONGER's) in each session's pack; a pack not there is estimated.
  // `join_codes` draws classes' join codes; null: at random.
  SessionRegistry(const Clock& clock, SessionLimits limits, StreamTiming timing,
                  storage::Store* store = nullptr,
                  TimelineRebuilder rebuild = nullptr,
                  VoicePacks voice_packs = {},
                  JoinCodeSource join_codes = nullptr)
      : clock_(clock),
        limits_(limits),
        timing_(timing),
        store_(store),
        rebuild_(std::move(rebuild)),
        voice_packs_(std::move(voice_packs)),
        join_codes_(std::move(join_codes)) {}

  const Clock& clock() const { return clock_; }
  const SessionLimits& limits() const { return limits_; }
  storage::Store* store() const { return store_; }

  // RESOURCE_EXHAUSTED when memory holds max_sessions already (after dropping
  // idle ones), or the owner max_sessions_per_owner; the store's error when it
  // cannot be written. With origin.start_request_id, a session the owner
  // already started with it is returned instead of a new one. With
  // origin.group_class.control_delay > 0 the session is a class, and gets
  // a join code none of the owner's live classes has.
  absl::StatusOr<std::shared_ptr<Session>> Create(
      yoga::type::v1::Routine routine,
      yoga::session::v1::SessionOptions options,
      std::shared_ptr<const Timeline> timeline, SessionOrigin origin = {});

  // The session `owner` started with StartSession request_id
  // `start_request_id`, or null when there is none.
  absl::StatusOr<std::shared_ptr<Session>> FindStarted(
      absl::string_view owner, absl::string_view start_request_id);

  // The live class of `owner` with `join_code`: NOT_FOUND (reason
  // CLASS_NOT_FOUND) when there is none, or it has ended.
  absl::StatusOr<std::shared_ptr<Session>> FindClass(
      absl::string_view owner, absl::string_view join_code);

  // NOT_FOUND naming the id when there is no such session (or, without a
  // store, it expired). With `latest` and a shared store, a session held in
  // memory first catches up with its stored version (when the store cannot
  // be reached, the copy held is returned as it is).
  absl::StatusOr<std::shared_ptr<Session>> Find(absl::string_view id,
                                                bool latest = false);
  // Find, for `owner` only: another owner's session is NOT_FOUND, with the
  // same words as one that does not exist.
  absl::StatusOr<std::shared_ptr<Session>> FindOwned(absl::string_view id,
                                                     absl::string_view owner,
                                                     bool latest = false);

  // Applies `action` to `owner`'s session `id`, reading it again and
  // retrying when another replica changed it in the meantime.
  absl::StatusOr<std::shared_ptr<Session>> Control(
      absl::string_view id, yoga::session::v1::ControlAction action,
      absl::string_view owner = "", const ControlTerms& terms = {});

  // Records that `session` is streamed (Session::MarkStreamed), reading it
  // again and retrying when another replica changed it meanwhile.
  absl::Status MarkStreamed(Session& session);
  // Writes the end of `session` if it has come (Session::FinishIfDue), with
  // the same retry.
  absl::Status Finish(Session& session);

  // Shared store: reads the stored versions of the sessions that have
  // streams and takes on the newer ones. Returns how many changed.
  absl::StatusOr<int> CatchUp();
  // Store: deals with the ends of sessions that are due (completed, or paused
  // and idle), at most `limit` at a time. Returns how many were finished.
  absl::StatusOr<int> FinishDue(int limit = 200);

  // Drops sessions idle for the idle timeout from memory; returns how many.
  int ExpireIdle();

  size_t size() const;

 private:
  std::string NewId() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Six digits no live class of `owner` held here has.
  std::string NewJoinCode(const std::string& owner)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Find, for `owner` only when not null.
  absl::StatusOr<std::shared_ptr<Session>> FindFor(absl::string_view id,
                                                   bool latest,
                                                   const std::string* owner);
  // Reads session `id` from the store and keeps it in memory; with `owner`,
  // another owner's is NOT_FOUND before it is read any further.
  absl::StatusOr<std::shared_ptr<Session>> Load(absl::string_view id,
                                                const std::string* owner);
  // Takes on the stored version of `session` if it is newer.
  absl::Status Refresh(Session& session);
  // Makes room for one more session in memory (of `owner`'s, when not
  // empty); with `reserve`, counts that one toward the owner's share already
  // (the caller gives it back with CountHeld if it does not keep a session).
  absl::Status RoomForOne(absl::string_view owner = "", bool reserve = false);
  // Keeps held_by_owner_ in step with sessions_: `change` is +1 when a
  // session of `owner` goes into sessions_, -1 when it leaves.
  void CountHeld(const std::string& owner, int change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // NOT_FOUND for session `id`, in the same words whatever the reason.
  absl::Status NoSuchSession(absl::string_view id) const;
  // Runs `write`, and on ABORTED reads `session` again and runs it again.
  absl::Status Retried(Session& session,
                       const std::function<absl::Status()>& write);
  // Ends a due session this server cannot rebuild, writing the practice
  // record from what its row says.
  absl::Status CloseUnplayable(absl::string_view id, absl::Time now);
  // The voice pack a session with `options` plays; null when not held.
  const PromptDurations* PromptsOf(
      const yoga::session::v1::SessionOptions& options) const;

  const Clock& clock_;
  const SessionLimits limits_;
  const StreamTiming timing_;
  storage::Store* const store_;
  const TimelineRebuilder rebuild_;
  const VoicePacks voice_packs_;
  const JoinCodeSource join_codes_;
  mutable absl::Mutex mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, std::shared_ptr<Session>> sessions_
      ABSL_GUARDED_BY(mutex_);
  // How many of sessions_ each non-empty owner has, for the per-key limit
  // every keyed StartSession checks: a walk over sessions_ to count them
  // grew that call's cost by about 15 us per thousand sessions held
  // (tests/bench/limits_bench.cc).
  absl::flat_hash_map<std::string, int> held_by_owner_ ABSL_GUARDED_BY(mutex_);
  // Without a store: (owner, start_request_id) -> session id, for the
  // sessions held.
  absl::flat_hash_map<std::pair<std::string, std::string>, std::string> started_
      ABSL_GUARDED_BY(mutex_);
  // (owner, join code) -> session id, for the classes held.
  absl::flat_hash_map<std::pair<std::string, std::string>, std::string> classes_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_REGISTRY_H_
