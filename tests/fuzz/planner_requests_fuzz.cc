// Fuzzes the planner's request checks (services/planner/planner.h): the input
// is one byte choosing the call (ComposeRoutine or GetRoutine), then the
// serialized request, answered by a Planner on the shipped catalog and
// presets. Invariants: request_checks.h for every answer; a routine composed
// has a 16-hex-digit id and steps, and GetRoutine of that id gives it back.
//
// With YOGA_FUZZ_WRITE_SEEDS=DIR set, it writes real requests to DIR instead.
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
#include "tests/fuzz/request_checks.h"

namespace {

using yoga::fuzz::Check;
using yoga::fuzz::CheckAnswer;
using yoga::planner::v1::ComposeRoutineRequest;
using yoga::planner::v1::GetRoutineRequest;

enum Call : uint8_t { kCompose = 0, kGet = 1, kCalls = 2 };

yoga::planner::Planner& ThePlanner() {
  static yoga::planner::Planner* const planner = [] {
    auto catalog =
        yoga::catalog::LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
    Check(catalog.ok(), "the shipped catalog loads",
          catalog.status().ToString());
    auto presets =
        yoga::planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    Check(presets.ok(), "the presets read", presets.status().ToString());
    auto* result = new yoga::planner::Planner(*std::move(presets));
    Check(result
              ->UseCatalog(
                  std::make_shared<const yoga::catalog::Catalog>(*catalog))
              .ok(),
          "the presets fit the catalog");
    return result;
  }();
  return *planner;
}

bool IsRoutineId(const std::string& id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void WriteSeeds(const char* directory) {
  int written = 0;
  auto write = [&](Call call, const google::protobuf::Message& request) {
    std::ofstream(absl::StrCat(directory, "/", ++written), std::ios::binary)
        << static_cast<char>(call) << request.SerializeAsString();
  };
  ComposeRoutineRequest preset;
  preset.set_preset_id("runners-lower-back-four");
  write(kCompose, preset);
  *preset.mutable_breath_length() = yoga::ToProtoDuration(absl::Seconds(6));
  write(kCompose, preset);
  ComposeRoutineRequest constraints;
  auto* c = constraints.mutable_constraints();
  *c->mutable_target_duration() = yoga::ToProtoDuration(absl::Minutes(10));
  c->add_focus_areas(yoga::type::v1::BODY_AREA_HAMSTRINGS);
  write(kCompose, constraints);
  ComposeRoutineRequest custom;
  custom.mutable_custom()->set_title("two poses");
  auto* step = custom.mutable_custom()->add_steps();
  step->set_pose_id("childs-pose");
  step->set_hold_count(5);
  step = custom.mutable_custom()->add_steps();
  step->set_pose_id("cat-cow");
  step->set_hold_count(6);
  write(kCompose, custom);
  GetRoutineRequest get;
  auto composed = ThePlanner().ComposeRoutine(preset);
  get.set_id(composed.ok() ? composed->id() : "0123456789abcdef");
  write(kGet, get);
  get.set_id("not an id");
  write(kGet, get);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seeds = std::getenv("YOGA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(seeds);
    std::exit(0);
  }
  ThePlanner();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  yoga::planner::Planner& planner = ThePlanner();
  const Call call = static_cast<Call>(data[0] % kCalls);
  const uint8_t* bytes = data + 1;
  const int length = static_cast<int>(size - 1);
  if (call == kCompose) {
    ComposeRoutineRequest request;
    if (!request.ParseFromArray(bytes, length)) return 0;
    auto routine = planner.ComposeRoutine(request);
    CheckAnswer(routine.status(), "ComposeRoutine");
    if (!routine.ok()) return 0;
    Check(IsRoutineId(routine->id()), "a routine id is 16 hex digits",
          routine->id());
    Check(routine->steps_size() > 0, "a routine has steps");
    GetRoutineRequest get;
    get.set_id(routine->id());
    auto again = planner.GetRoutine(get);
    Check(again.ok(), "a routine composed is found by its id",
          again.status().ToString());
    Check(again->SerializeAsString() == routine->SerializeAsString(),
          "a routine found is the routine composed");
  } else {
    GetRoutineRequest request;
    if (!request.ParseFromArray(bytes, length)) return 0;
    auto routine = planner.GetRoutine(request);
    CheckAnswer(routine.status(), "GetRoutine");
    if (routine.ok()) {
      Check(routine->id() == request.id(),
            "GetRoutine gives the routine asked");
    }
  }
  return 0;
}
