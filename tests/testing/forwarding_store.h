// A storage::Store that passes every call to another store, for tests that
// watch or disturb a few calls of a real store (override those). Not
// thread-safe beyond what the overrides make it.
#ifndef YOGA_TESTS_TESTING_FORWARDING_STORE_H_
#define YOGA_TESTS_TESTING_FORWARDING_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/storage/store.h"

namespace yoga::testing {

class ForwardingStore : public storage::Store {
 public:
  explicit ForwardingStore(std::unique_ptr<storage::Store> store)
      : store_(std::move(store)) {}

  std::string Describe() const override { return store_->Describe(); }
  bool Shared() const override { return store_->Shared(); }
  absl::Status PutRoutine(absl::string_view owner, absl::string_view id,
                          absl::string_view data) override {
    return store_->PutRoutine(owner, id, data);
  }
  absl::StatusOr<std::optional<std::string>> GetRoutine(
      absl::string_view owner, absl::string_view id) override {
    return store_->GetRoutine(owner, id);
  }
  absl::Status CreateSession(const storage::SessionRow& row) override {
    return store_->CreateSession(row);
  }
  absl::StatusOr<std::optional<storage::SessionRow>> GetSession(
      absl::string_view id) override {
    return store_->GetSession(id);
  }
  absl::StatusOr<std::optional<storage::SessionRow>> SessionByStartRequest(
      absl::string_view owner, absl::string_view start_request_id) override {
    return store_->SessionByStartRequest(owner, start_request_id);
  }
  absl::StatusOr<std::optional<storage::SessionRow>> SessionByJoinCode(
      absl::string_view owner, absl::string_view join_code) override {
    return store_->SessionByJoinCode(owner, join_code);
  }
  absl::Status UpdateSession(const storage::SessionRow& row,
                             const storage::PracticeRecord* record) override {
    return store_->UpdateSession(row, record);
  }
  absl::StatusOr<std::map<std::string, int64_t>> SessionVersions(
      const std::vector<std::string>& ids) override {
    return store_->SessionVersions(ids);
  }
  absl::StatusOr<std::vector<std::string>> DueSessions(absl::Time now,
                                                       absl::Time idle_before,
                                                       int limit) override {
    return store_->DueSessions(now, idle_before, limit);
  }
  absl::StatusOr<std::vector<storage::PracticeRecord>> ListPracticeRecords(
      const storage::PracticeQuery& query) override {
    return store_->ListPracticeRecords(query);
  }

  absl::StatusOr<int64_t> DeleteFinishedSessions(absl::Time finished_before,
                                                 int limit) override {
    return store_->DeleteFinishedSessions(finished_before, limit);
  }
  absl::StatusOr<storage::SweptRoutines> DeleteUnusedRoutines(
      absl::Time unused_since, int limit) override {
    return store_->DeleteUnusedRoutines(unused_since, limit);
  }
  absl::StatusOr<int64_t> DeletePracticeRecords(absl::Time started_before,
                                                int limit) override {
    return store_->DeletePracticeRecords(started_before, limit);
  }

  storage::Store& inner() { return *store_; }

 private:
  std::unique_ptr<storage::Store> store_;
};

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_FORWARDING_STORE_H_
