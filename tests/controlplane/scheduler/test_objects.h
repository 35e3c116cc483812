// Node and pod objects for the scheduler's tests, built in a line each.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostlet::scheduler::testing {

inline nlohmann::json MakeNode(const std::string& name, const std::string& cpu,
                               const std::string& memory, const std::string& pods = "110") {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", nlohmann::json::object()}}},
          {"spec", nlohmann::json::object()},
          {"status",
           {{"allocatable", {{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
            {"capacity", {{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

// A pod with one container asking for `cpu` and `memory` ("" asks for nothing).
inline nlohmann::json MakePod(const std::string& name, const std::string& cpu = "",
                              const std::string& memory = "", const std::string& ns = "default") {
  nlohmann::json requests = nlohmann::json::object();
  if (!cpu.empty()) requests["cpu"] = cpu;
  if (!memory.empty()) requests["memory"] = memory;
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}}},
      {"spec",
       {{"containers",
         {{{"name", "main"}, {"image", "busybox"}, {"resources", {{"requests", requests}}}}}}}}};
}

}  // namespace hostlet::scheduler::testing
