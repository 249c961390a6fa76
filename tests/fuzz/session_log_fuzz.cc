// Fuzzes stored session rows (services/session/session_log.h, session.h): the
// input is a serialized yoga.storage.v1.StoredSession, restored as a replica
// restores a row it reads (Session::Restore, SessionLog::FromProto) on the
// timeline of a shipped preset. Invariants: a row is restored or refused with
// DATA_LOSS, never a crash or undefined behaviour; a restored session answers
// its state, streams its cues with seqs rising by one, and takes controls;
// and whatever the log writes after restoring or after any control reads back
// (FromProto) as the same log: a server never calls its own row damaged.
//
// With YOGA_FUZZ_WRITE_SEEDS=DIR set, it writes real rows (a fresh session,
// then after each kind of control) to DIR instead: tests/fuzz/corpus/ came
// from that.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/catalog/catalog_loader.h"
#include "services/common/proto_time.h"
#include "services/planner/planner.h"
#include "services/session/hold_extension.h"
#include "services/session/session.h"
#include "services/session/session_log.h"
#include "services/session/timeline_builder.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::fuzz::Check;
using yoga::session::SessionLog;
using yoga::session::v1::ControlAction;
using yoga::storage::v1::SessionProgress;
using yoga::storage::v1::StoredSession;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct Fixture {
  yoga::type::v1::Routine routine;
  yoga::session::v1::SessionOptions options;
  std::shared_ptr<const yoga::session::Timeline> timeline;
  yoga::session::HoldExtension extension;
  yoga::session::StreamTiming timing;
};

const Fixture& TheFixture() {
  static const Fixture* const fixture = [] {
    auto catalog =
        yoga::catalog::LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
    Check(catalog.ok(), "the shipped catalog loads",
          catalog.status().ToString());
    auto shared = std::make_shared<const yoga::catalog::Catalog>(*catalog);
    auto presets =
        yoga::planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    Check(presets.ok(), "the presets read", presets.status().ToString());
    yoga::planner::Planner planner(*std::move(presets));
    Check(planner.UseCatalog(shared).ok(), "the presets fit the catalog");
    yoga::planner::v1::ComposeRoutineRequest compose;
    compose.set_preset_id("runners-lower-back-four");
    auto routine = planner.ComposeRoutine(compose);
    Check(routine.ok(), "the preset composes", routine.status().ToString());
    auto* result = new Fixture;
    result->routine = *routine;
    *result->options.mutable_lead_in() =
        yoga::ToProtoDuration(absl::Seconds(5));
    const yoga::session::PromptDurations estimated("default");
    yoga::session::TimelineBuilder builder(*shared, estimated);
    auto timeline = builder.Build(result->routine, {});
    Check(timeline.ok(), "the preset's timeline builds",
          timeline.status().ToString());
    result->timeline =
        std::make_shared<const yoga::session::Timeline>(*std::move(timeline));
    result->extension = yoga::session::MakeHoldExtension(
        result->routine, result->options, nullptr);
    return result;
  }();
  return *fixture;
}

// `log` written and read back must be the same log.
void CheckReadsBack(const SessionLog& log, absl::string_view after) {
  const Fixture& fixture = TheFixture();
  const SessionProgress written = log.ToProto();
  auto read = SessionLog::FromProto(fixture.timeline, fixture.extension,
                                    fixture.timing, written);
  Check(read.ok(), absl::StrCat("the log written ", after, " reads back"),
        absl::StrCat(read.status().ToString(), "\n", written.DebugString()));
  Check(read->ToProto().SerializeAsString() == written.SerializeAsString(),
        absl::StrCat("the log written ", after, " reads back the same"));
}

// Goes on streaming with `cursor` for a while; seqs rise by one.
void Stream(yoga::session::Session& session,
            yoga::session::StreamCursor& cursor, absl::Time now,
            int events = 400) {
  int64_t last_seq = cursor.last_seq;
  for (int i = 0; i < events; ++i) {
    yoga::session::StreamAction action = session.Next(cursor, now);
    if (action.kind == yoga::session::StreamAction::kFinish) return;
    if (action.kind == yoga::session::StreamAction::kWait) {
      Check(action.wake > now, "a stream waits for a later time");
      now = std::min(action.wake, now + absl::Seconds(30));
      continue;
    }
    if (action.event.seq() > 0) {
      Check(action.event.seq() == last_seq + 1, "cue seqs rise by one",
            absl::StrCat(last_seq, " then ", action.event.seq()));
      last_seq = action.event.seq();
      Check(last_seq <= session.LastSeq(), "no cue past the last seq");
    }
  }
}

// Streams the session from `after_seq` for a while.
void CheckStream(yoga::session::Session& session, int64_t after_seq,
                 absl::Time now) {
  auto cursor = session.OpenCursor(after_seq, now);
  if (!cursor.ok()) {
    Check(absl::IsInvalidArgument(cursor.status()),
          "a cursor past the log is INVALID_ARGUMENT");
    return;
  }
  Stream(session, *cursor, now);
}

void WriteSeeds(const char* directory) {
  const Fixture& fixture = TheFixture();
  SessionLog log(fixture.timeline, fixture.extension, fixture.timing, kNow);
  int written = 0;
  auto write = [&](absl::string_view name) {
    StoredSession stored;
    stored.set_id("0123456789abcdef01234567");
    *stored.mutable_routine() = fixture.routine;
    *stored.mutable_options() = fixture.options;
    *stored.mutable_create_time() = yoga::ToProtoTimestamp(kNow);
    stored.set_timeline_fingerprint(fixture.timeline->fingerprint);
    *stored.mutable_progress() = log.ToProto();
    std::ofstream(absl::StrCat(directory, "/", ++written, "-", name),
                  std::ios::binary)
        << stored.SerializeAsString();
  };
  write("fresh");
  const ControlAction steps[] = {yoga::session::v1::CONTROL_ACTION_NEXT,
                                 yoga::session::v1::CONTROL_ACTION_STAY_LONGER,
                                 yoga::session::v1::CONTROL_ACTION_PAUSE,
                                 yoga::session::v1::CONTROL_ACTION_RESUME,
                                 yoga::session::v1::CONTROL_ACTION_NEXT,
                                 yoga::session::v1::CONTROL_ACTION_STAY_LONGER,
                                 yoga::session::v1::CONTROL_ACTION_PREVIOUS,
                                 yoga::session::v1::CONTROL_ACTION_STOP};
  absl::Time now = kNow;
  for (ControlAction action : steps) {
    // STAY_LONGER waits for a hold, a second at a time.
    for (int second = 0; second < 120; ++second) {
      now += absl::Seconds(
          action == yoga::session::v1::CONTROL_ACTION_NEXT ? 20 : 1);
      if (log.Apply(action, now, "seed").ok()) {
        write(yoga::session::v1::ControlAction_Name(action));
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seeds = std::getenv("YOGA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(seeds);
    std::exit(0);
  }
  TheFixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& fixture = TheFixture();
  StoredSession stored;
  if (!stored.ParseFromArray(data, static_cast<int>(size))) return 0;
  // As SessionRegistry::Load: the row's timeline rebuilt on this server (one
  // that did not match would be refused before the progress is read).
  stored.set_timeline_fingerprint(fixture.timeline->fingerprint);
  yoga::storage::SessionRow row;
  row.id = "0123456789abcdef01234567";
  row.data = stored.SerializeAsString();
  auto session = yoga::session::Session::Restore(row, stored, fixture.timeline,
                                                 fixture.timing, kNow, nullptr);
  auto log = SessionLog::FromProto(fixture.timeline, fixture.extension,
                                   fixture.timing, stored.progress());
  Check(log.ok() == session.ok(), "the session restores when its log does",
        session.status().ToString());
  if (!session.ok()) {
    Check(absl::IsDataLoss(session.status()), "a damaged row is DATA_LOSS",
          session.status().ToString());
    Check(absl::IsDataLoss(log.status()), "a damaged log is DATA_LOSS",
          log.status().ToString());
    return 0;
  }
  CheckReadsBack(*log, "after restoring");

  // As a replica takes on a newer version another one wrote, while a stream
  // of a fresh session here follows it: the stream goes on, whatever the row.
  {
    auto fresh = std::make_shared<yoga::session::Session>(
        row.id, fixture.routine, fixture.options, fixture.timeline,
        fixture.timing, kNow);
    auto cursor = fresh->OpenCursor(0, kNow);
    Check(cursor.ok(), "a fresh session streams");
    Stream(*fresh, *cursor, kNow + absl::Seconds(20), 20);
    row.version = 2;
    const absl::Status adopted = fresh->Adopt(row, stored);
    Check(adopted.ok(), "a row that restores is adopted", adopted.ToString());
    Stream(*fresh, *cursor, kNow + absl::Seconds(21));
  }

  (*session)->ToProto(kNow);
  const int steps = static_cast<int>(fixture.timeline->steps.size());
  const int step = log->StepAt(log->SessionTimeMs(kNow));
  Check(step >= 0 && step < steps, "the step is one of the routine's");
  // Every control, on the log and on the session alike, each a little later.
  const ControlAction actions[] = {
      yoga::session::v1::CONTROL_ACTION_STAY_LONGER,
      yoga::session::v1::CONTROL_ACTION_NEXT,
      yoga::session::v1::CONTROL_ACTION_PAUSE,
      yoga::session::v1::CONTROL_ACTION_RESUME,
      yoga::session::v1::CONTROL_ACTION_PREVIOUS,
      yoga::session::v1::CONTROL_ACTION_STAY_LONGER,
      yoga::session::v1::CONTROL_ACTION_STOP};
  absl::Time now = kNow;
  for (ControlAction action : actions) {
    now += absl::Seconds(3);
    const absl::Status applied = log->Apply(action, now, "fuzz");
    const absl::Status controlled = (*session)->Control(action, now);
    Check(applied.code() == controlled.code(),
          "the session answers a control as its log does",
          absl::StrCat(applied.ToString(), " vs ", controlled.ToString()));
    if (applied.ok()) {
      CheckReadsBack(
          *log, absl::StrCat("after ",
                             yoga::session::v1::ControlAction_Name(action)));
    }
  }
  // Streams last: a session never goes back to a time a caller has used.
  CheckStream(**session, 0, now);
  CheckStream(**session, (*session)->LastSeq() / 2, now);
  return 0;
}
