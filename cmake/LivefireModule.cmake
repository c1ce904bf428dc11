# livefire_module(NAME <name> [DEPS <targets>...] [PRIVATE_DEPS <targets>...])
#
# Declares the library livefire_<name> from the module folder that calls it:
# public headers in include/ (include/livefire/...), sources in src/ (found
# recursively so that adding a file needs no CMake edit). Warnings are on for
# every module; sanitizers follow LIVEFIRE_SANITIZE.
function(livefire_module)
  cmake_parse_arguments(M "" "NAME" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cc")
  if(NOT _srcs)
    # A module with headers only so far.
    add_library(livefire_${M_NAME} INTERFACE)
    add_library(livefire::${M_NAME} ALIAS livefire_${M_NAME})
    target_include_directories(livefire_${M_NAME} INTERFACE "${CMAKE_CURRENT_SOURCE_DIR}/include")
    target_link_libraries(livefire_${M_NAME} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(livefire_${M_NAME} STATIC ${_srcs})
  add_library(livefire::${M_NAME} ALIAS livefire_${M_NAME})
  target_include_directories(livefire_${M_NAME}
    PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include" "${PROJECT_BINARY_DIR}/generated"
    PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(livefire_${M_NAME} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  livefire_target_defaults(livefire_${M_NAME})
endfunction()

# livefire_target_defaults(<target>): warnings and sanitizers for any target.
function(livefire_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(LIVEFIRE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(LIVEFIRE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# livefire_tests(MODULE <name> [DEPS <targets>...])
#
# Tests for a module live in tests/<name>/: every *_test.cc goes into one
# fast gtest binary (label "fast"), every *_slowtest.cc into a second binary
# labelled "slow" (real VMs, long runs). `ctest -L fast` runs the quick subset.
function(livefire_tests)
  cmake_parse_arguments(T "" "MODULE" "DEPS" ${ARGN})
  set(_dir "${CMAKE_CURRENT_SOURCE_DIR}/${T_MODULE}")
  foreach(_kind test slowtest)
    file(GLOB _srcs CONFIGURE_DEPENDS "${_dir}/*_${_kind}.cc")
    if(NOT _srcs)
      continue()
    endif()
    if(_kind STREQUAL "test")
      set(_exe ${T_MODULE}_tests)
      set(_label fast)
      set(_timeout 120)
      set(_serial FALSE)
    else()
      set(_exe ${T_MODULE}_slowtests)
      set(_label slow)
      set(_timeout 900)
      # Real VMs share the host's two cores: one slow test at a time.
      set(_serial TRUE)
    endif()
    add_executable(${_exe} ${_srcs})
    target_link_libraries(${_exe} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
    target_compile_definitions(${_exe} PRIVATE
      LIVEFIRE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      LIVEFIRE_TEST_DATA_DIR="${_dir}/data"
      LIVEFIRE_BINARY_DIR="${PROJECT_BINARY_DIR}")
    livefire_target_defaults(${_exe})
    # Pinned environment so that results do not depend on the machine.
    gtest_discover_tests(${_exe}
      DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS "${_label};${T_MODULE}" TIMEOUT ${_timeout} RUN_SERIAL ${_serial}
                 ENVIRONMENT "TZ=UTC;LC_ALL=C;LIVEFIRE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endforeach()
endfunction()
