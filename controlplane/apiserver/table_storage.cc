// Storage: persistent volumes and claims, storage classes, CSI drivers and CSI nodes.
#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <algorithm>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

// The annotation that named a volume's class before spec.storageClassName; it still wins.
constexpr const char* kBetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

std::string Name(const json& object) { return StringAt(object, {"metadata", "name"}); }

std::string Age(const json& object, Clock::time_point now) {
  return Since(At(object, {"metadata", "creationTimestamp"}), now);
}

bool Deleting(const json& object) {
  return !At(object, {"metadata", "deletionTimestamp"}).is_null();
}

// "RWO,ROX,RWX,RWOP" in that order whatever the order written, each once.
std::string AccessModes(const json& modes) {
  std::vector<std::string> written;
  for (const auto& mode : ArrayOf(modes)) {
    if (mode.is_string()) written.push_back(mode.get<std::string>());
  }
  auto has = [&](const char* mode) {
    return std::find(written.begin(), written.end(), mode) != written.end();
  };
  std::vector<std::string> shown;
  if (has("ReadWriteOnce")) shown.push_back("RWO");
  if (has("ReadOnlyMany")) shown.push_back("ROX");
  if (has("ReadWriteMany")) shown.push_back("RWX");
  if (has("ReadWriteOncePod")) shown.push_back("RWOP");
  return Join(shown, ",");
}

std::string StorageClassOf(const json& object) {
  const json& annotation = At(object, {"metadata", "annotations", kBetaStorageClassAnnotation});
  if (annotation.is_string()) return annotation.get<std::string>();
  return StringAt(object, {"spec", "storageClassName"});
}

// Optional string fields print "<unset>" when absent, to tell them from an empty value.
std::string OrUnset(const json& field) {
  return field.is_string() ? field.get<std::string>() : "<unset>";
}

PrintedRow PrintPersistentVolume(const json& volume, Clock::time_point now) {
  std::string claim;
  if (const json& ref = At(volume, {"spec", "claimRef"}); ref.is_object()) {
    claim = StringAt(ref, {"namespace"}) + "/" + StringAt(ref, {"name"});
  }
  std::string phase = Deleting(volume) ? "Terminating" : StringAt(volume, {"status", "phase"});
  PrintedRow row;
  row.cells = json::array({Name(volume), QuantityText(At(volume, {"spec", "capacity", "storage"})),
                           AccessModes(At(volume, {"spec", "accessModes"})),
                           StringAt(volume, {"spec", "persistentVolumeReclaimPolicy"}), phase,
                           claim, StorageClassOf(volume),
                           OrUnset(At(volume, {"spec", "volumeAttributesClassName"})),
                           StringAt(volume, {"status", "reason"}), Age(volume, now),
                           OrUnset(At(volume, {"spec", "volumeMode"}))});
  return row;
}

PrintedRow PrintPersistentVolumeClaim(const json& claim, Clock::time_point now) {
  std::string phase = Deleting(claim) ? "Terminating" : StringAt(claim, {"status", "phase"});
  std::string volume = StringAt(claim, {"spec", "volumeName"});
  // Capacity and access modes are the bound volume's, so unbound claims show neither.
  std::string capacity, access_modes;
  if (!volume.empty()) {
    capacity = QuantityText(At(claim, {"status", "capacity", "storage"}));
    access_modes = AccessModes(At(claim, {"status", "accessModes"}));
  }
  PrintedRow row;
  row.cells =
      json::array({Name(claim), phase, volume, capacity, access_modes, StorageClassOf(claim),
                   OrUnset(At(claim, {"spec", "volumeAttributesClassName"})), Age(claim, now),
                   OrUnset(At(claim, {"spec", "volumeMode"}))});
  return row;
}

bool IsDefaultClass(const json& storage_class) {
  for (const char* key : {"storageclass.kubernetes.io/is-default-class",
                          "storageclass.beta.kubernetes.io/is-default-class"}) {
    if (StringAt(storage_class, {"metadata", "annotations", key}) == "true") return true;
  }
  return false;
}

std::string OrDefault(const std::string& value, const char* fallback) {
  return value.empty() ? fallback : value;
}

PrintedRow PrintStorageClass(const json& storage_class, Clock::time_point now) {
  std::string name = Name(storage_class);
  if (IsDefaultClass(storage_class)) name += " (default)";
  PrintedRow row;
  row.cells =
      json::array({name, StringAt(storage_class, {"provisioner"}),
                   OrDefault(StringAt(storage_class, {"reclaimPolicy"}), "Delete"),
                   OrDefault(StringAt(storage_class, {"volumeBindingMode"}), "Immediate"),
                   BoolAt(storage_class, {"allowVolumeExpansion"}), Age(storage_class, now)});
  return row;
}

PrintedRow PrintCsiDriver(const json& driver, Clock::time_point now) {
  const json& spec = At(driver, {"spec"});
  std::string token_requests = "<unset>";
  if (const json& requests = At(spec, {"tokenRequests"}); requests.is_array()) {
    std::vector<std::string> audiences;
    for (const auto& request : requests) audiences.push_back(StringAt(request, {"audience"}));
    token_requests = Join(audiences, ",");
  }
  std::vector<std::string> modes;
  for (const auto& mode : ArrayOf(At(spec, {"volumeLifecycleModes"}))) {
    if (mode.is_string()) modes.push_back(mode.get<std::string>());
  }
  PrintedRow row;
  row.cells = json::array({Name(driver), BoolAt(spec, {"attachRequired"}, true),
                           BoolAt(spec, {"podInfoOnMount"}), BoolAt(spec, {"storageCapacity"}),
                           token_requests, BoolAt(spec, {"requiresRepublish"}),
                           modes.empty() ? "<none>" : Join(modes, ","), Age(driver, now)});
  return row;
}

PrintedRow PrintCsiNode(const json& node, Clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({Name(node), CountOf(At(node, {"spec", "drivers"})), Age(node, now)});
  return row;
}

}  // namespace

Printer PersistentVolumePrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Capacity",
                       "capacity is the description of the persistent volume's resources and "
                       "capacity. More info: "
                       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
          StringColumn("Access Modes",
                       "accessModes contains all ways the volume can be mounted. More info: "
                       "https://kubernetes.io/docs/concepts/storage/persistent-volumes"
                       "#access-modes"),
          StringColumn(
              "Reclaim Policy",
              "persistentVolumeReclaimPolicy defines what happens to a persistent volume when "
              "released from its claim. Valid options are Retain (default for manually created "
              "PersistentVolumes), Delete (default for dynamically provisioned "
              "PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the "
              "volume plugin underlying this PersistentVolume. More info: "
              "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
          StringColumn("Status",
                       "phase indicates if a volume is available, bound to a claim, or released "
                       "by a claim. More info: "
                       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
          StringColumn(
              "Claim",
              "claimRef is part of a bi-directional binding between PersistentVolume and "
              "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the "
              "authoritative bind between PV and PVC. More info: "
              "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
          StringColumn("StorageClass", "StorageClass of the pv"),
          StringColumn("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
          StringColumn("Reason",
                       "reason is a brief CamelCase string that describes any failure and is "
                       "meant for machine parsing and tidy display in the CLI."),
          AgeColumn(),
          StringColumn("VolumeMode",
                       "volumeMode defines if a volume is intended to be used with a formatted "
                       "filesystem or to remain in raw block state. Value of Filesystem is "
                       "implied when not included in spec.",
                       1),
      },
      PrintPersistentVolume,
  };
}

Printer PersistentVolumeClaimPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Status", "phase represents the current phase of PersistentVolumeClaim."),
          StringColumn("Volume",
                       "volumeName is the binding reference to the PersistentVolume backing this "
                       "claim."),
          StringColumn("Capacity",
                       "capacity represents the actual resources of the underlying volume."),
          StringColumn("Access Modes",
                       "accessModes contains the actual access modes the volume backing the PVC "
                       "has. More info: "
                       "https://kubernetes.io/docs/concepts/storage/persistent-volumes"
                       "#access-modes-1"),
          StringColumn("StorageClass", "StorageClass of the pvc"),
          StringColumn("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
          AgeColumn(),
          StringColumn("VolumeMode",
                       "volumeMode defines what type of volume is required by the claim. Value of "
                       "Filesystem is implied when not included in claim spec.",
                       1),
      },
      PrintPersistentVolumeClaim,
  };
}

Printer StorageClassPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Provisioner", "provisioner indicates the type of the provisioner."),
          StringColumn("ReclaimPolicy",
                       "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                       "PersistentVolumes of this storage class. Defaults to Delete."),
          StringColumn("VolumeBindingMode",
                       "volumeBindingMode indicates how PersistentVolumeClaims should be "
                       "provisioned and bound.  When unset, VolumeBindingImmediate is used. This "
                       "field is only honored by servers that enable the VolumeScheduling "
                       "feature."),
          StringColumn("AllowVolumeExpansion",
                       "allowVolumeExpansion shows whether the storage class allow volume "
                       "expand."),
          AgeColumn(),
      },
      PrintStorageClass,
  };
}

Printer CsiDriverPrinter() {
  return {
      {
          NameColumn(),
          BooleanColumn(
              "AttachRequired",
              "attachRequired indicates this CSI volume driver requires an attach operation "
              "(because it implements the CSI ControllerPublishVolume() method), and that the "
              "Kubernetes attach detach controller should call the attach volume interface which "
              "checks the volumeattachment status and waits until the volume is attached before "
              "proceeding to mounting. The CSI external-attacher coordinates with CSI volume "
              "driver and updates the volumeattachment status when the attach operation is "
              "complete. If the CSIDriverRegistry feature gate is enabled and the value is "
              "specified to false, the attach operation will be skipped. Otherwise the attach "
              "operation will be called.\n\nThis field is immutable."),
          BooleanColumn(
              "PodInfoOnMount",
              "podInfoOnMount indicates this CSI volume driver requires additional pod "
              "information (like podName, podUID, etc.) during mount operations, if set to true. "
              "If set to false, pod information will not be passed on mount. Default is "
              "false.\n\nThe CSI driver specifies podInfoOnMount as part of driver deployment. If "
              "true, Kubelet will pass pod information as VolumeContext in the CSI "
              "NodePublishVolume() calls. The CSI driver is responsible for parsing and "
              "validating the information passed in as VolumeContext.\n\nThe following "
              "VolumeContext will be passed if podInfoOnMount is set to true. This list might "
              "grow, but the prefix will be used. \"csi.storage.k8s.io/pod.name\": pod.Name "
              "\"csi.storage.k8s.io/pod.namespace\": pod.Namespace "
              "\"csi.storage.k8s.io/pod.uid\": string(pod.UID) "
              "\"csi.storage.k8s.io/ephemeral\": \"true\" if the volume is an ephemeral inline "
              "volume\n                                defined by a CSIVolumeSource, otherwise "
              "\"false\"\n\n\"csi.storage.k8s.io/ephemeral\" is a new feature in Kubernetes 1.16. "
              "It is only required for drivers which support both the \"Persistent\" and "
              "\"Ephemeral\" VolumeLifecycleMode. Other drivers can leave pod info disabled "
              "and/or ignore this field. As Kubernetes 1.15 doesn't support this field, drivers "
              "can only support one mode when deployed on such a cluster and the deployment "
              "determines which mode that is, for example via a command line parameter of the "
              "driver.\n\nThis field was immutable in Kubernetes < 1.29 and now is mutable."),
          BooleanColumn(
              "StorageCapacity",
              "storageCapacity indicates that the CSI volume driver wants pod scheduling to "
              "consider the storage capacity that the driver deployment will report by creating "
              "CSIStorageCapacity objects with capacity information, if set to true.\n\nThe check "
              "can be enabled immediately when deploying a driver. In that case, provisioning new "
              "volumes with late binding will pause until the driver deployment has published "
              "some suitable CSIStorageCapacity object.\n\nAlternatively, the driver can be "
              "deployed with the field unset or false and it can be flipped later when storage "
              "capacity information has been published.\n\nThis field was immutable in Kubernetes "
              "<= 1.22 and now is mutable."),
          StringColumn(
              "TokenRequests",
              "tokenRequests indicates the CSI driver needs pods' service account tokens it is "
              "mounting volume for to do necessary authentication. Kubelet will pass the tokens "
              "in VolumeContext in the CSI NodePublishVolume calls. The CSI driver should parse "
              "and validate the following VolumeContext: "
              "\"csi.storage.k8s.io/serviceAccount.tokens\": {\n  \"<audience>\": {\n    "
              "\"token\": <token>,\n    \"expirationTimestamp\": <expiration timestamp in "
              "RFC3339>,\n  },\n  ...\n}\n\nNote: Audience in each TokenRequest should be "
              "different and at most one token is empty string. To receive a new token after "
              "expiry, RequiresRepublish can be used to trigger NodePublishVolume periodically."),
          BooleanColumn(
              "RequiresRepublish",
              "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being "
              "periodically called to reflect any possible change in the mounted volume. This "
              "field defaults to false.\n\nNote: After a successful initial NodePublishVolume "
              "call, subsequent calls to NodePublishVolume should only update the contents of "
              "the volume. New mount points will not be seen by a running container."),
          StringColumn(
              "Modes",
              "volumeLifecycleModes defines what kind of volumes this CSI volume driver "
              "supports. The default if the list is empty is \"Persistent\", which is the usage "
              "defined by the CSI specification and implemented in Kubernetes via the usual "
              "PV/PVC mechanism.\n\nThe other mode is \"Ephemeral\". In this mode, volumes are "
              "defined inline inside the pod spec with CSIVolumeSource and their lifecycle is "
              "tied to the lifecycle of that pod. A driver has to be aware of this because it is "
              "only going to get a NodePublishVolume call for such a volume.\n\nFor more "
              "information about implementing this mode, see "
              "https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html A driver can "
              "support one or more of these modes and more modes may be added in the "
              "future.\n\nThis field is beta. This field is immutable."),
          AgeColumn(),
      },
      PrintCsiDriver,
  };
}

Printer CsiNodePrinter() {
  return {{NameColumn(),
           IntegerColumn("Drivers",
                         "Drivers indicates the number of CSI drivers registered on the node"),
           AgeColumn()},
          PrintCsiNode};
}

}  // namespace hostlet::apiserver
