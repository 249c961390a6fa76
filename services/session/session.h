// One session's life: its log (SessionLog: the cue order, session time,
// pauses and jumps) under a lock, the streams following it, and the store
// that keeps it. Thread-safe; every call takes the time, so tests drive it
// with a fake clock.
//
// With a store, a change is written before it takes effect: Control (and the
// first stream, and the end) builds the next log on a copy, writes it as
// version + 1, and adopts it only once the store said OK. So a failed write
// changes nothing, and two replicas cannot both move one version on (the
// store answers ABORTED to the second; the caller reloads and tries again).
// A change made elsewhere arrives through Adopt.
#ifndef YOGA_SERVICES_SESSION_SESSION_H_
#define YOGA_SERVICES_SESSION_SESSION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/session/hold_extension.h"
#include "services/session/session_log.h"
#include "services/session/timeline.h"
#include "services/session/voice_pack.h"
#include "services/storage/store.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/storage/v1/stored_session.pb.h"

namespace yoga::session {

// What makes a session a class (yoga.session.v1.GroupClass); a session with
// no join code is not one.
struct ClassTerms {
  std::string join_code;
  // How far ahead controls take effect (SessionLog's control_delay).
  absl::Duration control_delay;
  // What ControlSessionRequest.teacher_token must be.
  std::string teacher_token;
};

// Who started a session and how; fixed for its life.
struct SessionOrigin {
  // The API key id it belongs to (only that key may see or control it); ""
  // for local, keyless use.
  std::string owner;
  // Whose practice it is, within the owner's; "" for none.
  std::string profile_id;
  // The request_id of the StartSession that made it; "" for none.
  std::string start_request_id;
  // Set for a class.
  ClassTerms group_class;
};

// What a ControlSession asks beyond its action.
struct ControlTerms {
  // Not empty: a control with this id already applied is not applied again
  // (Session::Control answers OK and changes nothing).
  std::string request_id;
  // > 0: apply only at this version, else FAILED_PRECONDITION.
  int64_t expected_version = 0;
  // For a class: the caller may control it if it gives the teacher's token
  // or its key may teach; anyone else is PERMISSION_DENIED.
  std::string teacher_token;
  bool may_teach = false;
};

class Session {
 public:
  // A new session, starting at `now`. With a store, call Create before use.
  // `prompts` is its voice pack, for the prompt STAY_LONGER adds (null:
  // estimated); not kept.
  Session(std::string id, SessionOrigin origin, yoga::type::v1::Routine routine,
          yoga::session::v1::SessionOptions options,
          std::shared_ptr<const Timeline> timeline, StreamTiming timing,
          absl::Time now, const PromptDurations* prompts = nullptr);
  // Convenience for keyless callers without a profile.
  Session(std::string id, yoga::type::v1::Routine routine,
          yoga::session::v1::SessionOptions options,
          std::shared_ptr<const Timeline> timeline, StreamTiming timing,
          absl::Time now, const PromptDurations* prompts = nullptr)
      : Session(std::move(id), SessionOrigin(), std::move(routine),
                std::move(options), std::move(timeline), timing, now, prompts) {
  }
  // A stored session (`row`) whose timeline was rebuilt as `timeline`.
  // DATA_LOSS when the row cannot be read back; FAILED_PRECONDITION when the
  // timeline is not the one the session started with.
  static absl::StatusOr<std::shared_ptr<Session>> Restore(
      const storage::SessionRow& row,
      const yoga::storage::v1::StoredSession& stored,
      std::shared_ptr<const Timeline> timeline, StreamTiming timing,
      absl::Time now, const PromptDurations* prompts = nullptr);

  const std::string& id() const { return id_; }
  const SessionOrigin& origin() const { return origin_; }
  const std::string& owner() const { return origin_.owner; }
  const std::string& profile_id() const { return origin_.profile_id; }
  bool is_class() const { return !origin_.group_class.join_code.empty(); }

  // Writes the new session to `store` as version 1.
  absl::Status Create(storage::Store& store, absl::Time now);

  // PAUSE, RESUME, NEXT, PREVIOUS, STOP or STAY_LONGER at `now`, written to
  // `store` first when there is one. PERMISSION_DENIED for a class whose
  // terms do not let the caller lead it; FAILED_PRECONDITION when the state
  // does not allow it (see SessionLog::Apply) or the version is not the one
  // expected; the store's error when the write fails (ABORTED: changed
  // elsewhere since this copy was read).
  absl::Status Control(yoga::session::v1::ControlAction action, absl::Time now,
                       storage::Store* store = nullptr,
                       const ControlTerms& terms = {});
  // Records that someone streams the session (a session nobody heard is not
  // practice). Writes only the first time.
  absl::Status MarkStreamed(absl::Time now, storage::Store* store);
  // Deals with the session's end once it has come: a completed session gets
  // its practice record; a session paused for `idle` with no stream here is
  // stopped (and gets its record). `idle_in_store`: the store says nobody
  // wrote it for `idle` (a session just read back has no idle time of its
  // own). Does nothing before then, or once done.
  absl::Status FinishIfDue(absl::Time now, absl::Duration idle,
                           bool idle_in_store, storage::Store& store);
  // Takes on a version written elsewhere; older or equal versions are
  // ignored. Wakes the streams.
  absl::Status Adopt(const storage::SessionRow& row,
                     const yoga::storage::v1::StoredSession& stored);
  int64_t version() const;
  bool finished() const;
  // Whether a control with `request_id` (not empty) is among those applied
  // (SessionLog::Applied).
  bool Applied(absl::string_view request_id) const;
  // finished(), or false at once while the session is being written: for
  // the wake scheduler's threads, which must not wait on the database.
  bool FinishedIfFree() const;

  // Never with the teacher's token (the caller adds it where it belongs).
  yoga::session::v1::Session ToProto(absl::Time now) const;
  // The timeline as planned, before any jump.
  const Timeline& timeline() const { return *timeline_; }
  yoga::session::v1::SessionState State(absl::Time now) const;
  // Stopped or completed by `now`.
  bool Ended(absl::Time now) const;
  int64_t SessionTimeMs(absl::Time now) const;
  // Seq of the last cue in the log as it stands.
  int64_t LastSeq() const;

  // A cursor for a stream that already has every cue up to `after_seq`.
  // INVALID_ARGUMENT when after_seq is beyond the log's last cue.
  absl::StatusOr<StreamCursor> OpenCursor(int64_t after_seq, absl::Time now);
  // The next event for the stream at `now`; moves the cursor past it. Never
  // waits for a database write in progress: it answers kWait a few ms ahead
  // instead (the write wakes the streams when done).
  StreamAction Next(StreamCursor& cursor, absl::Time now);

  // Streams following the session, and who to tell when a control changes
  // what they should send. RESOURCE_EXHAUSTED past `max_streams`.
  absl::StatusOr<int> AddStream(std::function<void()> wake, int max_streams,
                                absl::Time now);
  void RemoveStream(int stream_id, absl::Time now);
  bool HasStreams() const;
  // When no stream and no control came for `idle` by `now`, marks the session
  // expired (AddStream then answers NOT_FOUND) and returns true.
  bool ExpireIfIdle(absl::Time now, absl::Duration idle);

 private:
  using Wake = std::function<void()>;
  static void RunWakes(const std::vector<Wake>& wakes);
  // `now`, or the latest time any caller has used if that is later: time
  // never goes back for a session, whatever order threads take the lock in.
  absl::Time NotBeforeLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Edits a copy of the log, with mutex_ held: OK(true) to make the copy
  // the next version, OK(false) when there is nothing to change, or why the
  // change is refused.
  using Edit =
      std::function<absl::StatusOr<bool>(SessionLog& next, absl::Time now)>;
  // Runs `edit`; a change it makes is written to `store` (when there is
  // one) outside mutex_, then taken on, and the streams woken.
  absl::Status Change(absl::Time now, storage::Store* store, const Edit& edit)
      ABSL_LOCKS_EXCLUDED(mutex_, write_mutex_);
  std::vector<Wake> StreamWakesLocked() const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  yoga::storage::v1::StoredSession StoredLocked(const SessionLog& log) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  storage::SessionRow RowLocked(const SessionLog& log, int64_t version,
                                bool finished, absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  const std::string id_;
  const SessionOrigin origin_;
  const yoga::type::v1::Routine routine_;
  const yoga::session::v1::SessionOptions options_;
  const std::shared_ptr<const Timeline> timeline_;
  const HoldExtension extension_;
  const StreamTiming timing_;
  const absl::Time create_time_;

  // Held by the one change in progress, across its database write (which
  // mutex_ never is): changes of one session happen one at a time.
  absl::Mutex write_mutex_ ABSL_ACQUIRED_BEFORE(mutex_);
  mutable absl::Mutex mutex_;
  SessionLog log_ ABSL_GUARDED_BY(mutex_);
  int64_t version_ ABSL_GUARDED_BY(mutex_) = 1;
  // The end has been dealt with (record written, or none needed).
  bool finished_ ABSL_GUARDED_BY(mutex_) = false;
  std::map<int, std::function<void()>> streams_ ABSL_GUARDED_BY(mutex_);
  int next_stream_id_ ABSL_GUARDED_BY(mutex_) = 1;
  absl::Time last_activity_ ABSL_GUARDED_BY(mutex_);
  absl::Time latest_now_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
  bool expired_ ABSL_GUARDED_BY(mutex_) = false;
  // A database write of this session is in flight: streams look again
  // shortly rather than send cues the write may cut.
  std::atomic<bool> writing_{false};
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_SESSION_H_
