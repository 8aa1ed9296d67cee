# nvsx_proto_library(NAME PROTOS a.proto ...): runs protoc and grpc_cpp_plugin on the
# given files (relative to proto/) and builds the generated code into a static library.
function(nvsx_proto_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  set(sources)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(stem ${proto} NAME_WE)
    get_filename_component(rel_dir ${proto} DIRECTORY)
    set(base ${out_dir}/${rel_dir}/${stem})
    set(generated ${base}.pb.cc ${base}.pb.h ${base}.grpc.pb.cc ${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${generated}
      COMMAND ${NVSX_PROTOC} --proto_path=${CMAKE_CURRENT_SOURCE_DIR}
              --cpp_out=${out_dir} --grpc_out=${out_dir}
              --plugin=protoc-gen-grpc=${NVSX_GRPC_CPP_PLUGIN}
              ${CMAKE_CURRENT_SOURCE_DIR}/${proto}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${proto}
      COMMENT "protoc ${proto}")
    list(APPEND sources ${base}.pb.cc ${base}.grpc.pb.cc)
  endforeach()
  add_library(${name} STATIC ${sources})
  # Generated code is not ours to warn about.
  target_include_directories(${name} SYSTEM PUBLIC ${out_dir})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf gRPC::grpc++)
endfunction()
