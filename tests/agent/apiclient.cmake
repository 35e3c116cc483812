# The agent's apiserver client against a real hostlet-server, and against fake peers for what a
# healthy server never does. hostlet_apiserver only lends the test its certificate maker.
hostlet_test(agent_api_client_test api_client_test.cc)
target_link_libraries(agent_api_client_test PRIVATE hostlet_apiclient hostlet_apiserver)
target_compile_definitions(agent_api_client_test PRIVATE
  HOSTLET_SERVER_BINARY=\"$<TARGET_FILE:hostlet-server>\")
add_dependencies(agent_api_client_test hostlet-server)
