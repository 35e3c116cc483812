# The agent's metrics and its HTTPS server (kubelet/metrics, kubelet/server).
hostlet_test(agent_metrics_test metrics_test.cc)
target_link_libraries(agent_metrics_test PRIVATE hostlet_metrics hostlet_cri)
hostlet_test(agent_server_test cri_log_test.cc agent_server_test.cc)
target_link_libraries(agent_server_test PRIVATE hostlet_agent_server hostlet_apiserver)
