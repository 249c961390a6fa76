// Catalog timings, each next to a baseline measured in the same run:
//   - loading and validating assets/catalog, against parsing the same files
//   only;
//   - GetPose and a full ListPoses over loopback gRPC, against a health Check
//   on
//     the same server (the cheapest call the runtime serves).
// Run with ./dev bench; the numbers are reported, never asserted.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "services/catalog/catalog_loader.h"
#include "services/catalog/catalog_service.h"
#include "services/catalog/pose_file.h"
#include "services/runtime/service_host.h"
#include "services/shared/catalog_client.h"

namespace yoga {
namespace {

constexpr char kCatalogDir[] = YOGA_SOURCE_DIR "/assets/catalog";

void BM_ParseCatalogFiles(benchmark::State& state) {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(kCatalogDir)) {
    if (entry.path().extension() == ".textproto") paths.push_back(entry.path());
  }
  for (auto _ : state) {
    for (const std::string& path : paths) {
      benchmark::DoNotOptimize(catalog::ParsePoseFile(path));
    }
  }
}
BENCHMARK(BM_ParseCatalogFiles)->Unit(benchmark::kMillisecond);

void BM_LoadCatalog(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(catalog::LoadCatalog(kCatalogDir));
}
BENCHMARK(BM_LoadCatalog)->Unit(benchmark::kMillisecond);

// One server for the RPC benchmarks, started on first use.
struct LoopbackServer {
  LoopbackServer() {
    catalog = std::make_shared<const catalog::Catalog>(
        *catalog::LoadCatalog(kCatalogDir));
    service = std::make_unique<catalog::CatalogServiceImpl>(catalog);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    host = *ServiceHost::Start(options,
                               {{catalog::kCatalogServiceName, service.get()}});
    channel = grpc::CreateChannel(host->address(),
                                  grpc::InsecureChannelCredentials());
  }
  std::shared_ptr<const catalog::Catalog> catalog;
  std::unique_ptr<catalog::CatalogServiceImpl> service;
  std::unique_ptr<ServiceHost> host;
  std::shared_ptr<grpc::Channel> channel;
};

LoopbackServer& Server() {
  static LoopbackServer* server = new LoopbackServer();
  return *server;
}

void BM_HealthCheckRpc(benchmark::State& state) {
  auto stub = grpc::health::v1::Health::NewStub(Server().channel);
  for (auto _ : state) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    benchmark::DoNotOptimize(stub->Check(&context, {}, &response));
  }
}
BENCHMARK(BM_HealthCheckRpc)->Unit(benchmark::kMicrosecond);

void BM_GetPoseRpc(benchmark::State& state) {
  auto stub = yoga::catalog::v1::CatalogService::NewStub(Server().channel);
  for (auto _ : state) {
    benchmark::DoNotOptimize(FetchPose(*stub, "locust", absl::Seconds(10)));
  }
}
BENCHMARK(BM_GetPoseRpc)->Unit(benchmark::kMicrosecond);

void BM_ListAllPosesRpc(benchmark::State& state) {
  auto stub = yoga::catalog::v1::CatalogService::NewStub(Server().channel);
  for (auto _ : state) {
    benchmark::DoNotOptimize(FetchAllPoses(*stub, absl::Seconds(10)));
  }
}
BENCHMARK(BM_ListAllPosesRpc)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace yoga

BENCHMARK_MAIN();
