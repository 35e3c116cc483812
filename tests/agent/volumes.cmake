# Pod volumes and container environments. Runs as root: tmpfs mounts are made and checked for real.
hostlet_test(agent_volumes_test volumes_test.cc env_test.cc)
target_link_libraries(agent_volumes_test PRIVATE hostlet_volumes)
