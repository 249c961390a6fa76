// yoga-guide: the runner's client.
//   yoga-guide [--server=HOST:PORT] poses [POSE_ID]
//   yoga-guide [--server=HOST:PORT] presets
//   yoga-guide [--server=HOST:PORT] plan --preset=ID | --minutes=N [constraint
//   flags]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/audio/audio_output.h"
#include "client/plan_request.h"
#include "client/pose_text.h"
#include "client/routine_text.h"
#include "grpcpp/create_channel.h"
#include "services/catalog/catalog_client.h"
#include "services/common/errors.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "HOST:PORT of yoga-studio");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");
ABSL_FLAG(std::string, preset, "", "plan: a preset id (see `presets`)");
ABSL_FLAG(int, minutes, 10, "plan: length of the routine, 2 to 60 minutes");
ABSL_FLAG(std::vector<std::string>, focus, {},
          "plan: areas, e.g. lower-back,hips");
ABSL_FLAG(std::string, level, "", "plan: beginner, intermediate or advanced");
ABSL_FLAG(std::string, moment, "", "plan: post-run, pre-run or rest-day");
ABSL_FLAG(bool, no_floor, false,
          "plan: no lying on the floor (also --no-floor)");
ABSL_FLAG(std::vector<std::string>, props, {},
          "plan: props at hand, e.g. mat,block,wall");
ABSL_FLAG(std::vector<std::string>, exclude, {}, "plan: pose ids to leave out");
ABSL_FLAG(std::vector<std::string>, condition, {},
          "plan: e.g. flexion-sensitive-back,sensitive-knees");
ABSL_FLAG(double, breath, 0,
          "plan: seconds per breath (0: the planner's default)");
ABSL_FLAG(uint64_t, seed, 0, "plan: variety seed");

namespace {

constexpr char kUsage[] =
    "yoga-guide [--server=HOST:PORT] COMMAND\n"
    "Commands:\n"
    "  poses            list every pose of the catalog\n"
    "  poses POSE_ID    show one pose with its holds, cues, variations and "
    "sources\n"
    "  presets          list the routines taken from the seed articles\n"
    "  plan             plan a routine: --preset=ID, or --minutes=N with\n"
    "                   --focus, --level, --moment, --no-floor, --props,\n"
    "                   --exclude, --condition, --breath, --seed\n"
    "  devices          list the audio output devices (for --device)";

int Fail(const absl::Status& status) {
  std::string hint;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    hint = absl::StrCat(" (is yoga-studio running at ",
                        absl::GetFlag(FLAGS_server), "? ./dev run starts it)");
  }
  std::fprintf(stderr, "yoga-guide: %s: %s%s\n",
               absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str(), hint.c_str());
  return 1;
}

int Poses(yoga::catalog::v1::CatalogService::StubInterface& stub,
          const std::vector<char*>& args) {
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (args.size() > 3) {
    std::fprintf(stderr, "yoga-guide: poses takes at most one pose id\n");
    return 2;
  }
  if (args.size() == 3) {
    auto pose = yoga::catalog::FetchPose(stub, args[2], timeout);
    if (!pose.ok()) return Fail(pose.status());
    std::fputs(yoga::client::FormatPoseSheet(*pose).c_str(), stdout);
    return 0;
  }
  auto listing = yoga::catalog::FetchAllPoses(stub, timeout);
  if (!listing.ok()) return Fail(listing.status());
  std::fputs(yoga::client::FormatPoseTable(listing->poses).c_str(), stdout);
  std::printf("%zu poses, catalog version %s\n", listing->poses.size(),
              listing->etag.c_str());
  return 0;
}

// Names of every pose and variation, for printing routines.
std::map<std::string, std::string> PoseNames(
    yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  std::map<std::string, std::string> names;
  auto listing =
      yoga::catalog::FetchAllPoses(catalog, absl::GetFlag(FLAGS_timeout));
  if (!listing.ok()) return names;  // Ids are printed instead.
  for (const auto& pose : listing->poses) {
    names[pose.id()] = pose.name();
    for (const auto& variation : pose.variations())
      names[variation.id()] = variation.name();
  }
  return names;
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(
      std::chrono::system_clock::now() +
      absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_timeout)));
}

int Presets(yoga::planner::v1::PlannerService::StubInterface& planner) {
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::planner::v1::ListPresetsResponse presets;
  if (grpc::Status status = planner.ListPresets(&context, {}, &presets);
      !status.ok()) {
    return Fail(yoga::FromGrpcStatus(status));
  }
  std::fputs(yoga::client::FormatPresets(presets).c_str(), stdout);
  return 0;
}

int Plan(yoga::planner::v1::PlannerService::StubInterface& planner,
         yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  yoga::client::PlanOptions options;
  options.preset = absl::GetFlag(FLAGS_preset);
  options.minutes = absl::GetFlag(FLAGS_minutes);
  options.focus = absl::GetFlag(FLAGS_focus);
  options.level = absl::GetFlag(FLAGS_level);
  options.moment = absl::GetFlag(FLAGS_moment);
  options.no_floor = absl::GetFlag(FLAGS_no_floor);
  options.props = absl::GetFlag(FLAGS_props);
  options.exclude = absl::GetFlag(FLAGS_exclude);
  options.conditions = absl::GetFlag(FLAGS_condition);
  options.breath_seconds = absl::GetFlag(FLAGS_breath);
  options.seed = absl::GetFlag(FLAGS_seed);
  auto request = yoga::client::MakePlanRequest(options);
  if (!request.ok()) {
    std::fprintf(stderr, "yoga-guide: %s\n",
                 std::string(request.status().message()).c_str());
    return 2;
  }
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::type::v1::Routine routine;
  if (grpc::Status status =
          planner.ComposeRoutine(&context, *request, &routine);
      !status.ok()) {
    return Fail(yoga::FromGrpcStatus(status));
  }
  std::fputs(yoga::client::FormatRoutine(routine, PoseNames(catalog)).c_str(),
             stdout);
  return 0;
}

// absl flags are spelled with underscores; the command line may use dashes
// (--no-floor), as the design's examples do.
std::vector<char*> DashesToUnderscores(int argc, char** argv,
                                       std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  std::vector<char*> result;
  for (std::string& arg : storage) {
    if (arg.rfind("--", 0) == 0) {
      const size_t end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + static_cast<long>(end), '-',
                   '_');
    }
    result.push_back(arg.data());
  }
  return result;
}

// Lists the sound outputs; one clear line and exit 1 when there is none.
int Devices() {
  auto devices = yoga::client::audio::ListOutputDevices();
  if (!devices.ok()) return Fail(devices.status());
  for (const auto& device : *devices) {
    std::printf("%s%3d  %s  (%s, %d channels, %.0f Hz)\n",
                device.is_default ? "*" : " ", device.index,
                device.name.c_str(), device.host_api.c_str(), device.channels,
                device.default_rate);
  }
  std::printf("* the default output\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> storage;
  std::vector<char*> spelled = DashesToUnderscores(argc, argv, storage);
  std::vector<char*> args =
      absl::ParseCommandLine(static_cast<int>(spelled.size()), spelled.data());
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  if (command == "devices") return Devices();
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                     grpc::InsecureChannelCredentials());
  auto stub = yoga::catalog::v1::CatalogService::NewStub(channel);
  if (command == "poses") return Poses(*stub, args);
  auto planner = yoga::planner::v1::PlannerService::NewStub(channel);
  if (command == "presets") return Presets(*planner);
  if (command == "plan") return Plan(*planner, *stub);
  std::fprintf(stderr, "yoga-guide: unknown command \"%s\"\n%s\n",
               command.c_str(), kUsage);
  return 2;
}
