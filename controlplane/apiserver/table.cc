#include "controlplane/apiserver/table.h"

#include "controlplane/apiserver/table_format.h"
#include "controlplane/apiserver/table_printers.h"

#include <map>
#include <utility>

namespace hostlet::apiserver {

using nlohmann::json;

const char* const kContainersDescription = "The names of the template's containers";
const char* const kImagesDescription = "The images of the template's containers";

Column NameColumn(int priority) {
  return {"Name", "string", "name", "The object's name, unique among its kind in its namespace",
          priority};
}

Column AgeColumn() { return StringColumn("Age", "Time since the object was created"); }

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
