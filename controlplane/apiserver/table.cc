#include "controlplane/apiserver/table.h"

#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <map>
#include <utility>

namespace hostlet::apiserver {

using nlohmann::json;

const char* const kContainersDescription = "Names of each container in the template.";
const char* const kImagesDescription = "Images referenced by each container in the template.";

Column NameColumn(int priority) {
  return {"Name", "string", "name",
          "Name must be unique within a namespace. Is required when creating resources, although "
          "some resources may allow a client to request the generation of an appropriate name "
          "automatically. Name is primarily intended for creation idempotence and configuration "
          "definition. Cannot be updated. More info: "
          "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
          priority};
}

Column AgeColumn() {
  return StringColumn(
      "Age",
      "CreationTimestamp is a timestamp representing the server time when this object was "
      "created. It is not guaranteed to be set in happens-before order across separate "
      "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
      "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
      "https://git.k8s.io/community/contributors/devel/sig-architecture/"
      "api-conventions.md#metadata");
}

Column StringColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "string", "", std::move(description), priority};
}

Column IntegerColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "integer", "", std::move(description), priority};
}

Column BooleanColumn(std::string name, std::string description, int priority) {
  return {std::move(name), "boolean", "", std::move(description), priority};
}

namespace {

PrintedRow PrintNameAndAge(const json& object, std::chrono::system_clock::time_point now) {
  PrintedRow row;
  row.cells = json::array({StringAt(object, {"metadata", "name"}),
                           Since(At(object, {"metadata", "creationTimestamp"}), now)});
  return row;
}

const std::map<std::pair<std::string, std::string>, Printer>& Printers() {
  static const std::map<std::pair<std::string, std::string>, Printer> printers = {
      {{"", "pods"}, PodPrinter()},
      {{"", "nodes"}, NodePrinter()},
      {{"", "namespaces"}, NamespacePrinter()},
      {{"", "events"}, EventPrinter()},
      {{"", "configmaps"}, ConfigMapPrinter()},
      {{"", "secrets"}, SecretPrinter()},
      {{"", "serviceaccounts"}, ServiceAccountPrinter()},
      {{"", "services"}, ServicePrinter()},
      {{"", "endpoints"}, EndpointsPrinter()},
      {{"", "persistentvolumes"}, PersistentVolumePrinter()},
      {{"", "persistentvolumeclaims"}, PersistentVolumeClaimPrinter()},
      {{"apps", "deployments"}, DeploymentPrinter()},
      {{"apps", "replicasets"}, ReplicaSetPrinter()},
      {{"coordination.k8s.io", "leases"}, LeasePrinter()},
      {{"storage.k8s.io", "storageclasses"}, StorageClassPrinter()},
      {{"storage.k8s.io", "csidrivers"}, CsiDriverPrinter()},
      {{"storage.k8s.io", "csinodes"}, CsiNodePrinter()},
  };
  return printers;
}

json ColumnDefinition(const Column& column) {
  return {{"name", column.name},
          {"type", column.type},
          {"format", column.format},
          {"description", column.description},
          {"priority", column.priority}};
}

json RowObject(const json& object, IncludeObject include) {
  switch (include) {
    case IncludeObject::kNone:
      return nullptr;
    case IncludeObject::kObject:
      return object;
    case IncludeObject::kMetadata:
      break;
  }
  const json& metadata = At(object, {"metadata"});
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", metadata.is_object() ? metadata : json::object()}};
}

}  // namespace

Printer DefaultPrinter() { return {{NameColumn(), AgeColumn()}, PrintNameAndAge}; }

std::optional<IncludeObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return IncludeObject::kMetadata;
  if (value == "None") return IncludeObject::kNone;
  if (value == "Object") return IncludeObject::kObject;
  return std::nullopt;
}

json ToTable(const std::string& group, const std::string& resource,
             const std::vector<json>& objects, const TableOptions& options) {
  static const Printer default_printer = DefaultPrinter();
  const auto& printers = Printers();
  auto found = printers.find({group, resource});
  const Printer& printer = found == printers.end() ? default_printer : found->second;

  json columns = json::array();
  for (const auto& column : printer.columns) columns.push_back(ColumnDefinition(column));

  json rows = json::array();
  for (const auto& object : objects) {
    PrintedRow printed = printer.print(object, options.now);
    json row = {{"cells", std::move(printed.cells)},
                {"object", RowObject(object, options.include)}};
    if (printed.conditions.is_array() && !printed.conditions.empty()) {
      row["conditions"] = std::move(printed.conditions);
    }
    rows.push_back(std::move(row));
  }

  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", json::object()},
          {"columnDefinitions", std::move(columns)},
          {"rows", std::move(rows)}};
}

}  // namespace hostlet::apiserver
