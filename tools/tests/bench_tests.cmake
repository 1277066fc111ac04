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

# Comparison mode (tools/bench/compare.cc). Commands stand in for node: `echo` prints fixed
# timings, so ratios and geometric means are exact and nothing here needs node.
wrun_bench_test(help-compare 0 "--compare|--ratio-to|--set|--load|--startup" --help)
wrun_bench_test(compare-missing-node 2
                "--compare v8: cannot run \"no-such-node-for-wrun-bench\": not found on PATH"
                --compare "v8=no-such-node-for-wrun-bench --liftoff x.mjs" ${bench_good})
wrun_bench_test(compare-missing-program-path 2 "cannot run \"/no/such/node\": no such executable file"
                --load-compare "v8=/no/such/node x.mjs --load-only" --load ${bench_good}/hello.wasm)
wrun_bench_test(compare-bad-spec 2 "--compare: \"node x.mjs\" is not NAME=COMMAND"
                --compare "node x.mjs" ${bench_good})
wrun_bench_test(compare-bad-ratio-to 2 "--ratio-to v8: no such column (there are wrun-jit, wrun-interp)"
                --engine jit,interp --ratio-to v8 ${bench_good})
# A target right after --engine is a target, not another engine.
wrun_bench_test(engine-then-target 0 "bench-fixture/good/hello|1 ok, 0 failed|engine jit"
                --runs 1 --engine jit ${bench_good})
wrun_bench_test(compare-engines 0 "wrun-jit  wrun-interp|ratio|geomean, all (1)|median of 2 runs|machine: |load average"
                --engine jit,interp --runs 2 ${bench_good})
wrun_bench_test(compare-failing-command 1
                "bad|FAILED|left out of wrun-jit's geomeans (1 of 1)|on bad: FAILED: baseline command failed (exit status 1)"
                --runs 1 --compare "bad=false" ${bench_good})
# wrun's startup row runs the real wrun binary with the stub bench module wrun-bench writes.
wrun_bench_test(compare-load-startup 0 "load: |wrun-jit|v8-fake|2.000   1.00|startup: |sh "
                --load ${bench_good}/hello.wasm --load-runs 2
                --load-compare "v8-fake=echo compile-ns=2000000 instantiate-ns=1000000"
                --startup ${bench_good}/hello.wasm --startup-runs 2)
add_test(NAME tools/bench/compare-ratios
         COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:wrun-bench>
                 "-DARGS=--runs|2|--compare|one=echo start-end-ns=1000000 version=fake-1|--compare|three=echo start-end-ns=3000000|--ratio-to|one|${bench_good}"
                 -DEXPECT_EXIT=0 "-DEXPECT_OUTPUT=[fake-1]"
                 "-DEXPECT_STDOUT_MATCH=hello +[0-9.]+ +[0-9.]+ +1\\.000 +3\\.000 +3\\.00\n.*geomean, all \\(1\\) +[0-9.]+ +3\\.00\n"
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/check_run.cmake)
set_tests_properties(tools/bench/compare-ratios PROPERTIES LABELS bench-cli TIMEOUT 300)

# A .set file: paths relative to the Sightglass folder (here the fixtures' folder), with tags.
set(bench_fixture ${CMAKE_CURRENT_BINARY_DIR}/bench-fixture)
file(WRITE ${bench_fixture}/tiny.set "# a test set\ngood/hello.wasm long\nbad/hello.wasm\n")
file(WRITE ${bench_fixture}/broken.set "good/hello.wasm\ngood/hello.wat long\n")
wrun_bench_test(set-tags 1
                "good/hello|long|bad/hello|FAILED|geomean, all (2)|geomean, long (1)|set ${bench_fixture}/tiny.set"
                --runs 1 --engine jit,interp --sightglass ${bench_fixture} --set ${bench_fixture}/tiny.set)
wrun_bench_test(set-broken 2 "--set ${bench_fixture}/broken.set: ${bench_fixture}/broken.set:2: \"good/hello.wat\" is not a .wasm path"
                --set ${bench_fixture}/broken.set)
wrun_bench_test(set-missing 2 "--set no-such-set: no set file no-such-set" --set no-such-set)

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
