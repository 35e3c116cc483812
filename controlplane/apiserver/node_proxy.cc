#include "controlplane/apiserver/node_proxy.h"

#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/query.h"

#include <cctype>
#include <thread>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;

// Long enough for a large log; a follow is not bound by it once its headers came.
constexpr std::chrono::seconds kNodeTimeout(60);

struct NodeEndpoint {
  std::string host;
  int port = 0;
};

NodeEndpoint Locate(Registry& registry, const std::string& node_name) {
  const Resource* nodes = registry.table().Find("", "v1", "nodes");
  json node = registry.Get(*nodes, "", node_name);
  const json status = node.value("status", json::object());
  NodeEndpoint endpoint;
  for (const auto& address : status.value("addresses", json::array())) {
    if (address.value("type", "") == "InternalIP") {
      endpoint.host = address.value("address", "");
      break;
    }
  }
  auto port = status.value("daemonEndpoints", json::object())
                  .value("kubeletEndpoint", json::object())
                  .value("Port", 0);
  endpoint.port = port;
  if (endpoint.host.empty()) {
    throw ApiException(ServiceUnavailable("node \"" + node_name + "\" has no InternalIP address",
                                          {node_name, "", "nodes", {}}));
  }
  if (endpoint.port <= 0 || endpoint.port > 65535) {
    throw ApiException(ServiceUnavailable("node \"" + node_name + "\" serves no kubelet port",
                                          {node_name, "", "nodes", {}}));
  }
  return endpoint;
}

std::string PercentEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> Names(const json& containers) {
  std::vector<std::string> names;
  for (const auto& container : containers) names.push_back(container.value("name", ""));
  return names;
}

std::string Join(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : " ") + name;
  return text;
}

// The container whose log is asked for, as kube-apiserver picks it.
std::string PickContainer(const json& pod, const std::string& asked) {
  const json spec = pod.value("spec", json::object());
  auto containers = Names(spec.value("containers", json::array()));
  auto init = Names(spec.value("initContainers", json::array()));
  auto ephemeral = Names(spec.value("ephemeralContainers", json::array()));
  const std::string name = pod["metadata"].value("name", "");
  if (asked.empty()) {
    if (containers.size() == 1) return containers[0];
    std::string message = "a container name must be specified for pod " + name +
                          ", choose one of: [" + Join(containers) + "]";
    if (!init.empty()) message += " or one of the init containers: [" + Join(init) + "]";
    throw ApiException(BadRequest(message));
  }
  for (const auto* list : {&containers, &init, &ephemeral}) {
    for (const auto& candidate : *list) {
      if (candidate == asked) return asked;
    }
  }
  throw ApiException(BadRequest("container " + asked + " is not valid for pod " + name));
}

// Ends the copy of a followed log when the client goes away: the node's connection is cut,
// which ends the thread's blocking read.
struct Relay {
  std::unique_ptr<NodeResponse> answer;
  std::thread thread;
  ~Relay() {
    answer->Cancel();
    thread.join();
  }
};

// The node's answer as ours: its status and body; a followed body streamed as it comes.
Response Forward(std::unique_ptr<NodeResponse> answer, bool follow) {
  Response response;
  response.status = answer->status();
  response.content_type = answer->content_type().empty() ? "text/plain" : answer->content_type();
  if (!follow || response.status != 200) {
    response.body = answer->ReadAll();
    return response;
  }
  response.stream_timeout = std::chrono::hours(24);
  auto shared = std::make_shared<std::unique_ptr<NodeResponse>>(std::move(answer));
  response.stream = [shared](std::shared_ptr<BodyStream> body) -> std::shared_ptr<void> {
    auto relay = std::make_shared<Relay>();
    relay->answer = std::move(*shared);
    NodeResponse* source = relay->answer.get();
    relay->thread = std::thread([source, body] {
      try {
        while (auto piece = source->Read()) {
          if (!piece->empty() && !body->Write(std::move(*piece))) break;
        }
      } catch (const std::exception&) {
        // Cancelled, or the node went away: the log simply ends.
      }
      body->End();
    });
    return relay;
  };
  return response;
}

std::unique_ptr<NodeResponse> Call(const NodeClient& client, const NodeEndpoint& node,
                                   const std::string& target, bool follow) {
  try {
    return client.Get(node.host, node.port, target, kNodeTimeout, follow);
  } catch (const std::runtime_error& failure) {
    throw ApiException(InternalError(failure.what()));
  }
}

}  // namespace

void AddNodeRoutes(Router& router, Registry& registry, const NodeClient& client) {
  router.Add(
      "GET", "/api/v1/namespaces/{namespace}/pods/{name}/log",
      [&registry, &client](const Request& request, const PathParams& params) {
        const Resource* pods = registry.table().Find("", "v1", "pods");
        json pod = registry.Get(*pods, params.at("namespace"), params.at("name"));
        Query query = ParseQuery(request.query);
        auto asked = query.find("container");
        std::string container = PickContainer(pod, asked == query.end() ? "" : asked->second);
        std::string node_name = pod.value("spec", json::object()).value("nodeName", "");
        if (node_name.empty()) {
          throw ApiException(
              BadRequest("pod " + params.at("name") + " does not have a host assigned"));
        }
        NodeEndpoint node = Locate(registry, node_name);
        std::string target = "/containerLogs/" + PercentEncode(params.at("namespace")) + "/" +
                             PercentEncode(params.at("name")) + "/" + PercentEncode(container);
        std::string forwarded;
        for (const char* name : {"follow", "previous", "timestamps", "tailLines", "sinceSeconds",
                                 "sinceTime", "limitBytes"}) {
          auto found = query.find(name);
          if (found == query.end()) continue;
          forwarded += (forwarded.empty() ? "?" : "&") + std::string(name) + "=" +
                       PercentEncode(found->second);
        }
        auto follow = query.find("follow");
        bool following = follow != query.end() && follow->second != "false" &&
                         follow->second != "0" && follow->second != "False";
        return Forward(Call(client, node, target + forwarded, following), following);
      });
  router.Add("GET", "/api/v1/nodes/{name}/proxy/{path...}",
             [&registry, &client](const Request& request, const PathParams& params) {
               NodeEndpoint node = Locate(registry, params.at("name"));
               std::string target = "/" + params.at("path");
               if (!request.query.empty()) target += "?" + request.query;
               return Forward(Call(client, node, target, false), false);
             });
}

}  // namespace hostlet::apiserver
