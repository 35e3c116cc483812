# The agent's config file and static pod manifests (kubelet/config).
hostlet_test(agent_config_test config_test.cc static_pods_test.cc)
target_link_libraries(agent_config_test PRIVATE hostlet_agent_config)
