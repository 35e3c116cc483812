# The two commands of the README, and their helpers. Each installs what is missing first.
BUILD ?= build
RUN ?= $(CURDIR)/.run
IMAGES ?= $(RUN)/images
NODE_NAME ?= $(shell hostname | tr A-Z a-z)
CGROUP_ROOT ?= /hostlet
JOBS ?= $(shell nproc)
SERVER_LISTEN ?= 127.0.0.1:6443
# The OCI runtime the runtime module drives: runc, or hostlet-runtime (the project's own);
# `make up` records it for `make down`.
OCI_RUNTIME ?= runc
OCI_RUNTIME_BINARY = $(if $(filter hostlet-runtime,$(OCI_RUNTIME)),$(abspath $(BUILD))/plugins/runtime/native/hostlet-runtime,$(OCI_RUNTIME))

.PHONY: up server-up down test bench build deps clean

# Build, then start the control plane and the node agent in the background, and wait until the
# node is Ready.
up: build server-up
	@mkdir -p $(RUN)
	@if [ -f $(RUN)/hostlet.pid ] && kill -0 $$(cat $(RUN)/hostlet.pid) 2>/dev/null; then \
	  echo "hostlet is already running (pid $$(cat $(RUN)/hostlet.pid))"; exit 0; fi
	@mkdir -p $(IMAGES) $(RUN)/net.d
	@echo $(OCI_RUNTIME_BINARY) > $(RUN)/oci-runtime
	@[ -f $(IMAGES)/busybox.tar ] || scripts/busybox-image.sh $(IMAGES)/busybox.tar
	@[ -n "$$(ls $(RUN)/net.d)" ] || sed 's|"type": "host-local",|"type": "host-local", "dataDir": "$(RUN)/ipam",|' \
	  examples/cni/10-hostlet-bridge.conflist > $(RUN)/net.d/10-hostlet-bridge.conflist
	@$(BUILD)/kubelet/hostlet --kubeconfig $(RUN)/server/admin.kubeconfig --node-name $(NODE_NAME) \
	  --address 0.0.0.0 \
	  --root-dir $(RUN)/root --pod-logs-dir $(RUN)/pod-logs --images-dir $(IMAGES) \
	  --static-pod-path $(RUN)/manifests --cgroup-root $(CGROUP_ROOT) \
	  --plugin-dir $(BUILD)/plugins/runtime/oci --plugin-dir $(BUILD)/plugins/cni/bridge --plugin-dir $(BUILD)/examples \
	  --plugin-config 'oci={"root":"$(RUN)/oci","state":"$(RUN)/oci-state","runtime":"$(OCI_RUNTIME_BINARY)"}' \
	  --cni-conf-dir $(RUN)/net.d --cni-cache-dir $(RUN)/cni-cache --socket-dir $(RUN)/plugins \
	  >$(RUN)/hostlet.log 2>&1 & echo $$! > $(RUN)/hostlet.pid
	@for i in $$(seq 1 600); do \
	  kill -0 $$(cat $(RUN)/hostlet.pid) 2>/dev/null || { cat $(RUN)/hostlet.log; echo "hostlet exited"; exit 1; }; \
	  [ "$$(KUBECONFIG=$(RUN)/server/admin.kubeconfig kubectl get node $(NODE_NAME) \
	     -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break; sleep 0.1; done
	@echo "hostlet is up (pid $$(cat $(RUN)/hostlet.pid)); node $(NODE_NAME) is Ready; log $(RUN)/hostlet.log; stop with: make down"
	@echo "export KUBECONFIG=$(RUN)/server/admin.kubeconfig"
	@echo "kubectl run web --image=localhost/busybox:latest --restart=Never -- httpd -f -p 8080 && kubectl get pods -o wide"

# hostlet-server on SQLite under $(RUN)/server, HTTPS with its own CA and an admin token.
server-up: build
	@mkdir -p $(RUN)/server
	@if [ -f $(RUN)/server.pid ] && kill -0 $$(cat $(RUN)/server.pid) 2>/dev/null; then \
	  echo "hostlet-server is already running (pid $$(cat $(RUN)/server.pid))"; exit 0; fi; \
	rm -f $(RUN)/server/admin.kubeconfig; \
	$(BUILD)/controlplane/apiserver/hostlet-server --data-dir $(RUN)/server --listen $(SERVER_LISTEN) \
	  >$(RUN)/server.log 2>&1 & echo $$! > $(RUN)/server.pid; \
	for i in $$(seq 1 100); do [ -f $(RUN)/server/admin.kubeconfig ] && break; sleep 0.1; done; \
	if [ ! -f $(RUN)/server/admin.kubeconfig ]; then cat $(RUN)/server.log; exit 1; fi; \
	echo "hostlet-server is up (pid $$(cat $(RUN)/server.pid)); data in $(RUN)/server; log $(RUN)/server.log"

# Stop what `make up` started, by the PIDs it recorded, and remove what it made: the pods go
# first (the agent tears down their containers, network, mounts and cgroups), then the processes,
# then whatever a crash left behind, then the state.
down:
	@if [ -f $(RUN)/hostlet.pid ] && kill -0 $$(cat $(RUN)/hostlet.pid) 2>/dev/null && \
	    [ -f $(RUN)/server.pid ] && kill -0 $$(cat $(RUN)/server.pid) 2>/dev/null; then \
	  KUBECONFIG=$(RUN)/server/admin.kubeconfig kubectl delete pods --all --all-namespaces --wait --timeout=120s || true; \
	  rm -rf $(RUN)/manifests; fi
	@for name in hostlet server; do \
	  if [ -f $(RUN)/$$name.pid ]; then \
	    pid=$$(cat $(RUN)/$$name.pid); \
	    if kill -0 $$pid 2>/dev/null; then kill -TERM $$pid; \
	      for i in $$(seq 1 300); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
	    rm -f $(RUN)/$$name.pid; echo "$$name stopped"; \
	  fi; done
	@scripts/node-cleanup.sh $(RUN) $(CGROUP_ROOT) $$(cat $(RUN)/oci-runtime 2>/dev/null || echo runc)
	@echo "removed $(RUN)"

# Build everything, then run every test.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Benchmarks against the real peers, each printing ratios (the CNI and node ones need root).
bench: build
	$(BUILD)/bench/abi_vs_grpc_bench
	$(BUILD)/bench/scheduler_bench
	$(BUILD)/bench/cni_add_del_bench
	$(BUILD)/bench/apiserver_bench
	$(BUILD)/bench/node_agent_bench

build: deps
	@[ -f $(BUILD)/build.ninja ] || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BUILD)
