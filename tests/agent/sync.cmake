# Probe and lifecycle hook handlers against real loopback servers.
hostlet_test(agent_probe_test probe_action_test.cc)
target_link_libraries(agent_probe_test PRIVATE hostlet_agent)

# Resource-fit admission of pods to the node.
hostlet_test(agent_admission_test admission_test.cc)
target_link_libraries(agent_admission_test PRIVATE hostlet_agent)

# The CRI configs built from a pod: the seccomp profile each container gets.
hostlet_test(agent_cri_config_test cri_config_test.cc)
target_link_libraries(agent_cri_config_test PRIVATE hostlet_agent)
