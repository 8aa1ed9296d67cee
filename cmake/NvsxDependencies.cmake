# Every third-party dependency, from Debian packages (scripts/packages.txt). Nothing is downloaded.

find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)

find_program(NVSX_PROTOC protoc REQUIRED)
find_program(NVSX_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

include(NvsxAbsl)
