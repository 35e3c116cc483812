// Strict field validation: full objects as kubectl, controllers and the kubelet write them have
// no unknown fields; typos are found at any depth with upstream's paths; maps take any key.
#include "controlplane/apiserver/field_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hostlet::apiserver {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A pod using much of PodSpec, with the status the kubelet reports for it.
json FullPod() {
  return json::parse(R"({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web-7c9d8-abcde",
    "generateName": "web-7c9d8-",
    "namespace": "default",
    "uid": "0b7f0c3e-8d3c-4b8e-9d53-2f1c9f0e3a11",
    "resourceVersion": "4242",
    "generation": 1,
    "creationTimestamp": "2025-01-01T00:00:00Z",
    "deletionTimestamp": null,
    "deletionGracePeriodSeconds": 30,
    "labels": {"app": "web", "pod-template-hash": "7c9d8", "example.com/tier": "front"},
    "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"},
    "finalizers": ["example.com/cleanup"],
    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9d8",
                         "uid": "1d4a", "controller": true, "blockOwnerDeletion": true}],
    "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                       "apiVersion": "v1", "time": "2025-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                       "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {}}}},
                       "subresource": ""}]
  },
  "spec": {
    "initContainers": [{
      "name": "setup", "image": "busybox:1.36", "command": ["sh", "-c"], "args": ["true"],
      "restartPolicy": "Always",
      "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30, "periodSeconds": 1}
    }],
    "containers": [{
      "name": "web",
      "image": "nginx:1.27",
      "imagePullPolicy": "IfNotPresent",
      "workingDir": "/srv",
      "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP", "hostPort": 8080,
                 "hostIP": "0.0.0.0"}],
      "env": [
        {"name": "MODE", "value": "prod"},
        {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "token", "optional": true}}},
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "level"}}},
        {"name": "MEM", "valueFrom": {"resourceFieldRef": {"containerName": "web",
                                                           "resource": "limits.memory", "divisor": "1Mi"}}}
      ],
      "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "c"}}, {"secretRef": {"name": "s"}}],
      "resources": {"requests": {"cpu": "100m", "memory": "64Mi", "nvidia.com/gpu": "1"},
                    "limits": {"memory": "128Mi"}, "claims": [{"name": "gpu", "request": "one"}]},
      "resizePolicy": [{"resourceName": "cpu", "restartPolicy": "NotRequired"}],
      "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true,
                        "recursiveReadOnly": "IfPossible", "mountPropagation": "None",
                        "subPath": "x", "subPathExpr": ""}],
      "volumeDevices": [{"name": "raw", "devicePath": "/dev/xvda"}],
      "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP", "host": "",
                                    "httpHeaders": [{"name": "X-Probe", "value": "1"}]},
                        "initialDelaySeconds": 3, "timeoutSeconds": 1, "periodSeconds": 10,
                        "successThreshold": 1, "failureThreshold": 3,
                        "terminationGracePeriodSeconds": 5},
      "readinessProbe": {"tcpSocket": {"port": 80}},
      "startupProbe": {"grpc": {"port": 9000, "service": "health"}},
      "lifecycle": {"postStart": {"exec": {"command": ["true"]}},
                    "preStop": {"sleep": {"seconds": 5}}},
      "terminationMessagePath": "/dev/termination-log",
      "terminationMessagePolicy": "FallbackToLogsOnError",
      "securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "runAsNonRoot": true,
                          "privileged": false, "allowPrivilegeEscalation": false,
                          "readOnlyRootFilesystem": true, "procMount": "Default",
                          "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                          "seccompProfile": {"type": "RuntimeDefault"},
                          "appArmorProfile": {"type": "Localhost", "localhostProfile": "p"},
                          "seLinuxOptions": {"user": "u", "role": "r", "type": "t", "level": "s0"},
                          "windowsOptions": {"runAsUserName": "x", "hostProcess": false,
                                             "gmsaCredentialSpecName": "g", "gmsaCredentialSpec": "s"}},
      "stdin": false, "stdinOnce": false, "tty": false
    }],
    "ephemeralContainers": [{"name": "debug", "image": "busybox", "targetContainerName": "web",
                             "stdin": true, "tty": true}],
    "volumes": [
      {"name": "data", "persistentVolumeClaim": {"claimName": "data", "readOnly": false}},
      {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
      {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420, "optional": true,
                                    "items": [{"key": "a", "path": "a.conf", "mode": 256}]}},
      {"name": "sec", "secret": {"secretName": "s", "items": [{"key": "k", "path": "k"}]}},
      {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
      {"name": "proj", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"audience": "api", "expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        {"secret": {"name": "s", "optional": false}},
        {"clusterTrustBundle": {"signerName": "example.com/signer", "path": "bundle.pem",
                                "labelSelector": {"matchLabels": {"a": "b"}}}}]}},
      {"name": "down", "downwardAPI": {"items": [{"path": "cpu", "resourceFieldRef": {
        "containerName": "web", "resource": "requests.cpu"}}]}},
      {"name": "csi", "csi": {"driver": "csi.example.com", "readOnly": true, "fsType": "ext4",
                              "volumeAttributes": {"any": "thing"},
                              "nodePublishSecretRef": {"name": "s"}}},
      {"name": "eph", "ephemeral": {"volumeClaimTemplate": {
        "metadata": {"labels": {"a": "b"}},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                 "resources": {"requests": {"storage": "1Gi"}},
                 "dataSourceRef": {"apiGroup": "", "kind": "PersistentVolumeClaim", "name": "src"}}}}},
      {"name": "img", "image": {"reference": "example.com/data:1", "pullPolicy": "IfNotPresent"}},
      {"name": "nfs", "nfs": {"server": "10.0.0.1", "path": "/export", "readOnly": true}},
      {"name": "raw", "iscsi": {"targetPortal": "10.0.0.2:3260", "iqn": "iqn.x", "lun": 0,
                                "secretRef": {"name": "s"}}}
    ],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "activeDeadlineSeconds": 3600,
    "dnsPolicy": "ClusterFirst",
    "dnsConfig": {"nameservers": ["1.1.1.1"], "searches": ["svc.local"],
                  "options": [{"name": "ndots", "value": "2"}]},
    "nodeSelector": {"kubernetes.io/os": "linux", "example.com/anything": "goes"},
    "serviceAccountName": "web",
    "serviceAccount": "web",
    "automountServiceAccountToken": false,
    "nodeName": "node-1",
    "hostNetwork": false, "hostPID": false, "hostIPC": false, "shareProcessNamespace": false,
    "hostUsers": true,
    "securityContext": {"fsGroup": 2000, "fsGroupChangePolicy": "OnRootMismatch",
                        "supplementalGroups": [3000], "supplementalGroupsPolicy": "Merge",
                        "seLinuxChangePolicy": "MountOption",
                        "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}],
                        "seccompProfile": {"type": "RuntimeDefault"}},
    "imagePullSecrets": [{"name": "registry"}],
    "hostname": "web", "subdomain": "web", "setHostnameAsFQDN": false,
    "affinity": {
      "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
          {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}],
           "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n"]}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [
          {"weight": 1, "preference": {"matchExpressions": [{"key": "ssd", "operator": "Exists"}]}}]},
      "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname",
         "namespaces": ["default"], "namespaceSelector": {}, "matchLabelKeys": ["pod-template-hash"],
         "mismatchLabelKeys": []}]},
      "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchExpressions": [
          {"key": "app", "operator": "In", "values": ["web"]}]}, "topologyKey": "zone"}}]}
    },
    "schedulerName": "default-scheduler",
    "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                     "effect": "NoExecute", "tolerationSeconds": 300}],
    "hostAliases": [{"ip": "127.0.0.1", "hostnames": ["local"]}],
    "priorityClassName": "high", "priority": 1000, "preemptionPolicy": "PreemptLowerPriority",
    "readinessGates": [{"conditionType": "example.com/ready"}],
    "runtimeClassName": "runc",
    "enableServiceLinks": true,
    "overhead": {"cpu": "10m"},
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                                   "whenUnsatisfiable": "DoNotSchedule",
                                   "labelSelector": {"matchLabels": {"app": "web"}},
                                   "minDomains": 2, "nodeAffinityPolicy": "Honor",
                                   "nodeTaintsPolicy": "Ignore", "matchLabelKeys": ["x"]}],
    "os": {"name": "linux"},
    "schedulingGates": [{"name": "example.com/gate"}],
    "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu-template"}],
    "resources": {"limits": {"cpu": "2"}}
  },
  "status": {
    "phase": "Running",
    "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null,
                    "lastTransitionTime": "2025-01-01T00:00:05Z", "reason": "", "message": ""}],
    "message": "", "reason": "", "nominatedNodeName": "",
    "hostIP": "192.0.2.10", "hostIPs": [{"ip": "192.0.2.10"}],
    "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}, {"ip": "fd00::5"}],
    "startTime": "2025-01-01T00:00:01Z",
    "initContainerStatuses": [{"name": "setup", "state": {"terminated": {
      "exitCode": 0, "signal": 0, "reason": "Completed", "message": "", "startedAt": "2025-01-01T00:00:01Z",
      "finishedAt": "2025-01-01T00:00:02Z", "containerID": "containerd://1"}},
      "lastState": {}, "ready": true, "restartCount": 0, "image": "busybox:1.36",
      "imageID": "docker.io/library/busybox@sha256:1", "containerID": "containerd://1"}],
    "containerStatuses": [{
      "name": "web",
      "state": {"running": {"startedAt": "2025-01-01T00:00:03Z"}},
      "lastState": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
      "ready": true, "started": true, "restartCount": 1,
      "image": "docker.io/library/nginx:1.27", "imageID": "docker.io/library/nginx@sha256:2",
      "containerID": "containerd://2",
      "allocatedResources": {"cpu": "100m", "memory": "64Mi"},
      "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}},
      "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": true,
                        "recursiveReadOnly": "Enabled"}],
      "user": {"linux": {"uid": 1000, "gid": 1000, "supplementalGroups": [1000, 3000]}},
      "allocatedResourcesStatus": [{"name": "claim:gpu", "resources": [
        {"resourceID": "gpu-0", "health": "Healthy"}]}]
    }],
    "ephemeralContainerStatuses": [],
    "qosClass": "Burstable",
    "resize": "",
    "resourceClaimStatuses": [{"name": "gpu", "resourceClaimName": "web-gpu-x"}]
  }
})");
}

json FullDeployment() {
  return json::parse(R"({
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
               "annotations": {"deployment.kubernetes.io/revision": "3"}},
  "spec": {
    "replicas": 3,
    "selector": {"matchLabels": {"app": "web"},
                 "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]},
    "template": {
      "metadata": {"labels": {"app": "web"}, "annotations": {"a": "b"}},
      "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                               "ports": [{"containerPort": 80}],
                               "resources": {"limits": {"cpu": "1"}}}],
               "terminationGracePeriodSeconds": 30}
    },
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
    "minReadySeconds": 5,
    "revisionHistoryLimit": 10,
    "paused": false,
    "progressDeadlineSeconds": 600
  },
  "status": {
    "observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
    "availableReplicas": 3, "unavailableReplicas": 0, "collisionCount": 0,
    "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                    "message": "ok", "lastUpdateTime": "2025-01-01T00:00:00Z",
                    "lastTransitionTime": "2025-01-01T00:00:00Z"}]
  }
})");
}

// A node as the kubelet registers it and then reports its status.
json KubeletNode() {
  return json::parse(R"({
  "apiVersion": "v1",
  "kind": "Node",
  "metadata": {
    "name": "node-1",
    "labels": {"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux",
               "kubernetes.io/arch": "amd64", "node.kubernetes.io/exclude-from-external-load-balancers": ""},
    "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach": "true"}
  },
  "spec": {
    "podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24", "fd00:1::/64"],
    "providerID": "hostlet://node-1", "unschedulable": false,
    "taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule",
                "timeAdded": "2025-01-01T00:00:00Z"}]
  },
  "status": {
    "capacity": {"cpu": "2", "memory": "24Gi", "pods": "110", "ephemeral-storage": "100Gi",
                 "hugepages-2Mi": "0", "example.com/device": "4"},
    "allocatable": {"cpu": "2", "memory": "23Gi", "pods": "110"},
    "phase": "",
    "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                    "lastTransitionTime": "2025-01-01T00:00:00Z", "reason": "KubeletReady",
                    "message": "kubelet is posting ready status"}],
    "addresses": [{"type": "InternalIP", "address": "192.0.2.10"},
                  {"type": "Hostname", "address": "node-1"}],
    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
    "nodeInfo": {"machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "6.1.0",
                 "osImage": "Debian GNU/Linux 12", "containerRuntimeVersion": "hostlet://1.0",
                 "kubeletVersion": "v1.32.0", "kubeProxyVersion": "", "operatingSystem": "linux",
                 "architecture": "amd64"},
    "images": [{"names": ["docker.io/library/nginx:1.27"], "sizeBytes": 70000000}],
    "volumesInUse": ["kubernetes.io/csi/x^y"],
    "volumesAttached": [{"name": "kubernetes.io/csi/x^y", "devicePath": ""}],
    "config": {"active": {"configMap": {"name": "k", "namespace": "kube-system",
                                        "kubeletConfigKey": "kubelet"}}, "error": ""},
    "runtimeHandlers": [{"name": "runc", "features": {"recursiveReadOnlyMounts": true,
                                                      "userNamespaces": false}}],
    "features": {"supplementalGroupsPolicy": true}
  }
})");
}

json FullService() {
  return json::parse(R"({
  "apiVersion": "v1",
  "kind": "Service",
  "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
  "spec": {
    "type": "LoadBalancer",
    "selector": {"app": "web"},
    "ports": [{"name": "http", "protocol": "TCP", "appProtocol": "http", "port": 80,
               "targetPort": "http", "nodePort": 30080}],
    "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
    "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
    "externalIPs": [], "sessionAffinity": "ClientIP",
    "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
    "loadBalancerIP": "", "loadBalancerSourceRanges": ["0.0.0.0/0"], "loadBalancerClass": "x",
    "externalTrafficPolicy": "Local", "healthCheckNodePort": 31000,
    "internalTrafficPolicy": "Cluster", "publishNotReadyAddresses": false,
    "allocateLoadBalancerNodePorts": true, "trafficDistribution": "PreferClose"
  },
  "status": {
    "loadBalancer": {"ingress": [{"ip": "192.0.2.100", "ipMode": "VIP",
                                  "ports": [{"port": 80, "protocol": "TCP", "error": null}]}]},
    "conditions": [{"type": "Ready", "status": "True", "observedGeneration": 1,
                    "lastTransitionTime": "2025-01-01T00:00:00Z", "reason": "R", "message": ""}]
  }
})");
}

json NodeLease() {
  return json::parse(R"({
  "apiVersion": "coordination.k8s.io/v1",
  "kind": "Lease",
  "metadata": {"name": "node-1", "namespace": "kube-node-lease",
               "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "u"}]},
  "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40,
           "acquireTime": "2025-01-01T00:00:00.000000Z", "renewTime": "2025-01-01T00:00:10.000000Z",
           "leaseTransitions": 0}
})");
}

json SchedulerEvent() {
  return json::parse(R"({
  "apiVersion": "v1",
  "kind": "Event",
  "metadata": {"name": "web.17a", "namespace": "default"},
  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u",
                     "apiVersion": "v1", "resourceVersion": "1", "fieldPath": "spec.containers{web}"},
  "reason": "Scheduled",
  "message": "Successfully assigned default/web to node-1",
  "source": {"component": "default-scheduler", "host": ""},
  "firstTimestamp": "2025-01-01T00:00:00Z",
  "lastTimestamp": "2025-01-01T00:00:00Z",
  "count": 1,
  "type": "Normal",
  "eventTime": "2025-01-01T00:00:00.000000Z",
  "series": {"count": 2, "lastObservedTime": "2025-01-01T00:00:05.000000Z"},
  "action": "Binding",
  "related": {"kind": "Node", "name": "node-1"},
  "reportingComponent": "default-scheduler",
  "reportingInstance": "scheduler-1"
})");
}

TEST(FieldSchemaTest, FullObjectsHaveNoUnknownFields) {
  EXPECT_THAT(UnknownFields("", "Pod", FullPod()), IsEmpty());
  EXPECT_THAT(UnknownFields("apps", "Deployment", FullDeployment()), IsEmpty());
  EXPECT_THAT(UnknownFields("", "Node", KubeletNode()), IsEmpty());
  EXPECT_THAT(UnknownFields("", "Service", FullService()), IsEmpty());
  EXPECT_THAT(UnknownFields("coordination.k8s.io", "Lease", NodeLease()), IsEmpty());
  EXPECT_THAT(UnknownFields("", "Event", SchedulerEvent()), IsEmpty());
}

TEST(FieldSchemaTest, OtherServedKindsHaveNoUnknownFields) {
  auto meta = json{{"name", "x"}, {"labels", {{"a", "b"}}}};
  EXPECT_THAT(
      UnknownFields(
          "", "Namespace",
          {{"apiVersion", "v1"},
           {"kind", "Namespace"},
           {"metadata", meta},
           {"spec", {{"finalizers", {"kubernetes"}}}},
           {"status",
            {{"phase", "Active"}, {"conditions", {{{"type", "T"}, {"status", "False"}}}}}}}),
      IsEmpty());
  EXPECT_THAT(UnknownFields("", "ConfigMap",
                            {{"metadata", meta},
                             {"data", {{"app.conf", "x"}, {"ANY_KEY", "y"}}},
                             {"binaryData", {{"blob", "AAEC"}}},
                             {"immutable", true}}),
              IsEmpty());
  EXPECT_THAT(UnknownFields("", "Secret",
                            {{"metadata", meta},
                             {"type", "Opaque"},
                             {"data", {{"token", "dG9r"}}},
                             {"stringData", {{"password", "p"}}}}),
              IsEmpty());
  EXPECT_THAT(
      UnknownFields("", "Endpoints",
                    {{"metadata", meta},
                     {"subsets",
                      {{{"addresses",
                         {{{"ip", "10.244.0.5"},
                           {"nodeName", "node-1"},
                           {"targetRef", {{"kind", "Pod"}, {"name", "web"}}}}}},
                        {"notReadyAddresses", json::array()},
                        {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}}}}}}}),
      IsEmpty());
  EXPECT_THAT(UnknownFields("", "ServiceAccount",
                            {{"metadata", meta},
                             {"secrets", {{{"name", "t"}}}},
                             {"imagePullSecrets", {{{"name", "r"}}}},
                             {"automountServiceAccountToken", false}}),
              IsEmpty());
  EXPECT_THAT(
      UnknownFields("", "PersistentVolume",
                    {{"metadata", meta},
                     {"spec",
                      {{"capacity", {{"storage", "1Gi"}}},
                       {"accessModes", {"ReadWriteOnce"}},
                       {"persistentVolumeReclaimPolicy", "Delete"},
                       {"storageClassName", "fast"},
                       {"volumeMode", "Filesystem"},
                       {"claimRef", {{"namespace", "default"}, {"name", "data"}}},
                       {"csi",
                        {{"driver", "csi.example.com"},
                         {"volumeHandle", "vol-1"},
                         {"volumeAttributes", {{"k", "v"}}},
                         {"nodeStageSecretRef", {{"name", "s"}, {"namespace", "n"}}}}},
                       {"nodeAffinity",
                        {{"required",
                          {{"nodeSelectorTerms",
                            {{{"matchExpressions",
                               {{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}}}}}}}}}},
                       {"mountOptions", {"ro"}}}},
                     {"status", {{"phase", "Bound"}, {"lastPhaseTransitionTime", "t"}}}}),
      IsEmpty());
  EXPECT_THAT(
      UnknownFields("", "PersistentVolumeClaim",
                    {{"metadata", meta},
                     {"spec",
                      {{"accessModes", {"ReadWriteOnce"}},
                       {"resources", {{"requests", {{"storage", "1Gi"}}}}},
                       {"selector", {{"matchLabels", {{"a", "b"}}}}},
                       {"volumeName", "pv-1"},
                       {"volumeAttributesClassName", "gold"}}},
                     {"status",
                      {{"phase", "Bound"},
                       {"capacity", {{"storage", "1Gi"}}},
                       {"allocatedResourceStatuses", {{"storage", "ControllerResizeInProgress"}}},
                       {"modifyVolumeStatus", {{"status", "Pending"}}}}}}),
      IsEmpty());
  EXPECT_THAT(
      UnknownFields("", "Binding",
                    {{"apiVersion", "v1"},
                     {"kind", "Binding"},
                     {"metadata", {{"name", "web"}}},
                     {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", "node-1"}}}}),
      IsEmpty());
  EXPECT_THAT(UnknownFields("autoscaling", "Scale",
                            {{"apiVersion", "autoscaling/v1"},
                             {"kind", "Scale"},
                             {"metadata", {{"name", "web"}}},
                             {"spec", {{"replicas", 5}}},
                             {"status", {{"replicas", 3}, {"selector", "app=web"}}}}),
              IsEmpty());
  json replica_set = FullDeployment();
  replica_set["kind"] = "ReplicaSet";
  replica_set["spec"].erase("strategy");
  replica_set["spec"].erase("revisionHistoryLimit");
  replica_set["spec"].erase("paused");
  replica_set["spec"].erase("progressDeadlineSeconds");
  replica_set["status"] = {{"replicas", 3}, {"fullyLabeledReplicas", 3}, {"availableReplicas", 3}};
  EXPECT_THAT(UnknownFields("apps", "ReplicaSet", replica_set), IsEmpty());
  EXPECT_THAT(
      UnknownFields("storage.k8s.io", "StorageClass",
                    {{"metadata", meta},
                     {"provisioner", "csi.example.com"},
                     {"parameters", {{"type", "ssd"}, {"csi.storage.k8s.io/fstype", "xfs"}}},
                     {"reclaimPolicy", "Delete"},
                     {"volumeBindingMode", "WaitForFirstConsumer"},
                     {"allowVolumeExpansion", true},
                     {"mountOptions", {"discard"}},
                     {"allowedTopologies",
                      {{{"matchLabelExpressions", {{{"key", "zone"}, {"values", {"a", "b"}}}}}}}}}),
      IsEmpty());
  EXPECT_THAT(UnknownFields("storage.k8s.io", "CSIDriver",
                            {{"metadata", meta},
                             {"spec",
                              {{"attachRequired", false},
                               {"podInfoOnMount", true},
                               {"volumeLifecycleModes", {"Persistent", "Ephemeral"}},
                               {"storageCapacity", false},
                               {"fsGroupPolicy", "File"},
                               {"tokenRequests", {{{"audience", "a"}, {"expirationSeconds", 600}}}},
                               {"requiresRepublish", false},
                               {"seLinuxMount", true}}}}),
              IsEmpty());
  EXPECT_THAT(UnknownFields("storage.k8s.io", "CSINode",
                            {{"metadata", meta},
                             {"spec",
                              {{"drivers",
                                {{{"name", "csi.example.com"},
                                  {"nodeID", "node-1"},
                                  {"topologyKeys", {"zone"}},
                                  {"allocatable", {{"count", 16}}}}}}}}}),
              IsEmpty());
}

TEST(FieldSchemaTest, ReportsTyposAtEveryDepthWithUpstreamPaths) {
  json pod = FullPod();
  pod["specc"] = json::object();
  pod["metadata"]["lables"] = {{"a", "b"}};
  pod["metadata"]["ownerReferences"][0]["controler"] = true;
  pod["spec"]["containers"][0]["imagePullPolicyy"] = "Always";
  pod["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/";
  pod["spec"]["containers"][0]["env"][3]["valueFrom"]["configMapKeyRef"]["optinal"] = true;
  pod["spec"]["volumes"][2]["configMap"]["itemz"] = json::array();
  pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
     ["nodeSelectorTerms"][0]["matchExpressions"][0]["operater"] = "In";
  pod["status"]["containerStatuses"][0]["state"]["running"]["startedAtt"] = "x";
  EXPECT_THAT(
      UnknownFields("", "Pod", pod),
      ElementsAre("metadata.lables", "metadata.ownerReferences[0].controler",
                  "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                  ".nodeSelectorTerms[0].matchExpressions[0].operater",
                  "spec.containers[0].env[3].valueFrom.configMapKeyRef.optinal",
                  "spec.containers[0].imagePullPolicyy",
                  "spec.containers[0].livenessProbe.httpGet.paht",
                  "spec.volumes[2].configMap.itemz", "specc",
                  "status.containerStatuses[0].state.running.startedAtt"));

  json deployment = FullDeployment();
  deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limts"] = {{"cpu", "1"}};
  deployment["spec"]["template"]["spec"]["containers"].push_back(
      {{"name", "side"}, {"image", "busybox"}, {"comand", {"sh"}}});
  deployment["spec"]["strategy"]["rollingUpdate"]["maxSurg"] = 1;
  EXPECT_THAT(UnknownFields("apps", "Deployment", deployment),
              ElementsAre("spec.strategy.rollingUpdate.maxSurg",
                          "spec.template.spec.containers[0].resources.limts",
                          "spec.template.spec.containers[1].comand"));

  json node = KubeletNode();
  node["status"]["daemonEndpoints"]["kubeletEndpoint"]["port"] = 10250;  // the field is "Port"
  EXPECT_THAT(UnknownFields("", "Node", node),
              ElementsAre("status.daemonEndpoints.kubeletEndpoint.port"));
}

TEST(FieldSchemaTest, ValueOfAnUnknownFieldIsNotLookedInto) {
  json service = FullService();
  service["spec"]["extra"] = {{"deep", {{"deeper", 1}}}};
  EXPECT_THAT(UnknownFields("", "Service", service), ElementsAre("spec.extra"));
}

TEST(FieldSchemaTest, MapsAndFreeFormFieldsTakeAnyKey) {
  json pod = FullPod();
  pod["metadata"]["labels"]["whatever.example.com/any-key"] = "v";
  pod["metadata"]["annotations"]["spec"] = "not a field";
  pod["metadata"]["managedFields"][0]["fieldsV1"]["f:status"] = {{"f:anything", {{".", {}}}}};
  pod["spec"]["nodeSelector"]["imagePullPolicyy"] = "x";
  pod["spec"]["containers"][0]["resources"]["requests"]["example.com/foo"] = "1";
  pod["spec"]["overhead"]["memory"] = "1Mi";
  pod["status"]["containerStatuses"][0]["allocatedResources"]["hugepages-1Gi"] = "0";
  EXPECT_THAT(UnknownFields("", "Pod", pod), IsEmpty());

  json node = KubeletNode();
  node["status"]["capacity"]["example.com/new-device"] = "8";
  EXPECT_THAT(UnknownFields("", "Node", node), IsEmpty());
}

TEST(FieldSchemaTest, ValuesOfTheWrongTypeAreNotUnknownFields) {
  // A string where an object belongs, or an object where a list belongs, fails decoding for
  // another reason; it has no fields of its own.
  EXPECT_THAT(UnknownFields("", "Pod", {{"spec", "oops"}}), IsEmpty());
  EXPECT_THAT(UnknownFields("", "Pod", {{"spec", {{"containers", {{"name", "x"}}}}}}), IsEmpty());
  EXPECT_THAT(UnknownFields("", "Pod", {{"spec", {{"containers", {1, "two", nullptr}}}}}),
              IsEmpty());
  EXPECT_THAT(UnknownFields("", "Pod", json::array()), IsEmpty());
}

TEST(FieldSchemaTest, KindsWithoutSchemaHaveNoUnknownFields) {
  json object = {{"spec", {{"anything", 1}}}, {"bogus", true}};
  EXPECT_THAT(UnknownFields("", "Widget", object), IsEmpty());
  EXPECT_THAT(UnknownFields("apps", "DaemonSet", object), IsEmpty());
  // The group is part of the kind: Deployment is apps', not the core group's.
  EXPECT_THAT(UnknownFields("", "Deployment", object), IsEmpty());
  EXPECT_THAT(UnknownFields("apps", "Deployment", object), ElementsAre("bogus", "spec.anything"));
}

TEST(FieldSchemaTest, StopsAtAHundredAsUpstream) {
  json object = json::object();
  for (int i = 0; i < 150; ++i) object["f" + std::to_string(1000 + i)] = i;
  auto unknown = UnknownFields("", "ConfigMap", object);
  ASSERT_EQ(unknown.size(), 100u);
  EXPECT_EQ(unknown.front(), "f1000");
  EXPECT_EQ(unknown.back(), "f1099");
}

TEST(FieldSchemaTest, StrictDecodingMessageIsWordedAsUpstream) {
  EXPECT_EQ(StrictDecodingMessage("Deployment", "v1",
                                  {"spec.template.spec.containers[0].imagePullPolicyy", "spec.foo",
                                   "spec.template.spec.containers[0].imagePullPolicyy"}),
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding "
            "error: unknown field \"spec.template.spec.containers[0].imagePullPolicyy\", unknown "
            "field \"spec.foo\"");
  EXPECT_EQ(StrictDecodingMessage("Pod", "v1", {"metadata.a\"b\\c\n"}),
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown "
            "field \"metadata.a\\\"b\\\\c\\n\"");
}

}  // namespace
}  // namespace hostlet::apiserver
