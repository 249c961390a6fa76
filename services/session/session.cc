#include "services/session/session.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

using yoga::session::v1::SessionState;

// How soon a stream looks again at a session that is being written.
constexpr absl::Duration kBusyRetry = absl::Milliseconds(5);

storage::SessionPhase PhaseOf(SessionState state) {
  switch (state) {
    case yoga::session::v1::SESSION_STATE_PAUSED:
      return storage::SessionPhase::kPaused;
    case yoga::session::v1::SESSION_STATE_STOPPED:
      return storage::SessionPhase::kStopped;
    case yoga::session::v1::SESSION_STATE_COMPLETED:
      return storage::SessionPhase::kCompleted;
    default:
      return storage::SessionPhase::kRunning;
  }
}

bool IsEnd(SessionState state) {
  return state == yoga::session::v1::SESSION_STATE_STOPPED ||
         state == yoga::session::v1::SESSION_STATE_COMPLETED;
}

}  // namespace

Session::Session(std::string id, SessionOrigin origin,
                 yoga::type::v1::Routine routine,
                 yoga::session::v1::SessionOptions options,
                 std::shared_ptr<const Timeline> timeline, StreamTiming timing,
                 absl::Time now, const PromptDurations* prompts)
    : id_(std::move(id)),
      origin_(std::move(origin)),
      routine_(std::move(routine)),
      options_(std::move(options)),
      timeline_(std::move(timeline)),
      extension_(MakeHoldExtension(routine_, options_, prompts)),
      timing_(timing),
      create_time_(now),
      log_(timeline_, extension_, timing_, now,
           origin_.group_class.control_delay) {
  absl::MutexLock lock(&mutex_);
  last_activity_ = now;
}

absl::StatusOr<std::shared_ptr<Session>> Session::Restore(
    const storage::SessionRow& row,
    const yoga::storage::v1::StoredSession& stored,
    std::shared_ptr<const Timeline> timeline, StreamTiming timing,
    absl::Time now, const PromptDurations* prompts) {
  if (stored.timeline_fingerprint() != timeline->fingerprint) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "session ", row.id,
            " was started with another catalog or voice pack than this server "
            "has, so its cues cannot continue; start a new session")),
        "SESSION_CONTENT_CHANGED");
  }
  auto session = std::make_shared<Session>(
      row.id,
      SessionOrigin{.owner = stored.owner(),
                    .profile_id = stored.profile_id(),
                    .start_request_id = stored.start_request_id(),
                    .group_class = {.join_code = stored.join_code(),
                                    .control_delay = absl::Milliseconds(
                                        stored.control_delay_ms()),
                                    .teacher_token = stored.teacher_token()}},
      stored.routine(), stored.options(), timeline, timing,
      FromProtoTimestamp(stored.create_time()), prompts);
  auto log = SessionLog::FromProto(std::move(timeline), session->extension_,
                                   timing, stored.progress(),
                                   session->origin_.group_class.control_delay);
  if (!log.ok()) {
    return WithReason(absl::DataLossError(absl::StrCat("session ", row.id, ": ",
                                                       log.status().message())),
                      "STORED_DATA_DAMAGED");
  }
  absl::MutexLock lock(&session->mutex_);
  session->log_ = *std::move(log);
  session->version_ = row.version;
  session->finished_ = row.finished;
  // Being read back is activity: someone asked for it.
  session->last_activity_ = now;
  return session;
}

yoga::storage::v1::StoredSession Session::StoredLocked(
    const SessionLog& log) const {
  yoga::storage::v1::StoredSession stored;
  stored.set_id(id_);
  stored.set_profile_id(origin_.profile_id);
  stored.set_owner(origin_.owner);
  stored.set_start_request_id(origin_.start_request_id);
  stored.set_join_code(origin_.group_class.join_code);
  stored.set_control_delay_ms(
      absl::ToInt64Milliseconds(origin_.group_class.control_delay));
  stored.set_teacher_token(origin_.group_class.teacher_token);
  *stored.mutable_routine() = routine_;
  *stored.mutable_options() = options_;
  *stored.mutable_create_time() = ToProtoTimestamp(create_time_);
  stored.set_timeline_fingerprint(timeline_->fingerprint);
  *stored.mutable_progress() = log.ToProto();
  return stored;
}

storage::SessionRow Session::RowLocked(const SessionLog& log, int64_t version,
                                       bool finished, absl::Time now) const {
  storage::SessionRow row;
  row.id = id_;
  row.version = version;
  row.profile_id = origin_.profile_id;
  row.owner = origin_.owner;
  row.start_request_id = origin_.start_request_id;
  row.join_code = origin_.group_class.join_code;
  const SessionState state = log.State(now);
  row.phase = PhaseOf(state);
  if (state == yoga::session::v1::SESSION_STATE_RUNNING)
    row.ends_at = log.WallTimeOf(log.EndMs());
  row.updated_at = now;
  row.finished = finished;
  row.data = StoredLocked(log).SerializeAsString();
  return row;
}

absl::Status Session::Create(storage::Store& store, absl::Time now) {
  absl::ReaderMutexLock lock(&mutex_);
  return store.CreateSession(RowLocked(log_, version_, finished_, now));
}

std::vector<Session::Wake> Session::StreamWakesLocked() const {
  std::vector<Wake> wakes;
  for (const auto& [stream_id, wake] : streams_) wakes.push_back(wake);
  return wakes;
}

void Session::RunWakes(const std::vector<Wake>& wakes) {
  for (const Wake& wake : wakes) wake();
}

absl::Status Session::Change(absl::Time now, storage::Store* store,
                             const Edit& edit) {
  // One writer at a time; the session's own lock is not held while the
  // store answers, so streams, readers and Adopt (the cross-replica poll)
  // never wait on a database round trip.
  absl::MutexLock one_writer(&write_mutex_);
  std::optional<SessionLog> next;
  int64_t base = 0;
  bool finishing = false;
  std::optional<storage::SessionRow> row;
  std::optional<storage::PracticeRecord> record;
  {
    absl::MutexLock lock(&mutex_);
    // A stream may have read a later time (and sent the cues due by then)
    // just before this call took the lock: change from that time, so the log
    // is never cut below a cue already sent.
    now = NotBeforeLocked(now);
    next.emplace(log_);
    absl::StatusOr<bool> wanted = edit(*next, now);
    if (!wanted.ok()) return wanted.status();
    if (!*wanted) return absl::OkStatus();
    base = version_;
    const SessionState state = next->State(now);
    finishing = IsEnd(state) && !finished_;
    if (store != nullptr) {
      if (finishing && next->streamed() && !origin_.profile_id.empty()) {
        record.emplace();
        record->session_id = id_;
        record->owner = origin_.owner;
        record->profile_id = origin_.profile_id;
        record->routine_id = routine_.id();
        record->routine_title = routine_.title();
        record->start_time = create_time_;
        record->completed = state == yoga::session::v1::SESSION_STATE_COMPLETED;
        // A session found completed late ended when its last cue did.
        record->end_time = record->completed
                               ? std::min(now, next->WallTimeOf(next->EndMs()))
                               : now;
        record->practised = absl::Milliseconds(
            std::min(next->SessionTimeMs(now), next->EndMs()));
      }
      row = RowLocked(*next, base + 1, finished_ || finishing, now);
    }
    // Until the change is taken on, streams hold back the cues it may cut.
    writing_.store(true, std::memory_order_release);
  }
  absl::Status status;
  if (row.has_value())
    status = store->UpdateSession(*row, record ? &*record : nullptr);
  std::vector<Wake> wakes;
  {
    absl::MutexLock lock(&mutex_);
    writing_.store(false, std::memory_order_release);
    if (!status.ok()) return status;
    // Adopt may already have taken this very version on from the store.
    if (version_ == base) {
      log_ = *std::move(next);
      version_ = base + 1;
      finished_ = finished_ || finishing;
    }
    last_activity_ = now;
    wakes = StreamWakesLocked();
  }
  RunWakes(wakes);
  return absl::OkStatus();
}

absl::Time Session::NotBeforeLocked(absl::Time now) {
  latest_now_ = std::max(latest_now_, now);
  return latest_now_;
}

absl::Status Session::Control(yoga::session::v1::ControlAction action,
                              absl::Time now, storage::Store* store,
                              const ControlTerms& terms) {
  if (is_class() && !terms.may_teach &&
      !SameSecret(terms.teacher_token, origin_.group_class.teacher_token)) {
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat(
            "session ", id_,
            " is a class: only its teacher controls it (teacher_token is ",
            terms.teacher_token.empty() ? "missing" : "not the class's",
            "); a mat that wants to leave closes its stream")),
        "CLASS_CONTROL_NOT_ALLOWED");
  }
  return Change(
      now, store,
      [&](SessionLog& next, absl::Time now) -> absl::StatusOr<bool> {
        // A retry of a control applied already (its answer lost
        // on the way).
        if (next.Applied(terms.request_id)) return false;
        if (terms.expected_version > 0 && terms.expected_version != version_) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(
                  "expected_version: session ", id_, " is at version ",
                  version_, ", not ", terms.expected_version,
                  "; read it again (GetSession) and decide anew")),
              "VERSION_MISMATCH");
        }
        absl::Status applied = next.Apply(action, now, id_, terms.request_id);
        if (!applied.ok()) return applied;
        return true;
      });
}

absl::Status Session::MarkStreamed(absl::Time now, storage::Store* store) {
  return Change(now, store, [](SessionLog& next, absl::Time) -> bool {
    if (next.streamed()) return false;
    next.set_streamed();
    return true;
  });
}

absl::Status Session::FinishIfDue(absl::Time now, absl::Duration idle,
                                  bool idle_in_store, storage::Store& store) {
  return Change(now, &store,
                [&](SessionLog& next, absl::Time now) -> absl::StatusOr<bool> {
                  if (finished_) return false;
                  const SessionState state = next.State(now);
                  if (state == yoga::session::v1::SESSION_STATE_PAUSED) {
                    if (!streams_.empty() ||
                        (!idle_in_store && now - last_activity_ < idle))
                      return false;
                    absl::Status stopped = next.Apply(
                        yoga::session::v1::CONTROL_ACTION_STOP, now, id_);
                    if (!stopped.ok()) return stopped;
                    return true;
                  }
                  // An end already reached needs its record, and to be marked
                  // done.
                  return IsEnd(state);
                });
}

absl::Status Session::Adopt(const storage::SessionRow& row,
                            const yoga::storage::v1::StoredSession& stored) {
  std::vector<Wake> wakes;
  {
    absl::MutexLock lock(&mutex_);
    if (row.version <= version_) return absl::OkStatus();
    auto log = SessionLog::FromProto(timeline_, extension_, timing_,
                                     stored.progress());
    if (!log.ok()) {
      return WithReason(absl::DataLossError(absl::StrCat(
                            "session ", id_, ": ", log.status().message())),
                        "STORED_DATA_DAMAGED");
    }
    log_ = *std::move(log);
    version_ = row.version;
    finished_ = row.finished;
    wakes = StreamWakesLocked();
  }
  RunWakes(wakes);
  return absl::OkStatus();
}

int64_t Session::version() const {
  absl::ReaderMutexLock lock(&mutex_);
  return version_;
}

bool Session::finished() const {
  absl::ReaderMutexLock lock(&mutex_);
  return finished_;
}

bool Session::Applied(absl::string_view request_id) const {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.Applied(request_id);
}

bool Session::FinishedIfFree() const {
  if (writing_.load(std::memory_order_acquire)) return false;
  return finished();
}

SessionState Session::State(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.State(now);
}

int64_t Session::SessionTimeMs(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.SessionTimeMs(now);
}

int64_t Session::LastSeq() const {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.LastSeq();
}

absl::StatusOr<StreamCursor> Session::OpenCursor(int64_t after_seq,
                                                 absl::Time /*now*/) {
  absl::ReaderMutexLock lock(&mutex_);
  return log_.OpenCursor(after_seq);
}

StreamAction Session::Next(StreamCursor& cursor, absl::Time now) {
  // While a change of this session is being written, the cues it may cut
  // must not go out: look again shortly (the write wakes every stream when
  // it is done anyway).
  auto busy = [&] {
    StreamAction wait;
    wait.wake = now + kBusyRetry;
    return wait;
  };
  // Looked at before the lock (not to wait on it while a change holds it)
  // and again under it (a change may have begun in between).
  if (writing_.load(std::memory_order_acquire)) return busy();
  absl::MutexLock lock(&mutex_);
  if (writing_.load(std::memory_order_acquire)) return busy();
  return log_.Next(cursor, NotBeforeLocked(now));
}

absl::StatusOr<int> Session::AddStream(std::function<void()> wake,
                                       int max_streams, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  if (expired_) {
    return WithReason(absl::NotFoundError(absl::StrCat(
                          "session ", id_, " expired after being idle")),
                      "SESSION_EXPIRED");
  }
  if (static_cast<int>(streams_.size()) >= max_streams) {
    return WithReason(absl::ResourceExhaustedError(absl::StrCat(
                          "session ", id_, " already has ", streams_.size(),
                          " streams, the most one session may have")),
                      "SESSION_STREAM_LIMIT");
  }
  const int stream_id = next_stream_id_++;
  streams_.emplace(stream_id, std::move(wake));
  last_activity_ = now;
  return stream_id;
}

void Session::RemoveStream(int stream_id, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  streams_.erase(stream_id);
  last_activity_ = now;
}

bool Session::HasStreams() const {
  absl::ReaderMutexLock lock(&mutex_);
  return !streams_.empty();
}

bool Session::ExpireIfIdle(absl::Time now, absl::Duration idle) {
  // Housekeeping runs on a wake scheduler thread: a session being written is
  // not idle anyway.
  if (writing_.load(std::memory_order_acquire)) return false;
  absl::MutexLock lock(&mutex_);
  if (writing_.load(std::memory_order_acquire) || !streams_.empty() ||
      now - last_activity_ < idle) {
    return false;
  }
  expired_ = true;
  return true;
}

bool Session::Ended(absl::Time now) const { return IsEnd(State(now)); }

yoga::session::v1::Session Session::ToProto(absl::Time now) const {
  absl::ReaderMutexLock lock(&mutex_);
  yoga::session::v1::Session proto;
  proto.set_id(id_);
  proto.set_state(log_.State(now));
  *proto.mutable_routine() = routine_;
  *proto.mutable_options() = options_;
  const int64_t session_ms = log_.SessionTimeMs(now);
  const int64_t end_ms = log_.EndMs();
  *proto.mutable_elapsed() =
      ToProtoDuration(absl::Milliseconds(std::min(session_ms, end_ms)));
  proto.set_current_step_index(log_.StepAt(session_ms));
  proto.set_last_seq(log_.LastSeq());
  *proto.mutable_create_time() = ToProtoTimestamp(create_time_);
  *proto.mutable_duration() = ToProtoDuration(absl::Milliseconds(end_ms));
  proto.set_stream_count(static_cast<int32_t>(streams_.size()));
  if (is_class()) {
    proto.mutable_group_class()->set_join_code(origin_.group_class.join_code);
    *proto.mutable_group_class()->mutable_control_delay() =
        ToProtoDuration(origin_.group_class.control_delay);
  }
  proto.set_profile_id(origin_.profile_id);
  proto.set_version(version_);
  return proto;
}

}  // namespace yoga::session
