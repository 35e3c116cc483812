// hostlet-server: the Kubernetes-compatible API server on SQLite or etcd, over HTTPS with bearer
// tokens, with the built-in scheduler, until SIGTERM or SIGINT.
#include "controlplane/apiserver/api_routes.h"
#include "controlplane/apiserver/api_status.h"
#include "controlplane/apiserver/http_server.h"
#include "controlplane/apiserver/kubeconfig.h"
#include "controlplane/apiserver/listen_address.h"
#include "controlplane/apiserver/node_proxy.h"
#include "controlplane/apiserver/registry.h"
#include "controlplane/apiserver/resource_api.h"
#include "controlplane/apiserver/tls_material.h"
#include "controlplane/apiserver/token_auth.h"
#include "controlplane/scheduler/scheduler.h"
#include "controlplane/storage/etcd_store.h"
#include "controlplane/storage/sqlite_store.h"

#include <boost/asio/steady_timer.hpp>

#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kUsage =
    "Usage: hostlet-server [flags]\n"
    "\n"
    "The hostlet Kubernetes API server (Kubernetes API v1.32): version, health, discovery,\n"
    "OpenAPI v3 and the core, apps, coordination and storage resources, stored in one SQLite\n"
    "file under --data-dir or in etcd, served over HTTPS to holders of a bearer token, with a\n"
    "scheduler that binds pending pods to nodes.\n"
    "\n"
    "Flags:\n"
    "  --data-dir DIR           where the state lives (default /var/lib/hostlet/server): the\n"
    "                           database state.db and, unless --kubeconfig-out says otherwise,\n"
    "                           admin.kubeconfig.\n"
    "  --listen HOST:PORT       address to serve HTTPS on (default 127.0.0.1:6443); port 0\n"
    "                           picks a free port (see --kubeconfig-out). The serving\n"
    "                           certificate is signed by a CA made on first start under\n"
    "                           DATA-DIR/pki (ca.crt, ca.key) and reissued at every start.\n"
    "                           The same CA signs DATA-DIR/pki/apiserver-kubelet-client.crt,\n"
    "                           which the server presents to node agents (pods/log,\n"
    "                           nodes/proxy); it does not verify the agents' certificates.\n"
    "  --tls-san NAME[,NAME]    more host names or IP addresses for the serving certificate,\n"
    "                           besides localhost, 127.0.0.1, ::1 and the --listen address.\n"
    "  --insecure-http          serve plain HTTP without authentication instead of HTTPS\n"
    "                           (kubectl sends no tokens over plain HTTP): anyone who can\n"
    "                           connect is an administrator, so only loopback --listen\n"
    "                           addresses are then accepted.\n"
    "  --token-auth-file PATH   more users, one per line: token,user,uid[,\"group,...\"]. The\n"
    "                           admin's token is DATA-DIR/admin-token.csv, made on first start.\n"
    "                           Requests need \"Authorization: Bearer TOKEN\" except /healthz,\n"
    "                           /livez, /readyz and /version; every user may do everything.\n"
    "  --kubeconfig-out PATH    once listening, write an admin kubeconfig for kubectl to PATH\n"
    "                           (mode 0600; default DATA-DIR/admin.kubeconfig), its server URL\n"
    "                           naming the port actually bound, with the CA and admin token.\n"
    "  --threads N              threads serving requests (default: one per CPU, at most 8).\n"
    "  --disable-scheduler      do not run the built-in scheduler (default: it runs and binds\n"
    "                           pending pods whose schedulerName is default-scheduler).\n"
    "  --storage sqlite|etcd    where objects are stored (default sqlite): DATA-DIR/state.db,\n"
    "                           or an etcd v3 cluster (--etcd-servers); DATA-DIR still holds\n"
    "                           the CA, the admin token and the kubeconfig.\n"
    "  --etcd-servers URL[,URL] the etcd members, http://HOST:PORT or https://HOST:PORT each;\n"
    "                           calls fail over between them.\n"
    "  --etcd-cafile PATH       CA certificate (PEM) that https:// members' serving certificates\n"
    "                           chain to (default: the system's trusted roots).\n"
    "  --etcd-certfile PATH     client certificate (PEM) presented to https:// members, for\n"
    "                           clusters run with --client-cert-auth; needs --etcd-keyfile.\n"
    "  --etcd-keyfile PATH      the private key (PEM) of --etcd-certfile.\n"
    "  --etcd-prefix PREFIX     etcd key prefix for every object (default /hostlet), so\n"
    "                           several clusters can share one etcd.\n"
    "  --help                   print this help and exit.\n";

struct Options {
  std::string storage = "sqlite";
  std::vector<std::string> etcd_servers;
  std::string etcd_prefix = "/hostlet";
  std::string etcd_cafile;
  std::string etcd_certfile;
  std::string etcd_keyfile;
  hostlet::storage::EtcdTls etcd_tls;  // the three files' contents
  std::string listen = "127.0.0.1:6443";
  std::string data_dir = "/var/lib/hostlet/server";
  std::optional<std::string> kubeconfig_out;
  bool insecure_http = false;
  std::vector<std::string> tls_sans;
  std::vector<std::string> token_auth_files;
  unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  bool scheduler = true;
};

// "a,b,,c" -> {"a", "b", "c"}: a flag's comma-separated values, empty ones dropped.
std::vector<std::string> SplitList(const std::string& value) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= value.size();) {
    size_t comma = std::min(value.find(',', start), value.size());
    if (comma > start) items.push_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// The contents of a PEM file named by `flag`, "" when none is named; throws naming both when it
// cannot be read or holds no PEM block, so a wrong path is not mistaken for a TLS failure.
std::string ReadPemFile(const std::string& flag, const std::string& path) {
  if (path.empty()) return "";
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(flag + " " + path + ": " + std::strerror(errno));
  std::ostringstream contents;
  contents << file.rdbuf();
  if (!file) throw std::runtime_error(flag + " " + path + ": cannot be read");
  if (contents.str().find("-----BEGIN ") == std::string::npos) {
    throw std::runtime_error(flag + " " + path + ": no PEM data in it");
  }
  return contents.str();
}

// What is wrong with the storage flags, or "" when they fit together.
std::string CheckStorageFlags(Options* options) {
  if (options->storage != "sqlite" && options->storage != "etcd") {
    return "--storage \"" + options->storage + "\" is neither sqlite nor etcd";
  }
  bool tls_files = !options->etcd_cafile.empty() || !options->etcd_certfile.empty() ||
                   !options->etcd_keyfile.empty();
  if (options->storage == "sqlite") {
    if (!options->etcd_servers.empty()) return "--etcd-servers needs --storage etcd";
    if (tls_files) return "--etcd-cafile, --etcd-certfile and --etcd-keyfile need --storage etcd";
    return "";
  }
  if (options->etcd_servers.empty()) return "--storage etcd needs --etcd-servers URL[,URL...]";
  bool any_tls = false;
  for (const std::string& url : options->etcd_servers) {
    try {
      any_tls |= hostlet::storage::ParseEtcdEndpoint(url).tls;
    } catch (const std::exception& error) {
      return std::string("--etcd-servers: ") + error.what();
    }
  }
  // Certificates given for a cluster reached in the clear would be silently unused.
  if (tls_files && !any_tls) {
    return "--etcd-cafile, --etcd-certfile and --etcd-keyfile are for https:// members, and "
           "--etcd-servers names none";
  }
  if (options->etcd_certfile.empty() != options->etcd_keyfile.empty()) {
    return "--etcd-certfile and --etcd-keyfile go together";
  }
  try {
    options->etcd_tls.ca_pem = ReadPemFile("--etcd-cafile", options->etcd_cafile);
    options->etcd_tls.cert_pem = ReadPemFile("--etcd-certfile", options->etcd_certfile);
    options->etcd_tls.key_pem = ReadPemFile("--etcd-keyfile", options->etcd_keyfile);
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  while (options->etcd_prefix.size() > 1 && options->etcd_prefix.ends_with('/')) {
    options->etcd_prefix.pop_back();
  }
  if (!options->etcd_prefix.starts_with('/') || options->etcd_prefix == "/") {
    return "--etcd-prefix \"" + options->etcd_prefix + "\" is not /NAME[/NAME...]";
  }
  return "";
}

// Returns nothing after printing the reason when the command line is wrong, or after --help.
std::optional<Options> ParseFlags(int argc, char** argv, int* exit_code) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (auto equals = flag.find('='); flag.starts_with("--") && equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      *exit_code = 0;
      return std::nullopt;
    }
    if (flag == "--insecure-http" && !has_value) {
      options.insecure_http = true;
      continue;
    }
    if (flag == "--disable-scheduler" && !has_value) {
      options.scheduler = false;
      continue;
    }
    bool known = flag == "--listen" || flag == "--kubeconfig-out" || flag == "--threads" ||
                 flag == "--data-dir" || flag == "--tls-san" || flag == "--token-auth-file" ||
                 flag == "--storage" || flag == "--etcd-servers" || flag == "--etcd-prefix" ||
                 flag == "--etcd-cafile" || flag == "--etcd-certfile" || flag == "--etcd-keyfile";
    if (!known) {
      std::cerr << "hostlet-server: unknown flag " << flag << "\n\n" << kUsage;
      *exit_code = 2;
      return std::nullopt;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::cerr << "hostlet-server: " << flag << " needs a value\n";
        *exit_code = 2;
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (flag == "--listen") options.listen = value;
    if (flag == "--data-dir") options.data_dir = value;
    if (flag == "--storage") options.storage = value;
    if (flag == "--etcd-prefix") options.etcd_prefix = value;
    if (flag == "--etcd-cafile") options.etcd_cafile = value;
    if (flag == "--etcd-certfile") options.etcd_certfile = value;
    if (flag == "--etcd-keyfile") options.etcd_keyfile = value;
    if (flag == "--etcd-servers") options.etcd_servers = SplitList(value);
    if (flag == "--kubeconfig-out") options.kubeconfig_out = value;
    if (flag == "--token-auth-file") options.token_auth_files.push_back(value);
    if (flag == "--tls-san") {
      auto names = SplitList(value);
      options.tls_sans.insert(options.tls_sans.end(), names.begin(), names.end());
    }
    if (flag == "--threads") {
      try {
        size_t used = 0;
        int threads = std::stoi(value, &used);
        if (used != value.size() || threads < 1 || threads > 256) throw std::out_of_range(value);
        options.threads = static_cast<unsigned>(threads);
      } catch (const std::exception&) {
        std::cerr << "hostlet-server: --threads \"" << value
                  << "\" is not a number from 1 to 256\n";
        *exit_code = 2;
        return std::nullopt;
      }
    }
  }
  if (std::string problem = CheckStorageFlags(&options); !problem.empty()) {
    std::cerr << "hostlet-server: " << problem << "\n";
    *exit_code = 2;
    return std::nullopt;
  }
  return options;
}

std::unique_ptr<hostlet::storage::Store> OpenStore(const Options& options,
                                                   const std::filesystem::path& data_dir) {
  if (options.storage == "etcd") {
    hostlet::storage::EtcdOptions etcd;
    etcd.endpoints = options.etcd_servers;
    etcd.prefix = options.etcd_prefix;
    etcd.tls = options.etcd_tls;
    return std::make_unique<hostlet::storage::EtcdStore>(etcd);
  }
  return std::make_unique<hostlet::storage::SqliteStore>(data_dir / "state.db");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hostlet::apiserver;
  int exit_code = 0;
  auto options = ParseFlags(argc, argv, &exit_code);
  if (!options) return exit_code;
  // A client that hangs up mid-answer must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto transport = options->insecure_http ? Transport::kPlainHttp : Transport::kHttps;
    auto endpoint = ParseListenAddress(options->listen, transport);
    std::filesystem::path data_dir(options->data_dir);
    std::filesystem::create_directories(data_dir);
    std::unique_ptr<hostlet::storage::Store> opened_store = OpenStore(*options, data_dir);
    hostlet::storage::Store& store = *opened_store;
    Registry registry(store, ResourceTable::Served());
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      registry.EnsureNamespace(ns);
    }
    // Declared after the registry so that it stops before the store goes away.
    std::optional<hostlet::scheduler::Scheduler> scheduler;
    if (options->scheduler) scheduler.emplace(registry).Start();
    Router router;
    TokenAuthenticator tokens;
    auto admin_token_file = data_dir / "admin-token.csv";
    EnsureAdminTokenFile(admin_token_file);
    std::string admin_token = tokens.LoadFile(admin_token_file);
    for (const auto& file : options->token_auth_files) tokens.LoadFile(file);
    if (transport == Transport::kHttps)
      router.SetGate([&tokens](const Request& request) {
        auto outcome = tokens.Authenticate(request, nullptr);
        if (outcome == TokenAuthenticator::Outcome::kAuthenticated) return;
        if (outcome == TokenAuthenticator::Outcome::kAnonymous && IsPublicPath(request.path))
          return;
        throw ApiException(Unauthorized());
      });
    std::optional<ServingCertificate> certificate;
    if (transport == Transport::kHttps) {
      std::vector<std::string> names{"localhost", "127.0.0.1", "::1"};
      if (!endpoint.address().is_unspecified()) names.push_back(endpoint.address().to_string());
      names.insert(names.end(), options->tls_sans.begin(), options->tls_sans.end());
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      certificate = EnsureServingCertificate(data_dir / "pki", names);
    }
    // Routes are added after binding because /api reports the bound address, which with port 0
    // is known only then; no request is handled before Run.
    std::optional<HttpServer> server;
    server.emplace(router, endpoint, certificate ? &*certificate : nullptr);
    // Clients on this machine reach a wildcard listener through loopback, which the serving
    // certificate always names.
    auto client_endpoint = server->local_endpoint();
    if (client_endpoint.address().is_unspecified()) {
      client_endpoint.address(
          client_endpoint.address().is_v6()
              ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
              : boost::asio::ip::address(boost::asio::ip::address_v4::loopback()));
    }
    std::string authority = FormatAuthority(client_endpoint);
    // The node agents' servers (logs, node proxy) admit this certificate, signed by the CA
    // their kubeconfigs trust. Plain HTTP has no CA, so no agent would admit it.
    std::optional<NodeClient> node_client;
    if (certificate) {
      node_client.emplace(EnsureClientCertificate(data_dir / "pki", "apiserver-kubelet-client",
                                                  "kube-apiserver-kubelet-client"));
      AddNodeRoutes(router, registry, *node_client);
    }
    AddApiRoutes(router, registry.table(), authority,
                 [&registry](const Request& request, const std::string& group,
                             const std::string& version, const std::string& rest) {
                   return ServeResource(registry, request, group, version, rest);
                 });
    std::string url = (certificate ? "https://" : "http://") + authority;
    WriteFileAtomically(options->kubeconfig_out.value_or((data_dir / "admin.kubeconfig").string()),
                        certificate ? AdminKubeconfig(url, certificate->ca_pem, admin_token)
                                    : AdminKubeconfig(url, "", ""));

    // History is kept for watches that resume; older revisions are compacted away so the file
    // stays bounded, as Kubernetes compacts etcd every few minutes.
    boost::asio::steady_timer compaction(server->context());
    std::function<void()> schedule_compaction = [&] {
      compaction.expires_after(std::chrono::minutes(1));
      compaction.async_wait([&](const boost::system::error_code& error) {
        if (error) return;
        try {
          store.CompactOlderThan(10000);
        } catch (const std::exception& failure) {
          std::cerr << "hostlet-server: compaction failed: " << failure.what() << std::endl;
        }
        schedule_compaction();
      });
    };
    schedule_compaction();

    boost::asio::signal_set signals(server->context(), SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      std::cout << "hostlet-server: signal " << signal << ", stopping" << std::endl;
      server->Stop();
    });
    std::cout << "hostlet-server: serving " << url << " on " << options->threads << " threads"
              << std::endl;
    server->Run(options->threads);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "hostlet-server: " << error.what() << "\n";
    return 1;
  }
}
