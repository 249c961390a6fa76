#include "services/session/session_registry.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace yoga::session {

std::string SessionRegistry::NewId() {
  // 96 random bits: ids cannot be guessed to join someone else's session.
  return absl::StrFormat("%08x%016x", absl::Uniform<uint32_t>(random_),
                         absl::Uniform<uint64_t>(random_));
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Create(
    yoga::type::v1::Routine routine, yoga::session::v1::SessionOptions options,
    std::shared_ptr<const Timeline> timeline) {
  if (size() >= static_cast<size_t>(limits_.max_sessions)) ExpireIdle();
  absl::MutexLock lock(&mutex_);
  if (sessions_.size() >= static_cast<size_t>(limits_.max_sessions)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the server holds ", sessions_.size(),
        " sessions, its limit; stop finished ones or try again later"));
  }
  std::string id = NewId();
  while (sessions_.contains(id)) id = NewId();
  auto session =
      std::make_shared<Session>(id, std::move(routine), std::move(options),
                                std::move(timeline), timing_, clock_.Now());
  sessions_.emplace(std::move(id), session);
  return session;
}

absl::StatusOr<std::shared_ptr<Session>> SessionRegistry::Find(
    absl::string_view id) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto found = sessions_.find(id);
  if (found == sessions_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "no session \"", id, "\" (it never existed, or expired after ",
        absl::FormatDuration(limits_.idle_timeout), " idle)"));
  }
  return found->second;
}

int SessionRegistry::ExpireIdle() {
  const absl::Time now = clock_.Now();
  std::vector<std::shared_ptr<Session>> expired;  // Freed outside the lock.
  absl::MutexLock lock(&mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second->ExpireIfIdle(now, limits_.idle_timeout)) {
      expired.push_back(std::move(it->second));
      sessions_.erase(it++);
    } else {
      ++it;
    }
  }
  return static_cast<int>(expired.size());
}

size_t SessionRegistry::size() const {
  absl::ReaderMutexLock lock(&mutex_);
  return sessions_.size();
}

}  // namespace yoga::session
