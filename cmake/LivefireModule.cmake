# Build helpers, one call per module or component (after ns-3's build_lib).
#
# livefire_component(MODULE <m> NAME <c> [DEPS <targets>...] [PRIVATE_DEPS <targets>...])
#   Declares the library livefire_<m>_<c> (alias livefire::<m>_<c>) from
#   <m>/<c>/src/*.cc (found recursively: adding a file needs no CMake edit).
#   Public headers live apart, in <m>/<c>/include/livefire/<c>/ (a module's
#   `core` component: <m>/core/include/livefire/[<m>/]); private headers sit
#   beside the sources. Namespace livefire::<c> (core: livefire[::<m>]).
#   A component with no sources yet is a header-only INTERFACE library.
#
# livefire_module(NAME <m> COMPONENTS <c>...)
#   The module library livefire_<m> (alias livefire::<m>): all its components.
#
# livefire_tests(MODULE <m> [COMPONENT <c>] DEPS <targets>...)
#   tests/<m>/[<c>/]*_test.cc      -> one gtest binary, label "fast"
#   tests/<m>/[<c>/]*_slowtest.cc  -> one gtest binary, label "slow" (real VMs,
#                                     long runs; run one at a time), one ctest
#                                     test per gtest suite (ctest -R DebianNode)
#   `ctest -L fast` runs the quick subset.

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

function(livefire_component)
  cmake_parse_arguments(C "" "MODULE;NAME" "DEPS;PRIVATE_DEPS" ${ARGN})
  set(_t livefire_${C_MODULE}_${C_NAME})
  # Each component has its own include root, so a component sees only the
  # headers of the components it links: the build enforces the graph.
  set(_dir "${PROJECT_SOURCE_DIR}/${C_MODULE}/${C_NAME}")
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS "${_dir}/src/*.cc")
  if(NOT _srcs)
    add_library(${_t} INTERFACE)
    target_include_directories(${_t} INTERFACE "${_dir}/include")
    target_link_libraries(${_t} INTERFACE ${C_DEPS})
  else()
    add_library(${_t} STATIC ${_srcs})
    target_include_directories(${_t} PUBLIC "${_dir}/include" PRIVATE "${_dir}/src")
    target_link_libraries(${_t} PUBLIC ${C_DEPS} PRIVATE ${C_PRIVATE_DEPS})
    livefire_target_defaults(${_t})
  endif()
  add_library(livefire::${C_MODULE}_${C_NAME} ALIAS ${_t})
endfunction()

function(livefire_module)
  cmake_parse_arguments(M "" "NAME" "COMPONENTS" ${ARGN})
  add_library(livefire_${M_NAME} INTERFACE)
  foreach(_c ${M_COMPONENTS})
    target_link_libraries(livefire_${M_NAME} INTERFACE livefire::${M_NAME}_${_c})
  endforeach()
  add_library(livefire::${M_NAME} ALIAS livefire_${M_NAME})
endfunction()

function(livefire_tests)
  cmake_parse_arguments(T "" "MODULE;COMPONENT" "DEPS" ${ARGN})
  set(_dir "${CMAKE_CURRENT_SOURCE_DIR}/${T_MODULE}")
  set(_name ${T_MODULE})
  if(T_COMPONENT)
    set(_dir "${_dir}/${T_COMPONENT}")
    set(_name ${T_MODULE}_${T_COMPONENT})
  endif()
  foreach(_kind test slowtest)
    file(GLOB _srcs CONFIGURE_DEPENDS "${_dir}/*_${_kind}.cc")
    if(NOT _srcs)
      continue()
    endif()
    if(_kind STREQUAL "test")
      set(_exe ${_name}_tests)
      set(_label fast)
      set(_timeout 120)
      set(_serial FALSE)
    else()
      set(_exe ${_name}_slowtests)
      set(_label slow)
      set(_timeout 1500)  # per suite: one boot, then all its cases
      # Real VMs share the host's two cores: one slow test at a time.
      set(_serial TRUE)
    endif()
    add_executable(${_exe} ${_srcs})
    target_link_libraries(${_exe} PRIVATE ${T_DEPS} livefire::test_support
      GTest::gtest GTest::gtest_main GTest::gmock)
    target_compile_definitions(${_exe} PRIVATE
      LIVEFIRE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
      LIVEFIRE_TEST_DATA_DIR="${_dir}/data"
      LIVEFIRE_BINARY_DIR="${PROJECT_BINARY_DIR}")
    livefire_target_defaults(${_exe})
    if(_kind STREQUAL "test")
      # One value per property: gtest_discover_tests splits list values into
      # separate arguments, which would shift every property after them. TZ and
      # LC_ALL are pinned by the test presets and by dev.sh; paths are compiled in.
      gtest_discover_tests(${_exe}
        DISCOVERY_TIMEOUT 60
        PROPERTIES LABELS ${_label} TIMEOUT ${_timeout} RUN_SERIAL ${_serial})
    else()
      # Slow tests: one ctest test per gtest suite (one process, one range
      # boot in its SetUpTestSuite for all its cases).
      set(_tests "${CMAKE_CURRENT_BINARY_DIR}/${_exe}_suites.cmake")
      add_custom_command(TARGET ${_exe} POST_BUILD
        COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${_exe}> -DOUT=${_tests} -DLABEL=${_label}
                -DTIMEOUT=${_timeout} -P ${PROJECT_SOURCE_DIR}/cmake/LivefireSuiteTests.cmake
        BYPRODUCTS ${_tests} VERBATIM)
      set(_include "${CMAKE_CURRENT_BINARY_DIR}/${_exe}_include.cmake")
      file(WRITE "${_include}"
        "if(EXISTS \"${_tests}\")\n  include(\"${_tests}\")\nelse()\n"
        "  add_test(${_exe}_NOT_BUILT ${_exe}_NOT_BUILT)\nendif()\n")
      set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${_include}")
    endif()
  endforeach()
endfunction()
