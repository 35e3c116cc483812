// Field names of the apps/v1, coordination.k8s.io/v1, storage.k8s.io/v1 and autoscaling/v1
// kinds served, and the types only they use (a Deployment's pod template, a StorageClass's
// topology terms); see field_schema_data.h for the notation. The types shared with the core kinds
// (ObjectMeta, PodSpec, LabelSelector...) are in field_schema_core.cc.
#include "controlplane/apiserver/field_schema_data.h"

namespace hostlet::apiserver::field_schema {
namespace {

constexpr TypeFields kGroups[] = {
    // Deployment.
    {"Deployment",
     "apiVersion kind metadata:ObjectMeta spec:DeploymentSpec status:DeploymentStatus"},
    {"DeploymentSpec",
     "minReadySeconds paused progressDeadlineSeconds replicas revisionHistoryLimit "
     "selector:LabelSelector strategy:DeploymentStrategy template:PodTemplateSpec"},
    {"DeploymentStrategy", "rollingUpdate:RollingUpdateDeployment type"},
    {"RollingUpdateDeployment", "maxSurge maxUnavailable"},
    {"PodTemplateSpec", "metadata:ObjectMeta spec:PodSpec"},
    {"DeploymentStatus",
     "availableReplicas collisionCount conditions:[]DeploymentCondition observedGeneration "
     "readyReplicas replicas unavailableReplicas updatedReplicas"},
    {"DeploymentCondition", "lastTransitionTime lastUpdateTime message reason status type"},
    // ReplicaSet.
    {"ReplicaSet",
     "apiVersion kind metadata:ObjectMeta spec:ReplicaSetSpec status:ReplicaSetStatus"},
    {"ReplicaSetSpec", "minReadySeconds replicas selector:LabelSelector template:PodTemplateSpec"},
    {"ReplicaSetStatus",
     "availableReplicas conditions:[]ReplicaSetCondition fullyLabeledReplicas "
     "observedGeneration readyReplicas replicas"},
    {"ReplicaSetCondition", "lastTransitionTime message reason status type"},
    // Lease.
    {"Lease", "apiVersion kind metadata:ObjectMeta spec:LeaseSpec"},
    {"LeaseSpec",
     "acquireTime holderIdentity leaseDurationSeconds leaseTransitions preferredHolder "
     "renewTime strategy"},
    // StorageClass.
    {"StorageClass",
     "allowVolumeExpansion allowedTopologies:[]TopologySelectorTerm apiVersion kind "
     "metadata:ObjectMeta mountOptions parameters provisioner reclaimPolicy volumeBindingMode"},
    {"TopologySelectorTerm", "matchLabelExpressions:[]TopologySelectorLabelRequirement"},
    {"TopologySelectorLabelRequirement", "key values"},
    // CSIDriver.
    {"CSIDriver", "apiVersion kind metadata:ObjectMeta spec:CSIDriverSpec"},
    {"CSIDriverSpec",
     "attachRequired fsGroupPolicy podInfoOnMount requiresRepublish seLinuxMount "
     "storageCapacity tokenRequests:[]TokenRequest volumeLifecycleModes"},
    {"TokenRequest", "audience expirationSeconds"},
    // CSINode.
    {"CSINode", "apiVersion kind metadata:ObjectMeta spec:CSINodeSpec"},
    {"CSINodeSpec", "drivers:[]CSINodeDriver"},
    {"CSINodeDriver", "allocatable:VolumeNodeResources name nodeID topologyKeys"},
    {"VolumeNodeResources", "count"},
    // Scale.
    {"Scale", "apiVersion kind metadata:ObjectMeta spec:ScaleSpec status:ScaleStatus"},
    {"ScaleSpec", "replicas"},
    {"ScaleStatus", "replicas selector"},
};

}  // namespace

std::span<const TypeFields> GroupTypes() { return kGroups; }

}  // namespace hostlet::apiserver::field_schema
