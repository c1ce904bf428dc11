# Run at build time (POST_BUILD of a *_slowtests binary):
#   cmake -DEXE=<binary> -DOUT=<file> -DLABEL=slow -DTIMEOUT=<s> -P LivefireSuiteTests.cmake
# Writes OUT with one ctest test per gtest *suite* of EXE (named like the
# suite, running --gtest_filter=Suite.*), so a fixture's SetUpTestSuite (a
# range boot) serves all its cases in one process instead of one boot per
# case, as gtest_discover_tests' one-process-per-case would.
execute_process(COMMAND "${EXE}" --gtest_list_tests
  OUTPUT_VARIABLE _list RESULT_VARIABLE _rc TIMEOUT 60)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${_rc})")
endif()
string(REPLACE "\n" ";" _lines "${_list}")
set(_out "")
foreach(_l IN LISTS _lines)
  # Suite lines start in column 0 and end with '.' (before an optional
  # "  # TypeParam = ..." comment); case lines are indented.
  if(_l MATCHES "^([A-Za-z0-9_/]+)\\.( .*)?$")
    set(_s "${CMAKE_MATCH_1}")
    if(_s MATCHES "^DISABLED_")
      continue()
    endif()
    string(APPEND _out
      "add_test([==[${_s}]==] [==[${EXE}]==] [==[--gtest_filter=${_s}.*]==])\n"
      "set_tests_properties([==[${_s}]==] PROPERTIES LABELS ${LABEL} TIMEOUT ${TIMEOUT} RUN_SERIAL TRUE)\n")
  endif()
endforeach()
file(WRITE "${OUT}" "${_out}")
