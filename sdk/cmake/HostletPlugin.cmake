# hostlet_add_plugin(<target> <sources>...): a plugin module, built the way the host loads it:
# a shared module with hidden visibility, so only the entry symbol and manifest are exported.
function(hostlet_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Without GNU unique symbols a module can be unloaded once its last instance is gone.
  target_compile_options(${target} PRIVATE -fno-gnu-unique)
  target_link_libraries(${target} PRIVATE hostlet::sdk)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
endfunction()
