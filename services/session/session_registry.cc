#include "services/session/session_registry.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/errors.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"

namespace yoga::session {
namespace {

// ABORTED writes (another replica moved the session on first) retried before
// giving up: each retry reads the newest version, so only a session changed
// again and again in the same instant runs out.
constexpr int kWriteAttempts = 4;

absl::StatusOr<yoga::storage::v1::StoredSession> ParseStored(
    const storage::SessionRow& row) {
  yoga::storage::v1::StoredSession stored;
  if (!stored.ParseFromString(row.data)) {
    return WithReason(absl::DataLossError(absl::StrCat(
                          "session ", row.id, ": its stored data is damaged")),
                      "STORED_DATA_DAMAGED");
  }
  return stored;
}

}  // namespace

std::string SessionRegistry::NewId() {
  // 96 random bits: ids cannot be guessed to join someone else's session.
  return absl::StrFormat("%08x%016x", absl::Uniform<uint32_t>(random_),
                         absl::Uniform<uint64_t>(random_));
}

std::string SessionRegistry::NewJoinCode(const std::string& owner) {
  const absl::Time now = clock_.Now();
  for (;;) {
    std::string code = absl::StrFormat(
        "%06d", join_codes_ ? join_codes_()
                            : absl::Uniform<int>(random_, 0, 1'000'000));
    auto held = classes_.find(std::make_pair(owner, code));
    if (held == classes_.end()) return code;
    auto session = sessions_.find(held->second);
    // An ended class's code may be given again.
    if (session == sessions_.end() || session->second->Ended(now)) return code;
  }
}

const PromptDurations* SessionRegistry::PromptsOf(
    const yoga::session::v1::SessionOptions& options) const {
  auto pack = voice_packs_.find(
      options.voice_pack().empty() ? kDefaultVoicePack : options.voice_pack());
  return pack == voice_packs_.end() ? nullptr : pack->second.get();
}

absl::Status SessionRegistry::RoomForOne(absl::string_view owner,
                                         bool reserve) {
  if (size() >= static_cast<size_t>(limits_.max_sessions)) ExpireIdle();
  absl::MutexLock lock(&mutex_);
  if (sessions_.size() >= static_cast<size_t>(limits_.max_sessions)) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "the server holds ", sessions_.size(),
            " sessions, its limit; stop finished ones or try again later")),
        "SERVER_SESSION_LIMIT");
  }
  if (owner.empty()) return absl::OkStatus();
  const auto counted = held_by_owner_.find(owner);
  const int held = counted == held_by_owner_.end() ? 0 : counted->second;
  if (held >= limits_.max_sessions_per_owner) {
    return WithReason(
        absl::ResourceExhaustedError(absl::StrCat(
            "key ", owner, " holds ", held,
            " sessions on this server, its limit (",
            limits_.max_sessions_per_owner, "); sessions are let go after ",
            absl::FormatDuration(limits_.idle_timeout), " idle")),
        "KEY_SESSION_LIMIT");
  }
  if (reserve) CountHeld(std::string(owner), +1);
  return absl::OkStatus();
}

void SessionRegistry::CountHeld(const std::string& owner, int change) {
  if (owner.empty()) return;
  auto counted = held_by_owner_.try_emplace(owner, 0).first;
  counted->second += change;
  // Gone when none is held: the map grows with the keys holding sessions,
  // not with every key that ever held one.
  if (counted->second <= 0) held_by_owner_.erase(counted);
}

absl::Status SessionRegistry::NoSuchSession(absl::string_view id) const {
  return WithReason(
      absl::NotFoundError(
          store_ != nullptr
              ? absl::StrCat("no session \"", id, "\"")
              : absl::StrCat("no session \"", id,
                             "\" (it never existed, or expired after ",
                             absl::FormatDuration(limits_.idle_timeout),
                             " idle)")),
      "SESSION_NOT_FOUND");
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Create(
    yoga::type::v1::Routine routine, yoga::session::v1::SessionOptions options,
    std::shared_ptr<const Timeline> timeline, SessionOrigin origin) {
  const bool idempotent = !origin.start_request_id.empty();
  if (idempotent) {
    auto started = FindStarted(origin.owner, origin.start_request_id);
    if (!started.ok() || *started != nullptr) return started;
  }
  // The key's place is taken now, so that starts at once cannot all pass
  // the check; any way out but keeping the session gives it back.
  if (absl::Status room = RoomForOne(origin.owner, /*reserve=*/true);
      !room.ok()) {
    return room;
  }
  bool placed = false;
  absl::Cleanup give_back = [&] {
    if (placed) return;
    absl::MutexLock lock(&mutex_);
    CountHeld(origin.owner, -1);
  };
  std::shared_ptr<Session> session;
  const bool is_class = origin.group_class.control_delay > absl::ZeroDuration();
  for (int attempt = 0;; ++attempt) {
    std::string id;
    {
      absl::MutexLock lock(&mutex_);
      id = NewId();
      while (sessions_.contains(id)) id = NewId();
      if (is_class) origin.group_class.join_code = NewJoinCode(origin.owner);
    }
    session =
        std::make_shared<Session>(id, origin, routine, options, timeline,
                                  timing_, clock_.Now(), PromptsOf(options));
    if (store_ == nullptr) break;
    absl::Status written = session->Create(*store_, clock_.Now());
    if (written.ok()) break;
    if (idempotent && !absl::IsAlreadyExists(written)) {
      // A lost reply may hide a row that was written: look, rather than
      // guess. Still unknown: the caller retries with the same request_id.
      auto started = FindStarted(origin.owner, origin.start_request_id);
      if (started.ok() && *started != nullptr) return started;
      return written;
    }
    if (absl::IsAlreadyExists(written) && idempotent) {
      // The same request, retried while the first was being written.
      auto started = FindStarted(origin.owner, origin.start_request_id);
      if (!started.ok() || *started != nullptr) return started;
    }
    // Another server made the same 96 random bits (astronomically rare), or
    // gave one of the owner's live classes the same join code (one in
    // 1,000,000 a live class): another id and code.
    if (!absl::IsAlreadyExists(written) || attempt == 4) return written;
  }
  absl::MutexLock lock(&mutex_);
  if (idempotent && store_ == nullptr) {
    auto [it, inserted] = started_.emplace(
        std::make_pair(origin.owner, origin.start_request_id), session->id());
    // A retry that raced this one and won keeps its session.
    if (!inserted) {
      auto first = sessions_.find(it->second);
      if (first != sessions_.end()) return first->second;
      it->second = session->id();
    }
  }
  // Its place was counted when reserved.
  placed = sessions_.emplace(session->id(), session).second;
  if (is_class) {
    classes_.insert_or_assign(
        std::make_pair(origin.owner, origin.group_class.join_code),
        session->id());
  }
  return session;
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::FindStarted(
    absl::string_view owner, absl::string_view start_request_id) {
  if (store_ == nullptr) {
    absl::ReaderMutexLock lock(&mutex_);
    auto started = started_.find(
        std::make_pair(std::string(owner), std::string(start_request_id)));
    if (started == started_.end()) return nullptr;
    auto session = sessions_.find(started->second);
    if (session == sessions_.end()) return nullptr;
    return session->second;
  }
  auto row = store_->SessionByStartRequest(owner, start_request_id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return nullptr;
  return Find((*row)->id, /*latest=*/true);
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::FindClass(
    absl::string_view owner, absl::string_view join_code) {
  const absl::Time now = clock_.Now();
  auto no_class = [&] {
    return WithReason(absl::NotFoundError(absl::StrCat(
                          "no class is running with join code ", join_code,
                          "; ask the teacher for the code again")),
                      "CLASS_NOT_FOUND");
  };
  // A live class held here with the code, then the store's (another
  // replica's, or one not read back yet).
  std::shared_ptr<Session> held;
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto entry = classes_.find(
        std::make_pair(std::string(owner), std::string(join_code)));
    if (entry != classes_.end()) {
      auto session = sessions_.find(entry->second);
      if (session != sessions_.end()) held = session->second;
    }
  }
  if (held != nullptr && store_ != nullptr) {
    // Brought up to date: another replica may have ended it.
    if (absl::Status fresh = Refresh(*held); !fresh.ok() &&
                                             !absl::IsUnavailable(fresh) &&
                                             !absl::IsDeadlineExceeded(fresh))
      held = nullptr;
  }
  if (held != nullptr && !held->Ended(now)) return held;
  if (store_ == nullptr) return no_class();
  auto row = store_->SessionByJoinCode(owner, join_code);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return no_class();
  auto session = FindOwned((*row)->id, owner, /*latest=*/true);
  if (!session.ok()) {
    if (absl::IsNotFound(session.status())) return no_class();
    return session.status();
  }
  if ((*session)->Ended(now)) return no_class();
  return session;
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Load(
    absl::string_view id, const std::string* owner) {
  auto row = store_->GetSession(id);
  if (!row.ok()) return row.status();
  // Another key's session is not read any further: it does not exist for
  // this caller, whatever state it is in.
  if (!row->has_value() || (owner != nullptr && (*row)->owner != *owner))
    return NoSuchSession(id);
  auto stored = ParseStored(**row);
  if (!stored.ok()) return stored.status();
  auto timeline = rebuild_(*stored);
  if (!timeline.ok()) return timeline.status();
  auto session = Session::Restore(**row, *stored, *std::move(timeline), timing_,
                                  clock_.Now(), PromptsOf(stored->options()));
  if (!session.ok()) return session.status();
  // Read back, it counts toward its key's share, but is never refused for
  // it: a runner resuming their own session comes before fairness between
  // keys (the server's own limit still holds).
  if (absl::Status room = RoomForOne(); !room.ok()) return room;
  absl::MutexLock lock(&mutex_);
  // Another call may have loaded it meanwhile: keep the one already handed
  // out, so that all streams follow one object.
  auto [it, inserted] = sessions_.emplace(std::string(id), *session);
  if (inserted) {
    CountHeld(it->second->owner(), +1);
    // A live class read back takes its code, unless a live class here has
    // it (an ended one read back must not hide the class given its code
    // since).
    if (it->second->is_class() && !it->second->Ended(clock_.Now())) {
      auto [held, fresh] = classes_.try_emplace(
          std::make_pair(it->second->owner(),
                         it->second->origin().group_class.join_code),
          it->second->id());
      if (!fresh) {
        auto other = sessions_.find(held->second);
        if (other == sessions_.end() || other->second->Ended(clock_.Now()))
          held->second = it->second->id();
      }
    }
  }
  return it->second;
}

absl::Status SessionRegistry::Refresh(Session& session) {
  auto row = store_->GetSession(session.id());
  if (!row.ok()) return row.status();
  if (!row->has_value()) {
    return WithReason(absl::NotFoundError(absl::StrCat(
                          "session ", session.id(), " is gone from the store")),
                      "SESSION_NOT_FOUND");
  }
  if ((*row)->version <= session.version()) return absl::OkStatus();
  auto stored = ParseStored(**row);
  if (!stored.ok()) return stored.status();
  return session.Adopt(**row, *stored);
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Find(
    absl::string_view id, bool latest) {
  return FindFor(id, latest, /*owner=*/nullptr);
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::FindOwned(
    absl::string_view id, absl::string_view owner, bool latest) {
  const std::string caller(owner);
  return FindFor(id, latest, &caller);
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::FindFor(
    absl::string_view id, bool latest, const std::string* owner) {
  std::shared_ptr<Session> held;
  {
    absl::ReaderMutexLock lock(&mutex_);
    auto found = sessions_.find(id);
    if (found != sessions_.end()) held = found->second;
  }
  if (held != nullptr) {
    if (owner != nullptr && held->owner() != *owner) return NoSuchSession(id);
    if (latest && store_ != nullptr && store_->Shared()) {
      absl::Status status = Refresh(*held);
      // With the database out of reach, the copy held is the best answer
      // there is; the keeper catches it up once the database is back.
      if (!status.ok() && !absl::IsUnavailable(status) &&
          !absl::IsDeadlineExceeded(status)) {
        return status;
      }
    }
    return held;
  }
  if (store_ == nullptr) return NoSuchSession(id);
  return Load(id, owner);
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Control(
    absl::string_view id, yoga::session::v1::ControlAction action,
    absl::string_view owner, const ControlTerms& terms) {
  // No read first: the versioned write finds a copy that is behind (ABORTED)
  // and the loop reads it again then, so a fresh copy costs one round trip.
  auto session = FindOwned(id, owner);
  if (!session.ok()) return session.status();
  for (int attempt = 1;; ++attempt) {
    absl::Status status =
        (*session)->Control(action, clock_.Now(), store_, terms);
    if (status.ok()) return session;
    if ((absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) &&
        store_ != nullptr && !terms.request_id.empty()) {
      // The answer to the write was lost: look rather than guess. If the
      // store has it, it was applied (and this copy takes it on at once);
      // if the store cannot be read either, the caller retries with the
      // same request_id and gets the one outcome.
      if (Refresh(**session).ok() && (*session)->Applied(terms.request_id))
        return session;
      return status;
    }
    // ABORTED: written elsewhere first. FAILED_PRECONDITION may come from a
    // copy that is behind (RESUME of a session paused elsewhere): worth a
    // second look only if the store has a newer version.
    const bool maybe_stale =
        absl::IsAborted(status) ||
        (store_ != nullptr && absl::IsFailedPrecondition(status));
    if (!maybe_stale || attempt == kWriteAttempts) return status;
    const int64_t held = (*session)->version();
    if (absl::Status refreshed = Refresh(**session); !refreshed.ok())
      return refreshed;
    if (absl::IsFailedPrecondition(status) && (*session)->version() == held)
      return status;
  }
}

absl::Status SessionRegistry::Retried(
    Session& session, const std::function<absl::Status()>& write) {
  for (int attempt = 1;; ++attempt) {
    absl::Status status = write();
    if (!absl::IsAborted(status) || attempt == kWriteAttempts) return status;
    if (absl::Status refreshed = Refresh(session); !refreshed.ok())
      return refreshed;
  }
}

absl::Status SessionRegistry::MarkStreamed(Session& session) {
  return Retried(session,
                 [&] { return session.MarkStreamed(clock_.Now(), store_); });
}

absl::Status SessionRegistry::Finish(Session& session) {
  if (store_ == nullptr) return absl::OkStatus();
  return Retried(session, [&] {
    return session.FinishIfDue(clock_.Now(), limits_.idle_timeout,
                               /*idle_in_store=*/false, *store_);
  });
}

absl::StatusOr<int> SessionRegistry::CatchUp() {
  if (store_ == nullptr) return 0;
  std::vector<std::shared_ptr<Session>> held;
  {
    absl::ReaderMutexLock lock(&mutex_);
    for (const auto& [id, session] : sessions_) held.push_back(session);
  }
  // Outside the registry's lock: a session being written holds its own.
  std::vector<std::shared_ptr<Session>> watched;
  for (auto& session : held) {
    if (session->HasStreams()) watched.push_back(std::move(session));
  }
  if (watched.empty()) return 0;
  std::vector<std::string> ids;
  ids.reserve(watched.size());
  for (const auto& session : watched) ids.push_back(session->id());
  auto versions = store_->SessionVersions(ids);
  if (!versions.ok()) return versions.status();
  int changed = 0;
  for (const auto& session : watched) {
    auto stored = versions->find(session->id());
    if (stored == versions->end() || stored->second <= session->version())
      continue;
    absl::Status status = Refresh(*session);
    if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status))
      return status;  // The store is away: all the others would fail too.
    if (!status.ok()) {
      // One damaged row must not keep the others from catching up.
      Log(LogLevel::kWarning, "session_catch_up_failed",
          {{"session", session->id()}, {"error", status.ToString()}});
      continue;
    }
    ++changed;
  }
  return changed;
}

absl::Status SessionRegistry::CloseUnplayable(absl::string_view id,
                                              absl::Time now) {
  auto row = store_->GetSession(id);
  if (!row.ok()) return row.status();
  if (!row->has_value() || (*row)->finished) return absl::OkStatus();
  storage::SessionRow closed = **row;
  std::optional<storage::PracticeRecord> record;
  yoga::storage::v1::StoredSession stored;
  if (stored.ParseFromString(closed.data)) {
    // What the row itself says of the time practised, with no timeline.
    const auto& progress = stored.progress();
    const bool completed = closed.phase == storage::SessionPhase::kRunning &&
                           closed.ends_at <= now;
    const absl::Time end = completed ? closed.ends_at : closed.updated_at;
    absl::Duration practised = absl::Milliseconds(progress.base_ms());
    if (progress.running() && !progress.stopped())
      practised += end - FromProtoTimestamp(progress.running_since());
    if (!stored.profile_id().empty() && progress.streamed()) {
      record.emplace();
      record->session_id = closed.id;
      record->owner = stored.owner();
      record->profile_id = stored.profile_id();
      record->routine_id = stored.routine().id();
      record->routine_title = stored.routine().title();
      record->start_time = FromProtoTimestamp(stored.create_time());
      record->end_time = end;
      record->practised = std::max(practised, absl::ZeroDuration());
      record->completed = completed;
    }
    closed.phase = completed ? storage::SessionPhase::kCompleted
                             : storage::SessionPhase::kStopped;
  }
  closed.version++;
  closed.finished = true;
  closed.ends_at = absl::InfiniteFuture();
  closed.updated_at = now;
  return store_->UpdateSession(closed, record ? &*record : nullptr);
}

absl::StatusOr<int> SessionRegistry::FinishDue(int limit) {
  if (store_ == nullptr) return 0;
  const absl::Time now = clock_.Now();
  auto due = store_->DueSessions(now, now - limits_.idle_timeout, limit);
  if (!due.ok()) return due.status();
  int finished = 0;
  for (const std::string& id : *due) {
    const bool held = [&] {
      absl::ReaderMutexLock lock(&mutex_);
      return sessions_.contains(id);
    }();
    auto session = Find(id, /*latest=*/true);
    absl::Status status = session.status();
    if (status.ok()) {
      status = Retried(**session, [&] {
        return (*session)->FinishIfDue(now, limits_.idle_timeout,
                                       /*idle_in_store=*/true, *store_);
      });
    }
    if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status))
      return status;  // The store is away: try again at the next sweep.
    if (absl::IsDataLoss(status) || absl::IsFailedPrecondition(status)) {
      // This server cannot play it (a damaged row, another catalog): it
      // would be due forever. Close it with what the row says.
      Log(LogLevel::kWarning, "session_closed_unplayable",
          {{"session", id}, {"why", std::string(status.message())}});
      if (absl::Status closed = CloseUnplayable(id, now); !closed.ok())
        return closed;
      ++finished;
      continue;
    }
    if (!status.ok()) continue;  // Busy or contended: the next sweep.
    if ((*session)->finished()) ++finished;
    // Read back only to be finished: memory need not keep it.
    if (!held && !(*session)->HasStreams()) {
      absl::MutexLock lock(&mutex_);
      if (sessions_.erase(id) > 0) CountHeld((*session)->owner(), -1);
    }
  }
  return finished;
}

int SessionRegistry::ExpireIdle() {
  const absl::Time now = clock_.Now();
  std::vector<std::shared_ptr<Session>> expired;  // Freed outside the lock.
  absl::MutexLock lock(&mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->ExpireIfIdle(now, limits_.idle_timeout)) {
      CountHeld(it->second->owner(), -1);
      expired.push_back(std::move(it->second));
      sessions_.erase(it++);
    } else {
      ++it;
    }
  }
  if (!expired.empty()) {
    absl::erase_if(started_, [&](const auto& entry) {
      return !sessions_.contains(entry.second);
    });
    absl::erase_if(classes_, [&](const auto& entry) {
      return !sessions_.contains(entry.second);
    });
  }
  return static_cast<int>(expired.size());
}

size_t SessionRegistry::size() const {
  absl::ReaderMutexLock lock(&mutex_);
  return sessions_.size();
}

}  // namespace yoga::session
