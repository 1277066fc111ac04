# CTest checks of wrun-bench (tools/bench/): tests named tools/bench/<name>.
# Included from tools/CMakeLists.txt, after cli_tests.cmake (which builds bench_hello.wasm).

# Two benchmark folders built from bench_hello.wasm: one whose expected stdout matches, one
# whose expected stdout does not.
set(bench_good ${CMAKE_CURRENT_BINARY_DIR}/bench-fixture/good)
set(bench_bad ${CMAKE_CURRENT_BINARY_DIR}/bench-fixture/bad)
add_custom_command(
  OUTPUT ${bench_good}/hello.wasm ${bench_good}/hello.stdout.expected
         ${bench_bad}/hello.wasm ${bench_bad}/hello.stdout.expected
  COMMAND ${CMAKE_COMMAND} -E make_directory ${bench_good} ${bench_bad}
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/bench_hello.wasm ${bench_good}/hello.wasm
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_BINARY_DIR}/bench_hello.wasm ${bench_bad}/hello.wasm
  COMMAND ${CMAKE_COMMAND} -E echo hello > ${bench_good}/hello.stdout.expected
  COMMAND ${CMAKE_COMMAND} -E echo goodbye > ${bench_bad}/hello.stdout.expected
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/bench_hello.wasm)
add_custom_target(wrun_bench_test_modules ALL
                  DEPENDS ${bench_good}/hello.wasm ${bench_bad}/hello.wasm)

function(wrun_bench_test name exit output)
  string(JOIN "|" args ${ARGN})
  add_test(NAME tools/bench/${name}
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:wrun-bench> "-DARGS=${args}"
                   -DEXPECT_EXIT=${exit} "-DEXPECT_OUTPUT=${output}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/check_run.cmake)
  set_tests_properties(tools/bench/${name} PROPERTIES LABELS bench-cli TIMEOUT 300)
endfunction()

wrun_bench_test(help 0 "--runs|--suite|--baseline" --help)
wrun_bench_test(fixture 0 "bench-fixture/good/hello|1 ok, 0 failed" --runs 2 ${bench_good})
wrun_bench_test(fixture-mismatch 1 "stdout differs from hello.stdout.expected: line 1: expected \"goodbye\", got \"hello\"|FAILED"
                --runs 1 ${bench_bad}/hello.wasm)
wrun_bench_test(missing 1 "missing" --runs 1 ${CMAKE_CURRENT_BINARY_DIR}/no-such-bench.wasm)
wrun_bench_test(no-targets 2 "no benchmarks given")
wrun_bench_test(jit 0 "bench-fixture/good/hello|1 ok, 0 failed|engine jit" --engine=jit --runs 1 ${bench_good})
# A backtrace prints function names escaped (control_names.wasm: see cli_tests.cmake).
wrun_bench_test(escaped-backtrace 1 "trap: unreachable|at \\x1bcred\\x07\\xe2\\x80\\xae"
                --runs 1 ${CMAKE_CURRENT_SOURCE_DIR}/tests/control_names.wasm)

set(sightglass ${WRUN_SHARED_DIR}/bench/sightglass)
if(EXISTS ${sightglass}/noop/benchmark.wasm)
  wrun_bench_test(sightglass-noop 0 "noop/benchmark|1 ok, 0 failed" --runs 1 --sightglass ${sightglass} noop)
  wrun_bench_test(sightglass-component 0 "cm-online-stats/cm-online-stats|unsupported|0 failed, 1 unsupported"
                  --runs 1 --sightglass ${sightglass} ${sightglass}/cm-online-stats/cm-online-stats.wasm)
  wrun_bench_test(sightglass-gc-suite 0 "splay/splay|unsupported|GC proposal"
                  --runs 1 --sightglass ${sightglass} --suite gc)
  wrun_bench_test(sightglass-ackermann 0 "shootout/shootout-ackermann|1 ok, 0 failed"
                  --runs 1 --sightglass ${sightglass} ${sightglass}/shootout/shootout-ackermann.wasm)
endif()
