# Warnings apply to our own code only; third-party headers are included as system headers.
set(SEALGATE_WARNINGS -Wall -Wextra -Werror -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 at -O3 reports impossible overlaps inside std::string's own copies (GCC bug
  # 105329, a -Wrestrict false positive); every other warning stays an error. Clang has no
  # such warning.
  list(APPEND SEALGATE_WARNINGS -Wno-restrict)
endif()

# sealgate_module(NAME SOURCES ... [DEPS ...]) — one folder, one noun: a static library target
# sealgate_<NAME> whose public include root is src/ (so code includes "module/header.hpp"). The
# other modules it links come from src/layers.txt (sealgate_link_layer); DEPS names the libraries
# from outside the project (OpenSSL::Crypto, PkgConfig::RNP, ...).
function(sealgate_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sealgate_${name} STATIC ${M_SOURCES})
  target_include_directories(sealgate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(sealgate_${name} PRIVATE ${SEALGATE_WARNINGS})
  sealgate_link_layer(sealgate_${name} ${name} ${M_DEPS})
  list(FILTER M_DEPS EXCLUDE REGEX "^sealgate_")
  target_link_libraries(sealgate_${name} PUBLIC ${M_DEPS})
endfunction()

# sealgate_link_layer(TARGET MODULE [DEPS ...]) — links TARGET to the modules that src/layers.txt
# lets MODULE use: PUBLIC those its headers may include, PRIVATE those only its sources may. A
# module of the table without a folder yet is skipped. A sealgate_<module> in DEPS is accepted only
# where the table allows it (it is linked from the table anyway).
function(sealgate_link_layer target module)
  if(NOT module IN_LIST SEALGATE_MODULES)
    message(FATAL_ERROR "${module} is not in src/layers.txt")
  endif()
  foreach(dep IN LISTS ARGN)
    if(dep MATCHES "^sealgate_(.+)$" AND CMAKE_MATCH_1 IN_LIST SEALGATE_MODULES)
      set(allowed ${SEALGATE_LAYER_PUBLIC_${module}} ${SEALGATE_LAYER_PRIVATE_${module}})
      if(NOT CMAKE_MATCH_1 IN_LIST allowed)
        message(FATAL_ERROR "${module} may not link ${dep}: src/layers.txt does not let ${module} "
                            "use ${CMAKE_MATCH_1}")
      endif()
    endif()
  endforeach()
  foreach(scope PUBLIC PRIVATE)
    foreach(dep IN LISTS SEALGATE_LAYER_${scope}_${module})
      if(EXISTS ${PROJECT_SOURCE_DIR}/src/${dep}/CMakeLists.txt)
        target_link_libraries(${target} ${scope} sealgate_${dep})
      endif()
    endforeach()
  endforeach()
endfunction()

# sealgate_test(NAME SOURCES ... DEPS ... [INTEROP filter]) — one GoogleTest executable
# registered with CTest, each case a test labelled `unit`. INTEROP is a gtest filter for the cases
# that run an independent implementation (openssl, gpgsm, cmsutil, gpg, sq, rnp) to make their
# input or check their output: those are labelled `interop` instead ("*" for every case). The
# labels are described in the README's test section; the ctest `labels` checks that every test
# has one.
#
# POSTGRESQL is a gtest filter for the cases that need a PostgreSQL server (the binary starts one
# throwaway server for all of them, tests/support/pg_server.hpp): they run as ONE ctest,
# NAME.postgresql, instead of one per case, each of which would start a server of its own ("*"
# for every case).
function(sealgate_test name)
  cmake_parse_arguments(T "" "INTEROP;POSTGRESQL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_compile_options(${name} PRIVATE ${SEALGATE_WARNINGS} -Wno-conversion -Wno-sign-conversion)
  target_link_libraries(${name} PRIVATE ${T_DEPS} sealgate_test_support GTest::gtest_main
                        GTest::gmock)
  # Helpers shared by the test folders (tests/fuzz_replay.hpp).
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    SEALGATE_TESTDATA="${PROJECT_SOURCE_DIR}/tests/data"
    SEALGATE_BINARY="$<TARGET_FILE:sealgate>")
  if(T_POSTGRESQL)
    add_test(NAME ${name}.postgresql COMMAND ${name} --gtest_filter=${T_POSTGRESQL})
    set_tests_properties(${name}.postgresql PROPERTIES TIMEOUT 600 LABELS unit)
    if(T_POSTGRESQL STREQUAL "*")
      return()
    endif()
    gtest_discover_tests(${name} TEST_FILTER "-${T_POSTGRESQL}" DISCOVERY_TIMEOUT 60
                         PROPERTIES TIMEOUT 600 LABELS unit)
  elseif(T_INTEROP STREQUAL "*")
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600 LABELS interop)
  elseif(T_INTEROP)
    gtest_discover_tests(${name} TEST_FILTER "-${T_INTEROP}" DISCOVERY_TIMEOUT 60
                         PROPERTIES TIMEOUT 600 LABELS unit)
    gtest_discover_tests(${name} TEST_FILTER "${T_INTEROP}" DISCOVERY_TIMEOUT 60
                         PROPERTIES TIMEOUT 600 LABELS interop)
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600 LABELS unit)
  endif()
endfunction()

# sealgate_fuzz_target(NAME CORPUS dir SOURCES ... DEPS ...) — a libFuzzer entry point
# (tests/<module>/fuzz_<name>.cpp) in two forms:
#  - NAME_replay: a GoogleTest binary, in every build, that replays each file of the saved corpus
#    tests/data/CORPUS through the entry point (tests/fuzz_replay_main.cpp): the regression test;
#  - NAME: the real fuzzer, with -DSEALGATE_FUZZ=ON under clang (scripts/fuzz.sh runs it).
function(sealgate_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  add_executable(${name}_replay ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz_replay_main.cpp)
  target_compile_options(${name}_replay PRIVATE ${SEALGATE_WARNINGS} -Wno-conversion
                         -Wno-sign-conversion)
  target_link_libraries(${name}_replay PRIVATE ${F_DEPS} GTest::gtest_main)
  target_include_directories(${name}_replay PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name}_replay PRIVATE
    SEALGATE_TESTDATA="${PROJECT_SOURCE_DIR}/tests/data" SEALGATE_FUZZ_CORPUS="${F_CORPUS}")
  # Named after the target in ctest: every replay binary has the same one test.
  gtest_discover_tests(${name}_replay TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60
                       PROPERTIES TIMEOUT 600 LABELS unit)
  sealgate_fuzzer(${name} SOURCES ${F_SOURCES} DEPS ${F_DEPS})
endfunction()

# sealgate_fuzzer(NAME SOURCES ... DEPS ...) — the libFuzzer executable alone, with
# -DSEALGATE_FUZZ=ON (the libraries are already instrumented: see the top-level CMakeLists.txt).
function(sealgate_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT SEALGATE_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  target_compile_options(${name} PRIVATE ${SEALGATE_WARNINGS} -Wno-conversion -Wno-sign-conversion
                         -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE SEALGATE_TESTDATA="${PROJECT_SOURCE_DIR}/tests/data")
  target_link_libraries(${name} PRIVATE ${F_DEPS})
endfunction()
