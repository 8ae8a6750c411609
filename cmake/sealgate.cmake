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

# sealgate_module(NAME SOURCES ... DEPS ...) — one folder, one noun: a static library target
# sealgate_<NAME> whose public include root is src/ (so code includes "module/header.hpp").
function(sealgate_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(sealgate_${name} STATIC ${M_SOURCES})
  target_include_directories(sealgate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(sealgate_${name} PRIVATE ${SEALGATE_WARNINGS})
  target_link_libraries(sealgate_${name} PUBLIC ${M_DEPS})
endfunction()

# sealgate_test(NAME SOURCES ... DEPS ...) — one GoogleTest executable registered with CTest.
function(sealgate_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_compile_options(${name} PRIVATE ${SEALGATE_WARNINGS} -Wno-conversion -Wno-sign-conversion)
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest_main GTest::gmock)
  # Helpers shared by the test folders (tests/fuzz_replay.hpp).
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    SEALGATE_TESTDATA="${PROJECT_SOURCE_DIR}/tests/data"
    SEALGATE_BINARY="$<TARGET_FILE:sealgate>")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
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
                       PROPERTIES TIMEOUT 600)
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
