# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The sanitizer builds, each in a build directory of its own:
#   -DBPFWATCH_SANITIZE=ON  everything under AddressSanitizer and
#                           UndefinedBehaviorSanitizer (build-asan/: the unit
#                           tests, scripts/test's asan phase)
#   -DBPFWATCH_FUZZ=ON      the same, plus libFuzzer's coverage, and only the
#                           libraries the parsers are in (build-fuzz/:
#                           tests/fuzz, scripts/fuzz)
# Both need clang (libFuzzer is clang's): configure with
# -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++.
if(NOT (BPFWATCH_SANITIZE OR BPFWATCH_FUZZ))
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "BPFWATCH_SANITIZE and BPFWATCH_FUZZ need clang (libFuzzer): configure with "
    "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()

# A report is a failure: no UBSan finding is printed and then run past.
# Line tables only: stack traces with file:line, without -g's cost. CI
# compiles these cold, so the unit tests' build is -O0: measured here, a
# test file under ASan+UBSan compiles 2.5 times faster than at -O1, and the
# tests barely notice. The fuzzers are few and run for a set time, where
# -O1's speed is more inputs tried.
set(BPFWATCH_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_compile_options(${BPFWATCH_SANITIZER_FLAGS} -gline-tables-only)
add_link_options(${BPFWATCH_SANITIZER_FLAGS})
if(BPFWATCH_FUZZ)
  # Coverage for libFuzzer in every object; only the fuzzers link its main.
  add_compile_options(-O1 -fsanitize=fuzzer-no-link)
else()
  add_compile_options(-O0)
endif()
