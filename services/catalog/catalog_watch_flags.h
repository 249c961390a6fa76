// --catalog and --catalog_refresh, for the programs that read the catalog
// from a catalog service over the network (yoga-planner, yoga-session).
#ifndef YOGA_SERVICES_CATALOG_CATALOG_WATCH_FLAGS_H_
#define YOGA_SERVICES_CATALOG_CATALOG_WATCH_FLAGS_H_

#include "absl/status/statusor.h"
#include "services/catalog/catalog_watcher.h"
#include "services/runtime/peer_channel.h"

namespace yoga::catalog {

// A watch of the catalog service at --catalog, through a peer channel,
// refreshed every --catalog_refresh (INVALID_ARGUMENT naming the flag unless
// it is more than 0); `use` and `serving` are the caller's. MakePeerChannel's
// refusal of a plaintext key comes back naming --catalog.
absl::StatusOr<CatalogWatch> CatalogWatchFromFlags(const PeerOptions& peers);

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_WATCH_FLAGS_H_
