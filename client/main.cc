// yoga-guide: the runner's client.
//   yoga-guide [--server=HOST:PORT] poses [POSE_ID]
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/pose_text.h"
#include "grpcpp/create_channel.h"
#include "services/catalog/catalog_client.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "HOST:PORT of yoga-studio");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");

namespace {

constexpr char kUsage[] =
    "yoga-guide [--server=HOST:PORT] COMMAND\n"
    "Commands:\n"
    "  poses            list every pose of the catalog\n"
    "  poses POSE_ID    show one pose with its holds, cues, variations and "
    "sources";

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

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                     grpc::InsecureChannelCredentials());
  auto stub = yoga::catalog::v1::CatalogService::NewStub(channel);
  if (command == "poses") return Poses(*stub, args);
  std::fprintf(stderr, "yoga-guide: unknown command \"%s\"\n%s\n",
               command.c_str(), kUsage);
  return 2;
}
