// The loaded pose catalog: immutable, sorted by id, with an etag that changes
// whenever the content does. Safe to share between threads.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_H_
#define YOGA_SERVICES_CATALOG_CATALOG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "yoga/catalog/v1/pose.pb.h"

namespace yoga::catalog {

class Catalog {
 public:
  // Takes poses that passed validation (see catalog_loader.h). `etag` is the
  // content version when it is known already (a copy of a catalog service's
  // content keeps the service's etag); empty means: hash the poses.
  explicit Catalog(std::vector<yoga::catalog::v1::Pose> poses,
                   std::string etag = "");

  // All poses, ordered by id.
  const std::vector<yoga::catalog::v1::Pose>& poses() const { return poses_; }

  // Content version: a hash of every pose.
  const std::string& etag() const { return etag_; }

  // The pose with this id, or nullptr.
  const yoga::catalog::v1::Pose* FindPose(absl::string_view id) const;

  // The pose a variation belongs to, or nullptr if no variation has this id.
  const yoga::catalog::v1::Pose* FindPoseOfVariation(
      absl::string_view variation_id) const;

 private:
  std::vector<yoga::catalog::v1::Pose> poses_;
  std::map<std::string, size_t, std::less<>> index_by_id_;
  std::map<std::string, size_t, std::less<>> index_by_variation_id_;
  std::string etag_;
};

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_H_
