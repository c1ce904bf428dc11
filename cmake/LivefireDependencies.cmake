# Every dependency comes from a Debian package; a missing one stops the
# configure step with the package to install (see .ci/setup).
include(FindPkgConfig)

macro(livefire_require_package name deb)
  find_package(${name} ${ARGN} QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "livefire: ${name} not found. Install the Debian package '${deb}' "
                        "(or run: bash .ci/setup)")
  endif()
endmacro()

macro(livefire_require_pkgconfig prefix module deb)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT ${prefix}_FOUND)
    message(FATAL_ERROR "livefire: pkg-config module '${module}' not found. Install the Debian "
                        "package '${deb}' (or run: bash .ci/setup)")
  endif()
endmacro()

find_package(PkgConfig QUIET)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "livefire: pkg-config not found. Install the Debian package 'pkg-config'")
endif()

find_package(Threads REQUIRED)
livefire_require_pkgconfig(LIBVIRT libvirt libvirt-dev)
livefire_require_pkgconfig(LIBVIRT_QEMU libvirt-qemu libvirt-dev)
# The C++ build of Lua raises errors (and coroutine yields from C) as C++
# exceptions, so they unwind our frames and run destructors instead of
# longjmp-ing over them.
livefire_require_pkgconfig(LUA lua5.4-c++ liblua5.4-dev)
livefire_require_pkgconfig(ZMQ libzmq libzmq3-dev)
livefire_require_package(cppzmq cppzmq-dev)
livefire_require_package(SQLite3 libsqlite3-dev)
livefire_require_package(SQLiteCpp libsqlitecpp-dev)
livefire_require_package(Boost libboost-graph-dev 1.74 COMPONENTS graph)
livefire_require_package(nlohmann_json nlohmann-json3-dev)
livefire_require_package(CLI11 libcli11-dev)
livefire_require_package(fmt libfmt-dev)
livefire_require_package(spdlog libspdlog-dev)
livefire_require_package(OpenSSL libssl-dev)
livefire_require_package(CURL libcurl4-openssl-dev)
livefire_require_pkgconfig(CARES libcares libc-ares-dev)
livefire_require_package(pugixml libpugixml-dev)

if(LIVEFIRE_BUILD_GUI)
  livefire_require_pkgconfig(IMGUI imgui libimgui-dev)
  livefire_require_package(glfw3 libglfw3-dev)
  find_package(OpenGL QUIET)
  if(NOT OpenGL_FOUND)
    message(FATAL_ERROR "livefire: OpenGL not found. Install the Debian package 'libgl-dev'")
  endif()
endif()
if(LIVEFIRE_BUILD_TESTS)
  livefire_require_package(GTest libgtest-dev)
endif()
if(LIVEFIRE_BUILD_BENCH)
  livefire_require_package(benchmark libbenchmark-dev)
endif()
