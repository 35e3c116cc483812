// Workload controllers: deployments and the replica sets they roll out.
#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// spec.replicas as defaulted: one when the client left it out.
std::int64_t DesiredReplicas(const json& object) { return IntAt(object, {"spec", "replicas"}, 1); }

PrintedRow PrintDeployment(const json& deployment, Clock::time_point now) {
  std::string names, images;
  LayoutContainers(At(deployment, {"spec", "template", "spec", "containers"}), names, images);
  auto selector = FormatLabelSelector(At(deployment, {"spec", "selector"}));
  PrintedRow row;
  row.cells = json::array({StringAt(deployment, {"metadata", "name"}),
                           std::to_string(IntAt(deployment, {"status", "readyReplicas"})) + "/" +
                               std::to_string(DesiredReplicas(deployment)),
                           IntAt(deployment, {"status", "updatedReplicas"}),
                           IntAt(deployment, {"status", "availableReplicas"}),
                           Since(At(deployment, {"metadata", "creationTimestamp"}), now), names,
                           images, selector ? *selector : "<invalid>"});
  return row;
}

PrintedRow PrintReplicaSet(const json& replica_set, Clock::time_point now) {
  std::string names, images;
  LayoutContainers(At(replica_set, {"spec", "template", "spec", "containers"}), names, images);
  auto selector = FormatLabelSelector(At(replica_set, {"spec", "selector"}));
  std::string selector_text = !selector ? "<error>" : selector->empty() ? "<none>" : *selector;
  PrintedRow row;
  row.cells = json::array({StringAt(replica_set, {"metadata", "name"}),
                           DesiredReplicas(replica_set), IntAt(replica_set, {"status", "replicas"}),
                           IntAt(replica_set, {"status", "readyReplicas"}),
                           Since(At(replica_set, {"metadata", "creationTimestamp"}), now), names,
                           images, selector_text});
  return row;
}

}  // namespace

Printer DeploymentPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Ready", "Number of the pod with ready state"),
          StringColumn("Up-to-date",
                       "Total number of non-terminated pods targeted by this deployment that have "
                       "the desired template spec."),
          StringColumn("Available",
                       "Total number of available pods (ready for at least minReadySeconds) "
                       "targeted by this deployment."),
          AgeColumn(),
          StringColumn("Containers", kContainersDescription, 1),
          StringColumn("Images", kImagesDescription, 1),
          StringColumn("Selector",
                       "Label selector for pods. Existing ReplicaSets whose pods are selected by "
                       "this will be the ones affected by this deployment.",
                       1),
      },
      PrintDeployment,
  };
}

Printer ReplicaSetPrinter() {
  return {
      {
          NameColumn(),
          IntegerColumn("Desired",
                        "Replicas is the number of desired replicas. This is a pointer to "
                        "distinguish between explicit zero and unspecified. Defaults to 1. More "
                        "info: https://kubernetes.io/docs/concepts/workloads/controllers/"
                        "replicationcontroller/#what-is-a-replicationcontroller"),
          IntegerColumn("Current",
                        "Replicas is the most recently observed number of replicas. More info: "
                        "https://kubernetes.io/docs/concepts/workloads/controllers/"
                        "replicationcontroller/#what-is-a-replicationcontroller"),
          IntegerColumn("Ready",
                        "readyReplicas is the number of pods targeted by this ReplicaSet with a "
                        "Ready Condition."),
          AgeColumn(),
          StringColumn("Containers", kContainersDescription, 1),
          StringColumn("Images", kImagesDescription, 1),
          StringColumn("Selector",
                       "Selector is a label query over pods that should match the replica count. "
                       "If the selector is empty, it is defaulted to the labels present on the "
                       "pod template. Label keys and values that must match in order to be "
                       "controlled by this replica set. More info: "
                       "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
                       "labels/#label-selectors",
                       1),
      },
      PrintReplicaSet,
  };
}

}  // namespace hostlet::apiserver
