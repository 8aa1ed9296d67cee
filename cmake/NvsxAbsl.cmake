# nvsx_absl: Abseil as our libraries link it. Shared, as gRPC links it, unless
# the executable being linked sets the target property NVSX_STATIC_ABSL: then
# from Abseil's static archives (Debian's libabsl-dev ships both). Only an
# executable without gRPC may set it (two copies of Abseil must not meet): nvsx
# does, because the shared build is some 30 libraries the dynamic loader maps
# and relocates at every start, most of `nvsx list`'s cold start.

set(NVSX_ABSL_COMPONENTS
  absl::cord absl::flat_hash_map absl::flat_hash_set absl::status absl::statusor
  absl::str_format absl::strings absl::time)

# The static archive of every shared Abseil library the targets need, their
# dependencies included.
function(nvsx_absl_archives out)
  set(pending ${ARGN})
  set(seen)
  set(archives)
  while(pending)
    list(POP_FRONT pending target)
    if(target IN_LIST seen OR NOT TARGET ${target})
      continue()
    endif()
    list(APPEND seen ${target})
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "SHARED_LIBRARY")
      get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
      list(GET configs 0 config)
      get_target_property(location ${target} IMPORTED_LOCATION_${config})
      string(REGEX REPLACE "\\.so[.0-9]*$" ".a" archive "${location}")
      if(NOT EXISTS "${archive}")
        message(FATAL_ERROR "${target}: no static archive ${archive}; install libabsl-dev")
      endif()
      list(APPEND archives "${archive}")
    endif()
    get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
    foreach(dep IN LISTS deps)
      if(dep MATCHES "^absl::")
        list(APPEND pending ${dep})
      endif()
    endforeach()
  endwhile()
  set(${out} ${archives} PARENT_SCOPE)
endfunction()

nvsx_absl_archives(NVSX_ABSL_ARCHIVES ${NVSX_ABSL_COMPONENTS})
add_library(nvsx_absl INTERFACE)
set(_nvsx_static_absl "$<BOOL:$<TARGET_PROPERTY:NVSX_STATIC_ABSL>>")
target_link_libraries(nvsx_absl INTERFACE
  "$<$<NOT:${_nvsx_static_absl}>:${NVSX_ABSL_COMPONENTS}>"
  "$<${_nvsx_static_absl}:$<LINK_GROUP:RESCAN,${NVSX_ABSL_ARCHIVES}>>"
  Threads::Threads)
