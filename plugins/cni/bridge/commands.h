// The CNI commands of the bridge plugin. Each validates the whole request before it changes
// anything, and fails with a CniError carrying the spec's code.
#pragma once

#include "plugins/cni/bridge/host_sockets.h"
#include "plugins/cni/bridge/link_reaper.h"
#include "plugins/cni/bridge/serial_worker.h"
#include "plugins/cni/bridge/socket_opener.h"

#include <hostlet/sdk/network_plugin.h>

#include <nlohmann/json.hpp>

namespace hostlet::bridge {

// What an instance keeps between calls: threads and open host sockets, never state of its own.
// Destroying it waits for the threads' work (see link_reaper.h, socket_opener.h).
struct ModuleThreads {
  SocketOpener sockets;
  LinkReaper reaper;
  HostSockets host_sockets;
  // Reserves an ADD's addresses while the ADD's own thread builds the host side (see add.cc).
  SerialWorker reserver;
};

nlohmann::json AddAttachment(const CniRequest& request, ModuleThreads& threads);
void DeleteAttachment(const CniRequest& request, ModuleThreads& threads);
void CheckAttachment(const CniRequest& request, ModuleThreads& threads);
void CheckStatus(const CniRequest& request);
void CollectGarbage(const CniRequest& request);

}  // namespace hostlet::bridge
