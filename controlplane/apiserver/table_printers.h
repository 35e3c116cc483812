// The per-kind printers behind ToTable: each one's columns and the cells of one object. Columns
// carry the names, types, priorities and descriptions of Kubernetes' own printers (the
// descriptions are the API's field documentation, as `kubectl get -o json` of a Table shows).
// Cells are computed with every column filled: the server does not know whether kubectl was asked
// for -o wide, and kubectl drops the priority-1 cells itself.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace hostlet::apiserver {

struct Column {
  std::string name;    // as Kubernetes spells it; kubectl upper-cases it for the header
  std::string type;    // "string", "integer", "boolean"
  std::string format;  // "name" for the column that names the object, else ""
  std::string description;
  int priority = 0;  // 1: shown only with -o wide
};

struct PrintedRow {
  nlohmann::json cells = nlohmann::json::array();
  nlohmann::json conditions;  // an array of meta.k8s.io/v1 TableRowConditions, or null
};

using PrintRow = PrintedRow (*)(const nlohmann::json& object,
                                std::chrono::system_clock::time_point now);

struct Printer {
  std::vector<Column> columns;
  PrintRow print;
};

// The first column of nearly every table, and the age column.
Column NameColumn(int priority = 0);
Column AgeColumn();
Column StringColumn(std::string name, std::string description, int priority = 0);
Column IntegerColumn(std::string name, std::string description, int priority = 0);
Column BooleanColumn(std::string name, std::string description, int priority = 0);

// Workload templates' wide columns share their wording.
extern const char* const kContainersDescription;
extern const char* const kImagesDescription;

// NAME and AGE, for resources without a printer of their own.
Printer DefaultPrinter();

// table_pods.cc
Printer PodPrinter();
// table_cluster.cc
Printer NodePrinter();
Printer NamespacePrinter();
Printer EventPrinter();
Printer LeasePrinter();
// table_config.cc
Printer ConfigMapPrinter();
Printer SecretPrinter();
Printer ServiceAccountPrinter();
Printer ServicePrinter();
Printer EndpointsPrinter();
// table_apps.cc
Printer DeploymentPrinter();
Printer ReplicaSetPrinter();
// table_storage.cc
Printer PersistentVolumePrinter();
Printer PersistentVolumeClaimPrinter();
Printer StorageClassPrinter();
Printer CsiDriverPrinter();
Printer CsiNodePrinter();

}  // namespace hostlet::apiserver
