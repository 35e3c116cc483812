// Field names of the core/v1 kinds and the types they use; see field_schema_data.h for the
// notation. Each kind comes first, then the types it is the first to use.
#include "controlplane/apiserver/field_schema_data.h"

namespace hostlet::apiserver::field_schema {
namespace {

constexpr TypeFields kCore[] = {
    // Namespace.
    {"Namespace", "apiVersion kind metadata:ObjectMeta spec:NamespaceSpec status:NamespaceStatus"},
    {"ObjectMeta",
     "annotations creationTimestamp deletionGracePeriodSeconds deletionTimestamp finalizers "
     "generateName generation labels managedFields:[]ManagedFieldsEntry name namespace "
     "ownerReferences:[]OwnerReference resourceVersion selfLink uid"},
    {"ManagedFieldsEntry", "apiVersion fieldsType fieldsV1 manager operation subresource time"},
    {"OwnerReference", "apiVersion blockOwnerDeletion controller kind name uid"},
    {"NamespaceSpec", "finalizers"},
    {"NamespaceStatus", "conditions:[]NamespaceCondition phase"},
    {"NamespaceCondition", "lastTransitionTime message reason status type"},
    // Node.
    {"Node", "apiVersion kind metadata:ObjectMeta spec:NodeSpec status:NodeStatus"},
    {"NodeSpec",
     "configSource:NodeConfigSource externalID podCIDR podCIDRs providerID taints:[]Taint "
     "unschedulable"},
    {"NodeConfigSource", "configMap:ConfigMapNodeConfigSource"},
    {"ConfigMapNodeConfigSource", "kubeletConfigKey name namespace resourceVersion uid"},
    {"Taint", "effect key timeAdded value"},
    {"NodeStatus",
     "addresses:[]NodeAddress allocatable capacity conditions:[]NodeCondition "
     "config:NodeConfigStatus daemonEndpoints:NodeDaemonEndpoints features:NodeFeatures "
     "images:[]ContainerImage nodeInfo:NodeSystemInfo phase "
     "runtimeHandlers:[]NodeRuntimeHandler volumesAttached:[]AttachedVolume volumesInUse"},
    {"NodeAddress", "address type"},
    {"NodeCondition", "lastHeartbeatTime lastTransitionTime message reason status type"},
    {"NodeConfigStatus",
     "active:NodeConfigSource assigned:NodeConfigSource error lastKnownGood:NodeConfigSource"},
    {"NodeDaemonEndpoints", "kubeletEndpoint:DaemonEndpoint"},
    {"DaemonEndpoint", "Port"},
    {"NodeFeatures", "supplementalGroupsPolicy"},
    {"ContainerImage", "names sizeBytes"},
    {"NodeSystemInfo",
     "architecture bootID containerRuntimeVersion kernelVersion kubeProxyVersion "
     "kubeletVersion machineID operatingSystem osImage systemUUID"},
    {"NodeRuntimeHandler", "features:NodeRuntimeHandlerFeatures name"},
    {"NodeRuntimeHandlerFeatures", "recursiveReadOnlyMounts userNamespaces"},
    {"AttachedVolume", "devicePath name"},
    // Pod.
    {"Pod", "apiVersion kind metadata:ObjectMeta spec:PodSpec status:PodStatus"},
    {"PodSpec",
     "activeDeadlineSeconds affinity:Affinity automountServiceAccountToken "
     "containers:[]Container dnsConfig:PodDNSConfig dnsPolicy enableServiceLinks "
     "ephemeralContainers:[]EphemeralContainer hostAliases:[]HostAlias hostIPC hostNetwork "
     "hostPID hostUsers hostname imagePullSecrets:[]LocalObjectReference "
     "initContainers:[]Container nodeName nodeSelector os:PodOS overhead preemptionPolicy "
     "priority priorityClassName readinessGates:[]PodReadinessGate "
     "resourceClaims:[]PodResourceClaim resources:ResourceRequirements restartPolicy "
     "runtimeClassName schedulerName schedulingGates:[]PodSchedulingGate "
     "securityContext:PodSecurityContext serviceAccount serviceAccountName setHostnameAsFQDN "
     "shareProcessNamespace subdomain terminationGracePeriodSeconds tolerations:[]Toleration "
     "topologySpreadConstraints:[]TopologySpreadConstraint volumes:[]Volume"},
    {"Affinity",
     "nodeAffinity:NodeAffinity podAffinity:PodAffinity podAntiAffinity:PodAntiAffinity"},
    {"NodeAffinity",
     "preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm "
     "requiredDuringSchedulingIgnoredDuringExecution:NodeSelector"},
    {"PreferredSchedulingTerm", "preference:NodeSelectorTerm weight"},
    {"NodeSelectorTerm",
     "matchExpressions:[]NodeSelectorRequirement matchFields:[]NodeSelectorRequirement"},
    {"NodeSelectorRequirement", "key operator values"},
    {"NodeSelector", "nodeSelectorTerms:[]NodeSelectorTerm"},
    {"PodAffinity",
     "preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm "
     "requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm"},
    {"WeightedPodAffinityTerm", "podAffinityTerm:PodAffinityTerm weight"},
    {"PodAffinityTerm",
     "labelSelector:LabelSelector matchLabelKeys mismatchLabelKeys "
     "namespaceSelector:LabelSelector namespaces topologyKey"},
    {"LabelSelector", "matchExpressions:[]LabelSelectorRequirement matchLabels"},
    {"LabelSelectorRequirement", "key operator values"},
    {"PodAntiAffinity",
     "preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm "
     "requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm"},
    {"Container",
     "args command env:[]EnvVar envFrom:[]EnvFromSource image imagePullPolicy "
     "lifecycle:Lifecycle livenessProbe:Probe name ports:[]ContainerPort readinessProbe:Probe "
     "resizePolicy:[]ContainerResizePolicy resources:ResourceRequirements restartPolicy "
     "securityContext:SecurityContext startupProbe:Probe stdin stdinOnce "
     "terminationMessagePath terminationMessagePolicy tty volumeDevices:[]VolumeDevice "
     "volumeMounts:[]VolumeMount workingDir"},
    {"EnvVar", "name value valueFrom:EnvVarSource"},
    {"EnvVarSource",
     "configMapKeyRef:ConfigMapKeySelector fieldRef:ObjectFieldSelector "
     "resourceFieldRef:ResourceFieldSelector secretKeyRef:SecretKeySelector"},
    {"ConfigMapKeySelector", "key name optional"},
    {"ObjectFieldSelector", "apiVersion fieldPath"},
    {"ResourceFieldSelector", "containerName divisor resource"},
    {"SecretKeySelector", "key name optional"},
    {"EnvFromSource", "configMapRef:ConfigMapEnvSource prefix secretRef:SecretEnvSource"},
    {"ConfigMapEnvSource", "name optional"},
    {"SecretEnvSource", "name optional"},
    {"Lifecycle", "postStart:LifecycleHandler preStop:LifecycleHandler"},
    {"LifecycleHandler",
     "exec:ExecAction httpGet:HTTPGetAction sleep:SleepAction tcpSocket:TCPSocketAction"},
    {"ExecAction", "command"},
    {"HTTPGetAction", "host httpHeaders:[]HTTPHeader path port scheme"},
    {"HTTPHeader", "name value"},
    {"SleepAction", "seconds"},
    {"TCPSocketAction", "host port"},
    {"Probe",
     "exec:ExecAction failureThreshold grpc:GRPCAction httpGet:HTTPGetAction "
     "initialDelaySeconds periodSeconds successThreshold tcpSocket:TCPSocketAction "
     "terminationGracePeriodSeconds timeoutSeconds"},
    {"GRPCAction", "port service"},
    {"ContainerPort", "containerPort hostIP hostPort name protocol"},
    {"ContainerResizePolicy", "resourceName restartPolicy"},
    {"ResourceRequirements", "claims:[]ResourceClaim limits requests"},
    {"ResourceClaim", "name request"},
    {"SecurityContext",
     "allowPrivilegeEscalation appArmorProfile:AppArmorProfile capabilities:Capabilities "
     "privileged procMount readOnlyRootFilesystem runAsGroup runAsNonRoot runAsUser "
     "seLinuxOptions:SELinuxOptions seccompProfile:SeccompProfile "
     "windowsOptions:WindowsSecurityContextOptions"},
    {"AppArmorProfile", "localhostProfile type"},
    {"Capabilities", "add drop"},
    {"SELinuxOptions", "level role type user"},
    {"SeccompProfile", "localhostProfile type"},
    {"WindowsSecurityContextOptions",
     "gmsaCredentialSpec gmsaCredentialSpecName hostProcess runAsUserName"},
    {"VolumeDevice", "devicePath name"},
    {"VolumeMount",
     "mountPath mountPropagation name readOnly recursiveReadOnly subPath subPathExpr"},
    {"PodDNSConfig", "nameservers options:[]PodDNSConfigOption searches"},
    {"PodDNSConfigOption", "name value"},
    {"EphemeralContainer",
     "args command env:[]EnvVar envFrom:[]EnvFromSource image imagePullPolicy "
     "lifecycle:Lifecycle livenessProbe:Probe name ports:[]ContainerPort readinessProbe:Probe "
     "resizePolicy:[]ContainerResizePolicy resources:ResourceRequirements restartPolicy "
     "securityContext:SecurityContext startupProbe:Probe stdin stdinOnce targetContainerName "
     "terminationMessagePath terminationMessagePolicy tty volumeDevices:[]VolumeDevice "
     "volumeMounts:[]VolumeMount workingDir"},
    {"HostAlias", "hostnames ip"},
    {"LocalObjectReference", "name"},
    {"PodOS", "name"},
    {"PodReadinessGate", "conditionType"},
    {"PodResourceClaim", "name resourceClaimName resourceClaimTemplateName"},
    {"PodSchedulingGate", "name"},
    {"PodSecurityContext",
     "appArmorProfile:AppArmorProfile fsGroup fsGroupChangePolicy runAsGroup runAsNonRoot "
     "runAsUser seLinuxChangePolicy seLinuxOptions:SELinuxOptions "
     "seccompProfile:SeccompProfile supplementalGroups supplementalGroupsPolicy "
     "sysctls:[]Sysctl windowsOptions:WindowsSecurityContextOptions"},
    {"Sysctl", "name value"},
    {"Toleration", "effect key operator tolerationSeconds value"},
    {"TopologySpreadConstraint",
     "labelSelector:LabelSelector matchLabelKeys maxSkew minDomains nodeAffinityPolicy "
     "nodeTaintsPolicy topologyKey whenUnsatisfiable"},
    {"Volume",
     "awsElasticBlockStore:AWSElasticBlockStoreVolumeSource azureDisk:AzureDiskVolumeSource "
     "azureFile:AzureFileVolumeSource cephfs:CephFSVolumeSource cinder:CinderVolumeSource "
     "configMap:ConfigMapVolumeSource csi:CSIVolumeSource downwardAPI:DownwardAPIVolumeSource "
     "emptyDir:EmptyDirVolumeSource ephemeral:EphemeralVolumeSource fc:FCVolumeSource "
     "flexVolume:FlexVolumeSource flocker:FlockerVolumeSource "
     "gcePersistentDisk:GCEPersistentDiskVolumeSource gitRepo:GitRepoVolumeSource "
     "glusterfs:GlusterfsVolumeSource hostPath:HostPathVolumeSource image:ImageVolumeSource "
     "iscsi:ISCSIVolumeSource name nfs:NFSVolumeSource "
     "persistentVolumeClaim:PersistentVolumeClaimVolumeSource "
     "photonPersistentDisk:PhotonPersistentDiskVolumeSource "
     "portworxVolume:PortworxVolumeSource projected:ProjectedVolumeSource "
     "quobyte:QuobyteVolumeSource rbd:RBDVolumeSource scaleIO:ScaleIOVolumeSource "
     "secret:SecretVolumeSource storageos:StorageOSVolumeSource "
     "vsphereVolume:VsphereVirtualDiskVolumeSource"},
    {"AWSElasticBlockStoreVolumeSource", "fsType partition readOnly volumeID"},
    {"AzureDiskVolumeSource", "cachingMode diskName diskURI fsType kind readOnly"},
    {"AzureFileVolumeSource", "readOnly secretName shareName"},
    {"CephFSVolumeSource", "monitors path readOnly secretFile secretRef:LocalObjectReference user"},
    {"CinderVolumeSource", "fsType readOnly secretRef:LocalObjectReference volumeID"},
    {"ConfigMapVolumeSource", "defaultMode items:[]KeyToPath name optional"},
    {"KeyToPath", "key mode path"},
    {"CSIVolumeSource",
     "driver fsType nodePublishSecretRef:LocalObjectReference readOnly volumeAttributes"},
    {"DownwardAPIVolumeSource", "defaultMode items:[]DownwardAPIVolumeFile"},
    {"DownwardAPIVolumeFile",
     "fieldRef:ObjectFieldSelector mode path resourceFieldRef:ResourceFieldSelector"},
    {"EmptyDirVolumeSource", "medium sizeLimit"},
    {"EphemeralVolumeSource", "volumeClaimTemplate:PersistentVolumeClaimTemplate"},
    {"PersistentVolumeClaimTemplate", "metadata:ObjectMeta spec:PersistentVolumeClaimSpec"},
    {"PersistentVolumeClaimSpec",
     "accessModes dataSource:TypedLocalObjectReference dataSourceRef:TypedObjectReference "
     "resources:VolumeResourceRequirements selector:LabelSelector storageClassName "
     "volumeAttributesClassName volumeMode volumeName"},
    {"TypedLocalObjectReference", "apiGroup kind name"},
    {"TypedObjectReference", "apiGroup kind name namespace"},
    {"VolumeResourceRequirements", "limits requests"},
    {"FCVolumeSource", "fsType lun readOnly targetWWNs wwids"},
    {"FlexVolumeSource", "driver fsType options readOnly secretRef:LocalObjectReference"},
    {"FlockerVolumeSource", "datasetName datasetUUID"},
    {"GCEPersistentDiskVolumeSource", "fsType partition pdName readOnly"},
    {"GitRepoVolumeSource", "directory repository revision"},
    {"GlusterfsVolumeSource", "endpoints path readOnly"},
    {"HostPathVolumeSource", "path type"},
    {"ImageVolumeSource", "pullPolicy reference"},
    {"ISCSIVolumeSource",
     "chapAuthDiscovery chapAuthSession fsType initiatorName iqn iscsiInterface lun portals "
     "readOnly secretRef:LocalObjectReference targetPortal"},
    {"NFSVolumeSource", "path readOnly server"},
    {"PersistentVolumeClaimVolumeSource", "claimName readOnly"},
    {"PhotonPersistentDiskVolumeSource", "fsType pdID"},
    {"PortworxVolumeSource", "fsType readOnly volumeID"},
    {"ProjectedVolumeSource", "defaultMode sources:[]VolumeProjection"},
    {"VolumeProjection",
     "clusterTrustBundle:ClusterTrustBundleProjection configMap:ConfigMapProjection "
     "downwardAPI:DownwardAPIProjection secret:SecretProjection "
     "serviceAccountToken:ServiceAccountTokenProjection"},
    {"ClusterTrustBundleProjection", "labelSelector:LabelSelector name optional path signerName"},
    {"ConfigMapProjection", "items:[]KeyToPath name optional"},
    {"DownwardAPIProjection", "items:[]DownwardAPIVolumeFile"},
    {"SecretProjection", "items:[]KeyToPath name optional"},
    {"ServiceAccountTokenProjection", "audience expirationSeconds path"},
    {"QuobyteVolumeSource", "group readOnly registry tenant user volume"},
    {"RBDVolumeSource",
     "fsType image keyring monitors pool readOnly secretRef:LocalObjectReference user"},
    {"ScaleIOVolumeSource",
     "fsType gateway protectionDomain readOnly secretRef:LocalObjectReference sslEnabled "
     "storageMode storagePool system volumeName"},
    {"SecretVolumeSource", "defaultMode items:[]KeyToPath optional secretName"},
    {"StorageOSVolumeSource",
     "fsType readOnly secretRef:LocalObjectReference volumeName volumeNamespace"},
    {"VsphereVirtualDiskVolumeSource", "fsType storagePolicyID storagePolicyName volumePath"},
    {"PodStatus",
     "conditions:[]PodCondition containerStatuses:[]ContainerStatus "
     "ephemeralContainerStatuses:[]ContainerStatus hostIP hostIPs:[]HostIP "
     "initContainerStatuses:[]ContainerStatus message nominatedNodeName phase podIP "
     "podIPs:[]PodIP qosClass reason resize resourceClaimStatuses:[]PodResourceClaimStatus "
     "startTime"},
    {"PodCondition", "lastProbeTime lastTransitionTime message reason status type"},
    {"ContainerStatus",
     "allocatedResources allocatedResourcesStatus:[]ResourceStatus containerID image imageID "
     "lastState:ContainerState name ready resources:ResourceRequirements restartCount started "
     "state:ContainerState user:ContainerUser volumeMounts:[]VolumeMountStatus"},
    {"ResourceStatus", "name resources:[]ResourceHealth"},
    {"ResourceHealth", "health resourceID"},
    {"ContainerState",
     "running:ContainerStateRunning terminated:ContainerStateTerminated "
     "waiting:ContainerStateWaiting"},
    {"ContainerStateRunning", "startedAt"},
    {"ContainerStateTerminated", "containerID exitCode finishedAt message reason signal startedAt"},
    {"ContainerStateWaiting", "message reason"},
    {"ContainerUser", "linux:LinuxContainerUser"},
    {"LinuxContainerUser", "gid supplementalGroups uid"},
    {"VolumeMountStatus", "mountPath name readOnly recursiveReadOnly"},
    {"HostIP", "ip"},
    {"PodIP", "ip"},
    {"PodResourceClaimStatus", "name resourceClaimName"},
    // Event.
    {"Event",
     "action apiVersion count eventTime firstTimestamp involvedObject:ObjectReference kind "
     "lastTimestamp message metadata:ObjectMeta reason related:ObjectReference "
     "reportingComponent reportingInstance series:EventSeries source:EventSource type"},
    {"ObjectReference", "apiVersion fieldPath kind name namespace resourceVersion uid"},
    {"EventSeries", "count lastObservedTime"},
    {"EventSource", "component host"},
    // ConfigMap.
    {"ConfigMap", "apiVersion binaryData data immutable kind metadata:ObjectMeta"},
    // Secret.
    {"Secret", "apiVersion data immutable kind metadata:ObjectMeta stringData type"},
    // Service.
    {"Service", "apiVersion kind metadata:ObjectMeta spec:ServiceSpec status:ServiceStatus"},
    {"ServiceSpec",
     "allocateLoadBalancerNodePorts clusterIP clusterIPs externalIPs externalName "
     "externalTrafficPolicy healthCheckNodePort internalTrafficPolicy ipFamilies "
     "ipFamilyPolicy loadBalancerClass loadBalancerIP loadBalancerSourceRanges "
     "ports:[]ServicePort publishNotReadyAddresses selector sessionAffinity "
     "sessionAffinityConfig:SessionAffinityConfig trafficDistribution type"},
    {"ServicePort", "appProtocol name nodePort port protocol targetPort"},
    {"SessionAffinityConfig", "clientIP:ClientIPConfig"},
    {"ClientIPConfig", "timeoutSeconds"},
    {"ServiceStatus", "conditions:[]Condition loadBalancer:LoadBalancerStatus"},
    {"Condition", "lastTransitionTime message observedGeneration reason status type"},
    {"LoadBalancerStatus", "ingress:[]LoadBalancerIngress"},
    {"LoadBalancerIngress", "hostname ip ipMode ports:[]PortStatus"},
    {"PortStatus", "error port protocol"},
    // Endpoints.
    {"Endpoints", "apiVersion kind metadata:ObjectMeta subsets:[]EndpointSubset"},
    {"EndpointSubset",
     "addresses:[]EndpointAddress notReadyAddresses:[]EndpointAddress ports:[]EndpointPort"},
    {"EndpointAddress", "hostname ip nodeName targetRef:ObjectReference"},
    {"EndpointPort", "appProtocol name port protocol"},
    // ServiceAccount.
    {"ServiceAccount",
     "apiVersion automountServiceAccountToken imagePullSecrets:[]LocalObjectReference kind "
     "metadata:ObjectMeta secrets:[]ObjectReference"},
    // PersistentVolume.
    {"PersistentVolume",
     "apiVersion kind metadata:ObjectMeta spec:PersistentVolumeSpec "
     "status:PersistentVolumeStatus"},
    {"PersistentVolumeSpec",
     "accessModes awsElasticBlockStore:AWSElasticBlockStoreVolumeSource "
     "azureDisk:AzureDiskVolumeSource azureFile:AzureFilePersistentVolumeSource capacity "
     "cephfs:CephFSPersistentVolumeSource cinder:CinderPersistentVolumeSource "
     "claimRef:ObjectReference csi:CSIPersistentVolumeSource fc:FCVolumeSource "
     "flexVolume:FlexPersistentVolumeSource flocker:FlockerVolumeSource "
     "gcePersistentDisk:GCEPersistentDiskVolumeSource "
     "glusterfs:GlusterfsPersistentVolumeSource hostPath:HostPathVolumeSource "
     "iscsi:ISCSIPersistentVolumeSource local:LocalVolumeSource mountOptions "
     "nfs:NFSVolumeSource nodeAffinity:VolumeNodeAffinity persistentVolumeReclaimPolicy "
     "photonPersistentDisk:PhotonPersistentDiskVolumeSource "
     "portworxVolume:PortworxVolumeSource quobyte:QuobyteVolumeSource "
     "rbd:RBDPersistentVolumeSource scaleIO:ScaleIOPersistentVolumeSource storageClassName "
     "storageos:StorageOSPersistentVolumeSource volumeAttributesClassName volumeMode "
     "vsphereVolume:VsphereVirtualDiskVolumeSource"},
    {"AzureFilePersistentVolumeSource", "readOnly secretName secretNamespace shareName"},
    {"CephFSPersistentVolumeSource",
     "monitors path readOnly secretFile secretRef:SecretReference user"},
    {"SecretReference", "name namespace"},
    {"CinderPersistentVolumeSource", "fsType readOnly secretRef:SecretReference volumeID"},
    {"CSIPersistentVolumeSource",
     "controllerExpandSecretRef:SecretReference controllerPublishSecretRef:SecretReference "
     "driver fsType nodeExpandSecretRef:SecretReference nodePublishSecretRef:SecretReference "
     "nodeStageSecretRef:SecretReference readOnly volumeAttributes volumeHandle"},
    {"FlexPersistentVolumeSource", "driver fsType options readOnly secretRef:SecretReference"},
    {"GlusterfsPersistentVolumeSource", "endpoints endpointsNamespace path readOnly"},
    {"ISCSIPersistentVolumeSource",
     "chapAuthDiscovery chapAuthSession fsType initiatorName iqn iscsiInterface lun portals "
     "readOnly secretRef:SecretReference targetPortal"},
    {"LocalVolumeSource", "fsType path"},
    {"VolumeNodeAffinity", "required:NodeSelector"},
    {"RBDPersistentVolumeSource",
     "fsType image keyring monitors pool readOnly secretRef:SecretReference user"},
    {"ScaleIOPersistentVolumeSource",
     "fsType gateway protectionDomain readOnly secretRef:SecretReference sslEnabled "
     "storageMode storagePool system volumeName"},
    {"StorageOSPersistentVolumeSource",
     "fsType readOnly secretRef:ObjectReference volumeName volumeNamespace"},
    {"PersistentVolumeStatus", "lastPhaseTransitionTime message phase reason"},
    // PersistentVolumeClaim.
    {"PersistentVolumeClaim",
     "apiVersion kind metadata:ObjectMeta spec:PersistentVolumeClaimSpec "
     "status:PersistentVolumeClaimStatus"},
    {"PersistentVolumeClaimStatus",
     "accessModes allocatedResourceStatuses allocatedResources capacity "
     "conditions:[]PersistentVolumeClaimCondition currentVolumeAttributesClassName "
     "modifyVolumeStatus:ModifyVolumeStatus phase"},
    {"PersistentVolumeClaimCondition",
     "lastProbeTime lastTransitionTime message reason status type"},
    {"ModifyVolumeStatus", "status targetVolumeAttributesClassName"},
    // Binding.
    {"Binding", "apiVersion kind metadata:ObjectMeta target:ObjectReference"},
};

}  // namespace

std::span<const TypeFields> CoreTypes() { return kCore; }

}  // namespace hostlet::apiserver::field_schema
