// The agent's metrics registry renders the Prometheus text format 0.0.4 that scrapers and
// promtool read: escaping, label order, histogram series; and the CRI decorator counts calls.
#include "kubelet/cri/runtime_client.h"
#include "kubelet/metrics/kubelet_metrics.h"
#include "kubelet/metrics/registry.h"
#include "kubelet/metrics/text_format.h"
#include "kubelet/metrics/timed_channel.h"
#include "kubelet/plugins/loader.h"
#include "tests/support/fixtures.h"
#include "tests/support/run_command.h"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <thread>

namespace hostlet::metrics {
namespace {

using testing::RunCommand;

TEST(MetricsText, EscapesLabelValuesAndHelp) {
  Registry registry;
  registry.AddCounter("escaped_total", "Help with \\ backslash,\nnewline and \"quotes\".", {"path"})
      .With({"C:\\dir \"x\"\nnext"})
      .Increment();
  EXPECT_EQ(registry.Render(),
            "# HELP escaped_total Help with \\\\ backslash,\\nnewline and \"quotes\".\n"
            "# TYPE escaped_total counter\n"
            "escaped_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(MetricsText, LabelsFollowTheDeclaredOrderAndSeriesAreSorted) {
  Registry registry;
  auto& requests = registry.AddCounter("requests_total", "Requests.", {"zone", "app"});
  requests.With({"b", "web"}).Increment(2);
  requests.With({"a", "web"}).Increment(0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{zone=\"a\",app=\"web\"} 0.5\n"
            "requests_total{zone=\"b\",app=\"web\"} 2\n");
}

TEST(MetricsText, AStampedSampleCarriesTheTimeItsValueWasRead) {
  Registry registry;
  auto& cpu = registry.AddCounter("cpu_seconds_total", "CPU.", {"pod"});
  cpu.With({"a"}).Increment(1.5);
  cpu.With({"a"}).Stamp(1700000000123);
  cpu.With({"b"}).Increment(2);  // never stamped: no timestamp
  registry.AddGauge("memory_bytes", "Memory.").With().Stamp(1700000000456);
  EXPECT_EQ(registry.Render(),
            "# HELP cpu_seconds_total CPU.\n"
            "# TYPE cpu_seconds_total counter\n"
            "cpu_seconds_total{pod=\"a\"} 1.5 1700000000123\n"
            "cpu_seconds_total{pod=\"b\"} 2\n"
            "# HELP memory_bytes Memory.\n"
            "# TYPE memory_bytes gauge\n"
            "memory_bytes 0 1700000000456\n");
}

TEST(MetricsText, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry registry;
  auto& latency = registry.AddHistogram("latency_seconds", "Latency.", {"op"}, {0.1, 1, 2.5});
  for (double value : {0.05, 0.1, 0.7, 3.0}) latency.With({"get"}).Observe(value);
  EXPECT_EQ(registry.Render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{op=\"get\",le=\"2.5\"} 3\n"
            "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{op=\"get\"} 3.85\n"
            "latency_seconds_count{op=\"get\"} 4\n");
}

TEST(MetricsText, GaugesAndCollectorsReflectTheMomentOfTheScrape) {
  Registry registry;
  auto& pods = registry.AddGauge("pods", "Pods.");
  int scrapes = 0;
  registry.AddCollector([&] { pods.With().Set(++scrapes * 10); });
  EXPECT_NE(registry.Render().find("\npods 10\n"), std::string::npos);
  EXPECT_NE(registry.Render().find("\npods 20\n"), std::string::npos);
  pods.Clear();
  registry.AddCollector([] {});
  EXPECT_NE(registry.Render().find("\npods 30\n"), std::string::npos);
}

TEST(MetricsText, NumbersAreSpelledAsPrometheusReadsThem) {
  EXPECT_EQ(FormatNumber(1), "1");
  EXPECT_EQ(FormatNumber(0.005), "0.005");
  EXPECT_EQ(FormatNumber(1e21), "1e+21");
  EXPECT_EQ(FormatNumber(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatNumber(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
}

TEST(MetricsText, RefusesMisuseWithClearErrors) {
  Registry registry;
  auto& family = registry.AddCounter("ops_total", "Ops.", {"op"});
  EXPECT_THROW(family.With({}), std::invalid_argument);
  EXPECT_THROW(family.With({"a", "b"}), std::invalid_argument);
  EXPECT_THROW(family.With({"a"}).Increment(-1), std::invalid_argument);
  EXPECT_THROW(registry.AddCounter("ops_total", "Again."), std::invalid_argument);
  EXPECT_THROW(registry.AddGauge("1bad", "Bad."), std::invalid_argument);
  EXPECT_THROW(registry.AddGauge("good", "Bad label.", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("h", "le is the bucket's.", {"le"}, {1}),
               std::invalid_argument);
  EXPECT_THROW(registry.AddHistogram("h2", "Unsorted.", {}, {2, 1}), std::invalid_argument);
  try {
    family.With({"a", "b"});
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "ops_total takes 1 label values, got 2");
  }
}

TEST(MetricsText, CountsFromManyThreadsAddUp) {
  Registry registry;
  auto& hits = registry.AddCounter("hits_total", "Hits.", {"t"});
  auto& sizes = registry.AddHistogram("sizes", "Sizes.", {}, {10});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        hits.With({"x"}).Increment();
        sizes.With().Observe(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::string text = registry.Render();
  EXPECT_NE(text.find("hits_total{t=\"x\"} 40000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sizes_count 40000\n"), std::string::npos) << text;
}

TEST(MetricsText, OperationTypesAreTheUpstreamKubeletsNames) {
  EXPECT_EQ(OperationType("/runtime.v1.RuntimeService/ListPodSandbox"), "list_podsandbox");
  EXPECT_EQ(OperationType("/runtime.v1.RuntimeService/PodSandboxStatus"), "podsandbox_status");
  EXPECT_EQ(OperationType("/runtime.v1.RuntimeService/ContainerStatus"), "container_status");
  EXPECT_EQ(OperationType("/runtime.v1.ImageService/ImageFsInfo"), "image_fs_info");
  EXPECT_EQ(OperationType("/runtime.v1.RuntimeService/Version"), "version");
  EXPECT_EQ(MethodName("/runtime.v1.RuntimeService/Version"), "Version");
}

// A real runtime module behind the decorator: every call is counted by its operation, and a
// call the runtime refuses counts as an error.
TEST(MetricsText, TimedRuntimeChannelCountsOperationsAndErrors) {
  auto module = plugins::Load(HOSTLET_MEMORY_RUNTIME);
  Registry registry;
  KubeletMetrics metrics(registry, "node-a");
  cri::RuntimeClient runtime(TimedChannel(module->Create("{}"), metrics.RuntimeObserver()));
  runtime::v1::VersionResponse version;
  ASSERT_TRUE(runtime.runtime.Version({}, &version).ok());
  ASSERT_TRUE(runtime.runtime.Version({}, &version).ok());
  runtime::v1::ContainerStatusRequest request;
  request.set_container_id("no-such-container");
  runtime::v1::ContainerStatusResponse status;
  EXPECT_FALSE(runtime.runtime.ContainerStatus(request, &status).ok());
  std::string text = registry.Render();
  EXPECT_NE(text.find("kubelet_runtime_operations_total{operation_type=\"version\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kubelet_runtime_operations_errors_total{operation_type=\"container_"
                      "status\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("kubelet_runtime_operations_errors_total{operation_type=\"version\"}"),
            std::string::npos);
  EXPECT_NE(text.find("kubelet_runtime_operations_duration_seconds_count{operation_type="
                      "\"version\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("kubelet_node_name{node=\"node-a\"} 1\n"), std::string::npos);
}

// What the agent exposes passes Prometheus' own checker, lint included.
TEST(MetricsText, PromtoolAcceptsTheAgentsMetrics) {
  if (RunCommand("command -v promtool").exit_code != 0) {
    FAIL() << "promtool is not installed (scripts/deps.sh installs it)";
  }
  Registry registry;
  KubeletMetrics kubelet(registry, "node \"a\"");
  PluginMetrics plugins(registry);
  kubelet.running_pods.With().Set(3);
  kubelet.running_containers.With({"running"}).Set(2);
  kubelet.ObservePodStart(1.5);
  kubelet.ObservePlegRelist(0.01);
  kubelet.RuntimeObserver()("/runtime.v1.RuntimeService/Version", 0.001, false);
  plugins.ObserveLoad("oci", true, 0.02);
  plugins.ObserveLoad("broken", false, 0);
  plugins.CallObserverFor("oci")("/runtime.v1.RuntimeService/Version", 0.001, true);
  testing::TempDir dir;
  std::ofstream(dir / "metrics.txt") << registry.Render();
  auto check = RunCommand("promtool check metrics < " + dir / "metrics.txt" + " 2>&1");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << check.output;
}

}  // namespace
}  // namespace hostlet::metrics
