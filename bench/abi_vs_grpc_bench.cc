// Unary call latency of a device plugin's Allocate: the module in process through the C ABI,
// against the same module served over gRPC on a unix socket (what the upstream kubelet does
// with every device plugin). Google Benchmark gives the mean per call; the scenario at the end
// prints p50/p99 of individually timed calls and the ratio between the two paths.
#include "kubelet/plugins/loader.h"

#include <hostlet/sdk/grpc_bridge.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "k8s/deviceplugin/v1beta1/api.hostlet.h"

namespace {

struct Setup {
  Setup() {
    module = hostlet::plugins::Load(HOSTLET_SAMPLE_DEVICE);
    abi = module->Create(R"({"count": 8})");
    socket = (std::filesystem::temp_directory_path() /
              ("hostlet-bench-" + std::to_string(getpid()) + ".sock")).string();
    server = std::make_unique<hostlet::GrpcBridgeServer>(module->Create(R"({"count": 8})"), socket);
    grpc = hostlet::GrpcChannel::Connect(socket);
    auto* container = request.add_container_requests();
    container->add_devices_ids("widget-1");
    container->add_devices_ids("widget-5");
  }
  std::shared_ptr<hostlet::plugins::Module> module;
  std::shared_ptr<hostlet::Channel> abi;
  std::string socket;
  std::unique_ptr<hostlet::GrpcBridgeServer> server;
  std::shared_ptr<hostlet::Channel> grpc;
  v1beta1::AllocateRequest request;
};

Setup& Shared() {
  static Setup* setup = new Setup();
  return *setup;
}

void Allocate(benchmark::State& state, const std::shared_ptr<hostlet::Channel>& channel) {
  v1beta1::DevicePluginProxy plugin(channel);
  for (auto _ : state) {
    v1beta1::AllocateResponse response;
    if (!plugin.Allocate(Shared().request, &response).ok()) state.SkipWithError("Allocate failed");
    benchmark::DoNotOptimize(response);
  }
}

void BM_AllocateThroughAbi(benchmark::State& state) { Allocate(state, Shared().abi); }
void BM_AllocateThroughGrpcUnixSocket(benchmark::State& state) { Allocate(state, Shared().grpc); }
BENCHMARK(BM_AllocateThroughAbi);
BENCHMARK(BM_AllocateThroughGrpcUnixSocket);

struct Percentiles {
  double p50_us;
  double p99_us;
};

Percentiles Measure(const std::shared_ptr<hostlet::Channel>& channel, int calls) {
  v1beta1::DevicePluginProxy plugin(channel);
  std::vector<double> micros;
  micros.reserve(calls);
  for (int i = 0; i < calls + calls / 10; ++i) {  // the first tenth warms up
    v1beta1::AllocateResponse response;
    auto start = std::chrono::steady_clock::now();
    bool ok = plugin.Allocate(Shared().request, &response).ok();
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (!ok) std::abort();
    if (i >= calls / 10) micros.push_back(std::chrono::duration<double, std::micro>(elapsed).count());
  }
  std::sort(micros.begin(), micros.end());
  return {micros[micros.size() / 2], micros[micros.size() * 99 / 100]};
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  constexpr int kCalls = 20000;
  Percentiles abi = Measure(Shared().abi, kCalls);
  Percentiles grpc = Measure(Shared().grpc, kCalls);
  std::printf("\nAllocate latency over %d calls each\n", kCalls);
  std::printf("%-28s %10s %10s\n", "path", "p50 (us)", "p99 (us)");
  std::printf("%-28s %10.2f %10.2f\n", "in-process C ABI", abi.p50_us, abi.p99_us);
  std::printf("%-28s %10.2f %10.2f\n", "gRPC over unix socket", grpc.p50_us, grpc.p99_us);
  std::printf("ratio gRPC/ABI: p50 %.1fx, p99 %.1fx\n", grpc.p50_us / abi.p50_us,
              grpc.p99_us / abi.p99_us);
  Shared().server.reset();
  benchmark::Shutdown();
  return 0;
}
