// A session's stored row stays the same size however many controls it takes
// (session_log.cc keeps the last 64), and its largest possible row, for a
// shipped preset, is bounded: the figures retention and the database's sizing
// rely on. Real SQLite file, fake clock.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "services/session/clock.h"
#include "services/session/session_registry.h"
#include "services/storage/store.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using yoga::session::v1::ControlAction;

constexpr char kPreset[] = "runners-lower-back-four";

class SessionRowSizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat(
               "session_row_size_test_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = storage::OpenStore(
        {.url = absl::StrCat("sqlite:", (dir_ / "yoga.db").string())});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    registry_ = std::make_unique<SessionRegistry>(
        clock_, SessionLimits{},
        StreamTiming{.lookahead = absl::Milliseconds(1500)}, store_.get(),
        [](const yoga::storage::v1::StoredSession&) {
          return absl::StatusOr<std::shared_ptr<const Timeline>>(
              testing::PresetTimeline());
        });
    auto session = registry_->Create(testing::PresetRoutine(kPreset), {},
                                     testing::PresetTimeline(),
                                     {.profile_id = "runner-1"});
    ASSERT_TRUE(session.ok()) << session.status();
    id_ = (*session)->id();
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Control number `n`, with the longest request id a client may send
  // (64 characters), so that the history is as large as it gets.
  absl::Status Control(ControlAction action, int n) {
    ControlTerms terms;
    terms.request_id = absl::StrFormat("%064d", n);
    auto controlled = registry_->Control(id_, action, "", terms);
    return controlled.status();
  }

  // The bytes of the session's row: every column as stored.
  size_t RowBytes() {
    auto row = store_->GetSession(id_);
    EXPECT_TRUE(row.ok() && row->has_value()) << row.status();
    if (!row.ok() || !row->has_value()) return 0;
    const storage::SessionRow& r = **row;
    // version, phase, ends_at, updated_at, finished: five integers.
    return r.id.size() + r.profile_id.size() + r.owner.size() +
           r.start_request_id.size() + r.data.size() + 5 * 8;
  }

  // PAUSE or RESUME, alternately from running: never a segment of its own.
  absl::Status PauseOrResume(int n) {
    const bool pause = n % 2 == 0;
    clock_.Advance(pause ? absl::Milliseconds(10) : absl::Seconds(1));
    return Control(pause ? yoga::session::v1::CONTROL_ACTION_PAUSE
                         : yoga::session::v1::CONTROL_ACTION_RESUME,
                   n);
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<SessionRegistry> registry_;
  std::string id_;
};

TEST_F(SessionRowSizeTest, AThousandControlsPastTheKeptOnesDoNotGrowTheRow) {
  int n = 0;
  for (; n < 64; ++n) ASSERT_TRUE(PauseOrResume(n).ok()) << n;
  const size_t after_kept = RowBytes();
  size_t largest = after_kept;
  size_t at_564 = 0;
  size_t largest_after_564 = 0;
  for (; n < 64 + 1000; ++n) {
    ASSERT_TRUE(PauseOrResume(n).ok()) << n;
    const size_t bytes = RowBytes();
    largest = std::max(largest, bytes);
    if (n == 564) at_564 = bytes;
    if (n > 564) largest_after_564 = std::max(largest_after_564, bytes);
  }
  std::cout << "row bytes after 64 controls: " << after_kept
            << "; after 564: " << at_564
            << "; largest in the next 1000: " << largest << "\n";
  // What is kept is the last 64 controls and the last 64 history entries;
  // only the varint widths of their sequence numbers and times grow (one
  // byte each as they pass 127), then nothing until 16384.
  EXPECT_LE(largest, after_kept + 2 * 128);
  EXPECT_LE(largest_after_564, at_564 + 16);
}

TEST_F(SessionRowSizeTest, TheLargestRowOfAPresetSessionIsBounded) {
  // Segments first: NEXT and PREVIOUS alternately until refused (at most
  // 1000 jumps), then PAUSE/RESUME until refused (5000 controls in all).
  int n = 0;
  int jumps = 0;
  for (;; ++n) {
    clock_.Advance(absl::Milliseconds(10));
    // NEXT, NEXT, then PREVIOUS and NEXT in turn: between steps 1 and 2.
    const bool next = n < 2 || n % 2 == 1;
    absl::Status status =
        Control(next ? yoga::session::v1::CONTROL_ACTION_NEXT
                     : yoga::session::v1::CONTROL_ACTION_PREVIOUS,
                n);
    if (!status.ok()) {
      std::cout << "jumps refused after " << jumps << ": " << status << "\n";
      break;
    }
    ++jumps;
    ASSERT_LT(jumps, 2000);
  }
  EXPECT_GE(jumps, 900);
  size_t largest = RowBytes();
  const size_t after_jumps = largest;
  int more = 0;
  // Past the kept history (64) and kept controls (64): nothing grows after.
  for (; more < 300; ++more, ++n) {
    ASSERT_TRUE(PauseOrResume(n).ok()) << n;
    largest = std::max(largest, RowBytes());
  }
  std::cout << "row bytes after " << jumps << " jumps: " << after_jumps
            << "; largest after " << more
            << " pauses and resumes more: " << largest << "\n";
  EXPECT_LE(largest, 64u * 1024u);  // Measured: about 30 KiB.
}

}  // namespace
}  // namespace yoga::session
