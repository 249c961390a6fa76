#include "client/cli/catalog_commands.h"

#include <cstdio>

#include "client/cli/command_support.h"
#include "client/text/pose_text.h"
#include "services/shared/catalog_client.h"

namespace yoga::client::cli {

int Poses(const GuideOptions& options,
          yoga::catalog::v1::CatalogService::StubInterface& catalog,
          absl::Span<const std::string> operands) {
  if (operands.size() > 1) {
    return UsageError(
        absl::InvalidArgumentError("poses takes at most one pose id"));
  }
  if (operands.size() == 1) {
    auto pose = yoga::FetchPose(catalog, operands[0], options.timeout);
    if (!pose.ok()) return Fail(options, pose.status());
    std::fputs(FormatPoseSheet(*pose).c_str(), stdout);
    return 0;
  }
  auto listing = yoga::FetchAllPoses(catalog, options.timeout);
  if (!listing.ok()) return Fail(options, listing.status());
  std::fputs(FormatPoseTable(listing->poses).c_str(), stdout);
  std::printf("%zu poses, catalog version %s\n", listing->poses.size(),
              listing->etag.c_str());
  return 0;
}

}  // namespace yoga::client::cli
