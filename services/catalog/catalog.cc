#include "services/catalog/catalog.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"
#include "services/common/content_hash.h"

namespace yoga::catalog {

using yoga::catalog::v1::Pose;

Catalog::Catalog(std::vector<Pose> poses, std::string etag)
    : poses_(std::move(poses)), etag_(std::move(etag)) {
  std::sort(poses_.begin(), poses_.end(),
            [](const Pose& a, const Pose& b) { return a.id() < b.id(); });
  std::string content;
  for (size_t i = 0; i < poses_.size(); ++i) {
    index_by_id_.emplace(poses_[i].id(), i);
    for (const auto& variation : poses_[i].variations()) {
      index_by_variation_id_.emplace(variation.id(), i);
    }
    // Fixed-width hashes of each pose, so pose boundaries are part of the
    // content.
    content += ContentHashOf(poses_[i]);
  }
  if (etag_.empty()) etag_ = ContentHash(content);
}

const Pose* Catalog::FindPose(absl::string_view id) const {
  auto it = index_by_id_.find(id);
  return it == index_by_id_.end() ? nullptr : &poses_[it->second];
}

const Pose* Catalog::FindPoseOfVariation(absl::string_view variation_id) const {
  auto it = index_by_variation_id_.find(variation_id);
  return it == index_by_variation_id_.end() ? nullptr : &poses_[it->second];
}

}  // namespace yoga::catalog
