# The two commands of the README, and their helpers. Each installs what is missing first.
BUILD ?= build
RUN ?= $(CURDIR)/.run
IMAGES ?= /var/lib/hostlet/images
JOBS ?= $(shell nproc)
SERVER_LISTEN ?= 127.0.0.1:6443

.PHONY: up server-up down test bench build deps clean

# Build, then start the control plane and the node agent in the background.
up: build server-up
	@mkdir -p $(RUN)
	@if [ -f $(RUN)/hostlet.pid ] && kill -0 $$(cat $(RUN)/hostlet.pid) 2>/dev/null; then \
	  echo "hostlet is already running (pid $$(cat $(RUN)/hostlet.pid))"; exit 0; fi
	@mkdir -p $(IMAGES) $(RUN)/net.d
	@[ -n "$$(ls $(RUN)/net.d)" ] || cp examples/cni/10-hostlet-bridge.conflist $(RUN)/net.d/
	@$(BUILD)/kubelet/hostlet --plugin-dir $(BUILD)/plugins/runtime/oci --plugin-dir $(BUILD)/plugins/cni/bridge \
	  --plugin-dir $(BUILD)/examples --plugin-config 'oci={"importDirs":["$(IMAGES)"]}' \
	  --cni-conf-dir $(RUN)/net.d --socket-dir $(RUN)/plugins \
	  >$(RUN)/hostlet.log 2>&1 & echo $$! > $(RUN)/hostlet.pid
	@for i in $$(seq 1 100); do grep -q ready $(RUN)/hostlet.log 2>/dev/null && break; sleep 0.1; done
	@cat $(RUN)/hostlet.log
	@echo "hostlet is up (pid $$(cat $(RUN)/hostlet.pid)); plugin sockets in $(RUN)/plugins; log $(RUN)/hostlet.log; stop with: make down"
	@echo "export KUBECONFIG=$(RUN)/server/admin.kubeconfig"
	@echo "kubectl get namespaces"

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

# Stop what `make up` started, by the PIDs it recorded.
down:
	@if [ -f $(RUN)/server.pid ]; then \
	  pid=$$(cat $(RUN)/server.pid); \
	  if kill -0 $$pid 2>/dev/null; then kill -TERM $$pid; \
	    for i in $$(seq 1 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
	  rm -f $(RUN)/server.pid; echo "hostlet-server stopped"; \
	else echo "hostlet-server is not running"; fi
	@if [ -f $(RUN)/hostlet.pid ]; then \
	  pid=$$(cat $(RUN)/hostlet.pid); \
	  if kill -0 $$pid 2>/dev/null; then kill -TERM $$pid; \
	    for i in $$(seq 1 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; fi; \
	  rm -f $(RUN)/hostlet.pid; echo "hostlet stopped"; \
	else echo "hostlet is not running"; fi

# Build everything, then run every test.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Benchmarks against the real peers, each printing ratios (the CNI one needs root).
bench: build
	$(BUILD)/bench/abi_vs_grpc_bench
	$(BUILD)/bench/scheduler_bench
	$(BUILD)/bench/cni_add_del_bench
	$(BUILD)/bench/apiserver_bench

build: deps
	@[ -f $(BUILD)/build.ninja ] || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BUILD)
