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
          StringColumn("Ready", "Ready pods against wanted replicas"),
          StringColumn("Up-to-date", "Pods already running the current template"),
          StringColumn("Available", "Pods ready for at least minReadySeconds"),
          AgeColumn(),
          StringColumn("Containers", kContainersDescription, 1),
          StringColumn("Images", kImagesDescription, 1),
          StringColumn("Selector", "The label selector that picks this deployment's pods", 1),
      },
      PrintDeployment,
  };
}

Printer ReplicaSetPrinter() {
  return {
      {
          NameColumn(),
          IntegerColumn("Desired", "Replicas asked for"),
          IntegerColumn("Current", "Replicas last seen"),
          IntegerColumn("Ready", "Replicas whose pods are Ready"),
          AgeColumn(),
          StringColumn("Containers", kContainersDescription, 1),
          StringColumn("Images", kImagesDescription, 1),
          StringColumn("Selector", "The label selector that picks this replica set's pods", 1),
      },
      PrintReplicaSet,
  };
}

}  // namespace hostlet::apiserver
