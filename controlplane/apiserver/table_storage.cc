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
          StringColumn("Capacity", "The volume's size"),
          StringColumn("Access Modes", "How the volume can be mounted"),
          StringColumn("Reclaim Policy", "What happens to the volume when its claim goes"),
          StringColumn("Status", "Available, Bound, Released or Failed"),
          StringColumn("Claim", "The claim bound to the volume"),
          StringColumn("StorageClass", "The volume's storage class"),
          StringColumn("VolumeAttributesClass", "The volume's attributes class"),
          StringColumn("Reason", "Why the volume failed, if it did"),
          AgeColumn(),
          StringColumn("VolumeMode", "Filesystem or Block", 1),
      },
      PrintPersistentVolume,
  };
}

Printer PersistentVolumeClaimPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Status", "Pending, Bound or Lost"),
          StringColumn("Volume", "The volume bound to the claim"),
          StringColumn("Capacity", "The size of the bound volume"),
          StringColumn("Access Modes", "How the bound volume can be mounted"),
          StringColumn("StorageClass", "The claim's storage class"),
          StringColumn("VolumeAttributesClass", "The claim's attributes class"),
          AgeColumn(),
          StringColumn("VolumeMode", "Filesystem or Block", 1),
      },
      PrintPersistentVolumeClaim,
  };
}

Printer StorageClassPrinter() {
  return {
      {
          NameColumn(),
          StringColumn("Provisioner", "The plugin that provisions volumes of this class"),
          StringColumn("ReclaimPolicy", "What happens to provisioned volumes when their claims go"),
          StringColumn("VolumeBindingMode", "When volumes are bound and provisioned"),
          StringColumn("AllowVolumeExpansion", "Whether claims of this class may grow"),
          AgeColumn(),
      },
      PrintStorageClass,
  };
}

Printer CsiDriverPrinter() {
  return {
      {
          NameColumn(),
          BooleanColumn("AttachRequired", "Whether volumes need an attach step"),
          BooleanColumn("PodInfoOnMount", "Whether the driver wants pod information on mount"),
          BooleanColumn("StorageCapacity", "Whether the scheduler checks the driver's capacity"),
          StringColumn("TokenRequests", "Audiences of the service account tokens the driver wants"),
          BooleanColumn("RequiresRepublish", "Whether mounts are republished periodically"),
          StringColumn("Modes", "Persistent and ephemeral volume kinds the driver serves"),
          AgeColumn(),
      },
      PrintCsiDriver,
  };
}

Printer CsiNodePrinter() {
  return {
      {NameColumn(), IntegerColumn("Drivers", "CSI drivers registered on the node"), AgeColumn()},
      PrintCsiNode};
}

}  // namespace hostlet::apiserver
