// yoga-guide: the runner's client.
//   yoga-guide [--server=HOST:PORT] poses [POSE_ID]
//   yoga-guide [--server=HOST:PORT] presets
//   yoga-guide [--server=HOST:PORT] plan --preset=ID | --minutes=N [constraint
//   flags]
//   yoga-guide [--server=HOST:PORT] play | render --out=FILE.wav [same flags]
//   yoga-guide [--server=HOST:PORT] join SESSION_ID
//   yoga-guide [--server=HOST:PORT] history [--profile=ID] [--time_zone=ZONE]
//   [--limit=N]
//   yoga-guide devices
// Reads the flags once (client/cli/guide_options.h) and hands them to the
// command named (client/cli/*_commands.h).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/cli/catalog_commands.h"
#include "client/cli/guide_options.h"
#include "client/cli/history_commands.h"
#include "client/cli/plan_commands.h"
#include "client/cli/session_commands.h"
#include "grpcpp/create_channel.h"

int main(int argc, char** argv) {
  namespace cli = yoga::client::cli;
  const absl::Time launched = absl::Now();
  const std::vector<std::string> args = cli::ParseGuideCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", cli::kGuideUsage);
    return 2;
  }
  const std::string& command = args[1];
  const auto operands = absl::MakeConstSpan(args).subspan(2);
  const cli::GuideOptions options = cli::GuideOptionsFromFlags();
  if (command == "devices") return cli::Devices(options);
  auto channel =
      grpc::CreateChannel(options.server, grpc::InsecureChannelCredentials());
  auto catalog = yoga::catalog::v1::CatalogService::NewStub(channel);
  if (command == "poses") return cli::Poses(options, *catalog, operands);
  auto planner = yoga::planner::v1::PlannerService::NewStub(channel);
  if (command == "presets") return cli::Presets(options, *planner);
  if (command == "plan") return cli::Plan(options, *planner, *catalog);
  auto sessions = yoga::session::v1::SessionService::NewStub(channel);
  if (command == "play")
    return cli::Play(options, *sessions, *catalog, launched);
  if (command == "class")
    return cli::Class(options, *sessions, *catalog, launched);
  if (command == "join")
    return cli::Join(options, *sessions, *catalog, operands, launched);
  if (command == "render") return cli::Render(options, *sessions);
  if (command == "history") return cli::History(options, *sessions);
  std::fprintf(stderr, "yoga-guide: unknown command \"%s\"\n%s\n",
               command.c_str(), cli::kGuideUsage);
  return 2;
}
