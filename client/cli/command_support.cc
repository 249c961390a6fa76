#include "client/cli/command_support.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/audio/audio_output.h"
#include "client/audio/pipe_output.h"
#include "services/shared/catalog_client.h"

namespace yoga::client::cli {

int Fail(const GuideOptions& options, const absl::Status& status) {
  std::string hint;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    hint = absl::StrCat(" (is yoga-studio running at ", options.server,
                        "? ./dev run starts it)");
  }
  std::fprintf(stderr, "yoga-guide: %s: %s%s\n",
               absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str(), hint.c_str());
  return 1;
}

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "yoga-guide: %s\n",
               std::string(status.message()).c_str());
  return 2;
}

SessionCallOptions CallOptions(const GuideOptions& options) {
  SessionCallOptions call;
  call.retry.give_up_after = options.retry_for;
  call.timeout = options.timeout;
  call.on_retry = [server = options.server](const absl::Status& why,
                                            absl::Duration wait) {
    std::fprintf(stderr, "yoga-guide: cannot reach %s (%s); retrying in %s\n",
                 server.c_str(), std::string(why.message()).c_str(),
                 absl::FormatDuration(wait).c_str());
  };
  return call;
}

std::map<std::string, std::string> PoseNames(
    const GuideOptions& options,
    yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  std::map<std::string, std::string> names;
  auto listing = yoga::FetchAllPoses(catalog, options.timeout);
  if (!listing.ok()) return names;
  for (const auto& pose : listing->poses) {
    names[pose.id()] = pose.name();
    for (const auto& variation : pose.variations())
      names[variation.id()] = variation.name();
  }
  return names;
}

absl::StatusOr<audio::Playback> OpenPlayback(const OutputChoice& output,
                                             bool for_class) {
  auto playback =
      output.pipe_path.empty()
          ? audio::OpenPlayback(output.device, kVoiceRate, for_class)
          : audio::OpenPipePlayback(output.pipe_path);
  if (!playback.ok()) return playback.status();
  const absl::Time start = absl::Now();
  if (playback->output->WaitUntilFlowing(absl::Seconds(5))) {
    std::printf(
        "audio output started in %lld ms\n",
        static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - start)));
  } else {
    std::fprintf(stderr,
                 "yoga-guide: warning: \"%s\" has not started playing after "
                 "5 s; going on\n",
                 playback->output->device_name().c_str());
  }
  return playback;
}

}  // namespace yoga::client::cli
