#include "kubelet/agent/node_reporter.h"

#include "kubelet/agent/pod_status.h"

#include <iostream>

namespace hostlet::agent {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

NodeReporter::NodeReporter(apiclient::ApiClient& api, std::function<NodeFacts()> facts,
                           NodeReporterOptions options)
    : api_(api), facts_(std::move(facts)), options_(options), thread_([this] { Run(); }) {}

NodeReporter::~NodeReporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void NodeReporter::Poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

bool NodeReporter::Register(const NodeFacts& facts) {
  json node = NodeObject(facts);
  node["status"] = NodeStatus(facts, json::object(), FormatTime(std::chrono::system_clock::now()));
  auto created = api_.Post("/api/v1/nodes", node);
  if (created.status == 409) {
    // Already registered (an agent restart): take the labels we own, keep everything else.
    auto patched = api_.Patch("/api/v1/nodes/" + facts.name,
                              {{"metadata", {{"labels", node["metadata"]["labels"]}}}});
    if (!patched.ok()) {
      std::cerr << "hostlet: updating node " << facts.name << ": " << patched.Message() << "\n";
      return false;
    }
    node_uid_ = patched.Json()["metadata"].value("uid", "");
    last_status_ = patched.Json().value("status", json::object());
    ReportStatus(facts, true);
    return true;
  }
  if (!created.ok()) {
    std::cerr << "hostlet: registering node " << facts.name << ": " << created.Message() << "\n";
    return false;
  }
  node_uid_ = created.Json()["metadata"].value("uid", "");
  // Status is a subresource: what the create carried may have been dropped.
  ReportStatus(facts, true);
  std::cerr << "hostlet: registered node " << facts.name << "\n";
  return true;
}

void NodeReporter::ReportStatus(const NodeFacts& facts, bool force) {
  json status = NodeStatus(facts, last_status_, FormatTime(std::chrono::system_clock::now()));
  bool changed = WithoutTimes(status) != WithoutTimes(last_status_);
  if (!force && !changed && Clock::now() - last_report_ < options_.status_report_period) return;
  auto patched = api_.Patch("/api/v1/nodes/" + facts.name + "/status", {{"status", status}});
  if (!patched.ok()) {
    std::cerr << "hostlet: reporting node status: " << patched.Message() << "\n";
    if (patched.status == 404) node_uid_.clear();  // deleted: register again
    return;
  }
  last_status_ = status;
  last_report_ = Clock::now();
}

void NodeReporter::RenewLease(const NodeFacts& facts) {
  // MicroTime: RFC 3339 with microseconds.
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::string renew = FormatTime(now);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(micros));
  renew.replace(renew.size() - 1, 1, fraction);
  const std::string path =
      "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + facts.name;
  json spec = {{"holderIdentity", facts.name},
               {"leaseDurationSeconds", options_.lease_duration_seconds},
               {"renewTime", renew}};
  auto patched = api_.Patch(path, {{"spec", spec}});
  if (patched.status == 404) {
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", facts.name}, {"namespace", "kube-node-lease"}}},
                  {"spec", spec}};
    if (!node_uid_.empty()) {
      lease["metadata"]["ownerReferences"] = json::array(
          {{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", facts.name}, {"uid", node_uid_}}});
    }
    patched = api_.Post("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease);
  }
  if (!patched.ok()) std::cerr << "hostlet: renewing lease: " << patched.Message() << "\n";
}

void NodeReporter::Run() {
  const auto lease_period = std::chrono::seconds(std::max(1, options_.lease_duration_seconds / 4));
  auto next_lease = Clock::now();
  auto next_status = Clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    bool poked = poked_;
    poked_ = false;
    lock.unlock();
    try {
      NodeFacts facts = facts_();
      if (node_uid_.empty()) {
        if (!Register(facts)) {
          lock.lock();
          wake_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_; });
          continue;
        }
        next_status = Clock::now() + options_.status_check_period;
      } else if (poked || Clock::now() >= next_status) {
        ReportStatus(facts, false);
        next_status = Clock::now() + options_.status_check_period;
      }
      if (Clock::now() >= next_lease) {
        RenewLease(facts);
        next_lease = Clock::now() + lease_period;
      }
    } catch (const std::exception& failure) {
      std::cerr << "hostlet: node status: " << failure.what() << "\n";
    }
    lock.lock();
    wake_.wait_until(lock, std::min(next_lease, next_status),
                     [this] { return stopping_ || poked_; });
  }
}

}  // namespace hostlet::agent
