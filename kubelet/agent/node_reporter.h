// Keeps the agent's Node in the apiserver: registers it, renews its Lease in kube-node-lease
// every quarter of the lease duration (10 s by default), and reports its status when it
// changes, or every 5 minutes when nothing does, as the upstream kubelet does.
#pragma once

#include "kubelet/agent/node_status.h"
#include "kubelet/apiclient/api_client.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hostlet::agent {

struct NodeReporterOptions {
  std::chrono::seconds status_check_period{10};
  std::chrono::seconds status_report_period{300};
  int lease_duration_seconds = 40;
};

class NodeReporter {
 public:
  // `facts` is asked each period (it reads the runtime's readiness).
  NodeReporter(apiclient::ApiClient& api, std::function<NodeFacts()> facts,
               NodeReporterOptions options);
  ~NodeReporter();
  NodeReporter(const NodeReporter&) = delete;
  NodeReporter& operator=(const NodeReporter&) = delete;

  // Reports the status at once (say, when the runtime's readiness changed).
  void Poke();

 private:
  void Run();
  bool Register(const NodeFacts& facts);
  void ReportStatus(const NodeFacts& facts, bool force);
  void RenewLease(const NodeFacts& facts);

  apiclient::ApiClient& api_;
  std::function<NodeFacts()> facts_;
  NodeReporterOptions options_;
  std::string node_uid_;
  nlohmann::json last_status_;
  std::chrono::steady_clock::time_point last_report_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false, poked_ = false;
  std::thread thread_;
};

}  // namespace hostlet::agent
