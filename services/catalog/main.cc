// yoga-catalog: the catalog service alone.
#include "services/catalog/catalog_flags.h"
#include "services/catalog/catalog_service.h"
#include "services/runtime/server_main.h"

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50052",
      "yoga-catalog [--listen=HOST:PORT] [--catalog_dir=DIR]: serves the pose "
      "catalog (yoga.catalog.v1.CatalogService)");
  auto catalog = yoga::catalog::LoadCatalogFromFlags();
  if (!catalog.ok())
    return yoga::ExitOnStartupError("yoga-catalog", catalog.status());
  yoga::catalog::CatalogServiceImpl service(*catalog);
  return yoga::ServeUntilSignalled(
      "yoga-catalog", {{yoga::catalog::kCatalogServiceName, &service}});
}
