# CTest checks of the wrun command line (tools/wrun/*): tests named tools/wrun/<name>.
# Included from tools/CMakeLists.txt.

# Small guest modules built from tools/tests/*.wat with wabt's wat2wasm (--debug-names keeps
# function names for backtraces). invalid.wat is built without validation, on purpose.
find_program(WAT2WASM wat2wasm REQUIRED)
set(cli_modules)
file(GLOB cli_wats CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/*.wat)
foreach(wat IN LISTS cli_wats)
  get_filename_component(name ${wat} NAME_WE)
  set(wasm ${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm)
  set(flags --debug-names)
  if(name STREQUAL "invalid")
    list(APPEND flags --no-check)
  endif()
  add_custom_command(OUTPUT ${wasm} COMMAND ${WAT2WASM} ${flags} ${wat} -o ${wasm} DEPENDS ${wat})
  list(APPEND cli_modules ${wasm})
endforeach()
# slow_compile.wasm: 16 functions, each a br_table over 65000 targets, about 1 MB that takes a
# good fraction of a second to compile (for a --timeout that runs out while compiling).
string(REPEAT "0 " 65000 targets)
string(REPEAT "  (func (param i32) (block (br_table ${targets}0 (local.get 0))))\n" 16 funcs)
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wat
     CONTENT "(module\n${funcs}  (func (export \"main\")))\n" @ONLY)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wasm
                   COMMAND ${WAT2WASM} ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wat
                           -o ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wasm
                   DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wat)
list(APPEND cli_modules ${CMAKE_CURRENT_BINARY_DIR}/slow_compile.wasm)
add_custom_target(wrun_cli_test_modules ALL DEPENDS ${cli_modules})

# wrun_cli_test(NAME EXIT "OUTPUT|PIECES" ARGS...): runs wrun ARGS, checks status and output.
function(wrun_cli_test name exit output)
  string(JOIN "|" args ${ARGN})
  add_test(NAME tools/wrun/${name}
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:wrun> "-DARGS=${args}"
                   -DEXPECT_EXIT=${exit} "-DEXPECT_OUTPUT=${output}"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/check_run.cmake)
  set_tests_properties(tools/wrun/${name} PROPERTIES LABELS cli TIMEOUT 60)
endfunction()

# wrun_cli_check(NAME EXIT code [OUTPUT pieces] [ABSENT pieces] [STDOUT text] [MATCH regex] [ENV A=1|B=2]
#                [FRESH_DIR dir] [WORKDIR dir] [FILE path] [NO_FILE path] ARGS args...):
# the same with check_run.cmake's other checks (see there).
function(wrun_cli_check name)
  cmake_parse_arguments(PARSE_ARGV 1 T ""
                        "EXIT;OUTPUT;ABSENT;STDOUT;MATCH;ENV;FRESH_DIR;WORKDIR;FILE;NO_FILE" "ARGS")
  string(JOIN "|" args ${T_ARGS})
  set(defs "-DARGS=${args}" "-DEXPECT_EXIT=${T_EXIT}" "-DEXPECT_OUTPUT=${T_OUTPUT}"
           "-DEXPECT_ABSENT=${T_ABSENT}")
  # cmake_parse_arguments leaves an empty value undefined, so look for STDOUT "" itself.
  set(stdout_given FALSE)
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE 1 ${last})
    if("${ARGV${i}}" STREQUAL "STDOUT")
      set(stdout_given TRUE)
    endif()
  endforeach()
  if(stdout_given)
    list(APPEND defs "-DEXPECT_STDOUT=${T_STDOUT}")
  endif()
  foreach(pair ENV:SET_ENV MATCH:EXPECT_STDOUT_MATCH FRESH_DIR:FRESH_DIR WORKDIR:WORKING_DIRECTORY FILE:EXPECT_FILE
               NO_FILE:EXPECT_NO_FILE)
    string(REPLACE ":" ";" pair "${pair}")
    list(GET pair 0 key)
    list(GET pair 1 var)
    if(DEFINED T_${key})
      list(APPEND defs "-D${var}=${T_${key}}")
    endif()
  endforeach()
  add_test(NAME tools/wrun/${name}
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:wrun> ${defs}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/check_run.cmake)
  set_tests_properties(tools/wrun/${name} PROPERTIES LABELS cli TIMEOUT 60)
endfunction()

set(fib ${PROJECT_SOURCE_DIR}/examples/fib.wasm)
set(bin ${CMAKE_CURRENT_BINARY_DIR})
set(src ${CMAKE_CURRENT_SOURCE_DIR}/tests)
set(work ${CMAKE_CURRENT_BINARY_DIR}/cli-work)  # scratch directories, one per test

# Basics, usage errors.
wrun_cli_test(quick-start 0 "102334155" --invoke fib ${fib} 40)
wrun_cli_test(fac 0 "2432902008176640000" --invoke fac ${fib} 20)

# --emit-asm: the JIT's listing instead of a run (a start function that traps is not run).
wrun_cli_check(emit-asm-one EXIT 0 OUTPUT ";; function 0 \"fib\": |;; wasm 0x3d: local.get|add "
               ABSENT "\"fac\"" ARGS --emit-asm=fib ${fib})
wrun_cli_check(emit-asm-by-index EXIT 0 OUTPUT ";; function 1 \"fac\": " ABSENT "\"fib\""
               ARGS --emit-asm=1 ${fib})
wrun_cli_check(emit-asm-all EXIT 0 OUTPUT ";; function 0 \"fib\": |;; function 1 \"fac\": "
               ARGS --emit-asm ${fib})
wrun_cli_check(emit-asm-no-run EXIT 0 OUTPUT ";; function 0 \"start\": |;; wasm 0x|unreachable"
               ABSENT "trap" ARGS --emit-asm ${bin}/start_trap.wasm)
wrun_cli_test(emit-asm-unknown 2 "wrun: --emit-asm: no function nosuch" --emit-asm=nosuch ${fib})
wrun_cli_test(emit-asm-past-the-end 2 "wrun: --emit-asm: no function 2" --emit-asm=2 ${fib})
wrun_cli_test(version 0 "wrun ${PROJECT_VERSION}" --version)
wrun_cli_test(help 0 "Exit status:|--dir|--env|--invoke|--preload|--fuel|--timeout|--max-memory" --help)
wrun_cli_test(no-args 2 "module is required")
wrun_cli_test(bad-engine 2 "--engine" --engine=wasm3 ${fib})
wrun_cli_test(jit-fib 0 "6765" --engine=jit --invoke fib ${fib} 20)
wrun_cli_test(interp-fib 0 "6765" --engine=interp --invoke fib ${fib} 20)
wrun_cli_test(unknown-export 2 "no function named \"fob\"" --invoke fob ${fib} 1)
wrun_cli_test(arg-count 2 "takes 1 argument(s), got 2" --invoke fib ${fib} 1 2)
wrun_cli_test(arg-syntax 2 "\"forty\" is not a valid i32" --invoke fib ${fib} forty)
wrun_cli_test(arg-range 2 "is not a valid i32" --invoke fib ${fib} 4294967296)
wrun_cli_test(bad-fuel 2 "--fuel lots: expected a non-negative integer" --fuel lots ${fib})
wrun_cli_test(bad-timeout 2 "--timeout 5 parsecs" "--timeout" "5 parsecs" ${fib})
wrun_cli_test(bad-max-memory 2 "--max-memory 12Q" --max-memory 12Q ${fib})
wrun_cli_test(bad-dir-spec 2 "expected HOST[::GUEST][:ro]" --dir=::guest ${fib})
wrun_cli_test(bad-preload-spec 2 "expected NAME=FILE" --preload lib ${fib})

# Files that are not runnable modules: each has its own status and one line naming the file.
wrun_cli_test(missing-file 3 "cannot read ${bin}/no-such-file.wasm" ${bin}/no-such-file.wasm)
wrun_cli_test(directory 3 "is a directory" ${bin})
wrun_cli_test(not-wasm 4 "examples/fib.wat: not a WebAssembly binary (looks like the text format"
              --invoke fib ${PROJECT_SOURCE_DIR}/examples/fib.wat 1)
wrun_cli_test(malformed 4 "README.md: not a WebAssembly module" ${CMAKE_CURRENT_SOURCE_DIR}/README.md)
wrun_cli_test(malformed-binary 4 "truncated.wasm: |(at byte offset" ${src}/truncated.wasm)
wrun_cli_test(invalid 4 "invalid.wasm: type mismatch" ${bin}/invalid.wasm)
wrun_cli_test(unknown-import 5 "imports.wasm: unknown import \"env\" \"log\"" ${bin}/imports.wasm)
wrun_cli_test(missing-preload 3 "cannot read ${bin}/no-such-lib.wasm"
              --preload lib=${bin}/no-such-lib.wasm ${bin}/preload_main.wasm)
set(sightglass ${WRUN_SHARED_DIR}/bench/sightglass)
if(EXISTS ${sightglass}/cm-online-stats/cm-online-stats.wasm)
  wrun_cli_test(component 4 "not a core WebAssembly module (a component"
                ${sightglass}/cm-online-stats/cm-online-stats.wasm)
endif()
if(EXISTS ${sightglass}/splay/splay.wasm)
  wrun_cli_test(gc-types 4 "unsupported: the module uses array types (GC proposal)"
                ${sightglass}/splay/splay.wasm)
endif()

# Traps: message and backtrace with names from the name section.
wrun_cli_test(trap 1 "wrun: trap: integer divide by zero|  at div (func 0, offset 0x|  at outer (func 1"
              --invoke div ${bin}/traps.wasm 1 0)
wrun_cli_test(start-trap 1 "wrun: trap: unreachable|  at start (func 0" ${bin}/start_trap.wasm)
wrun_cli_test(stack-exhausted 1 "wrun: trap: call stack exhausted|  at recurse (func 2|  ... 19980 more frames ..."
              --invoke recurse ${bin}/limits.wasm 1)

# Names a module chooses are printed escaped, so it cannot send terminal control sequences
# through wrun's messages (ESC c resets a terminal, ESC 7 saves the cursor; no "[", which CMake
# lists treat specially). control_names.wasm is binary because wat2wasm cannot write such a
# name section: function 0 (exports "\1b7green", then "_start") is named "\1bcred\07\e2\80\ae"
# (ESC c, BEL, U+202E) and traps; function 1, "ref", returns it.
string(ASCII 27 esc)
wrun_cli_check(escaped-backtrace EXIT 1 OUTPUT "  at \\x1bcred\\x07\\xe2\\x80\\xae (func 0" ABSENT "${esc}"
               ARGS ${src}/control_names.wasm)
wrun_cli_check(escaped-funcref EXIT 0 STDOUT "func:\\x1b7green\n" ARGS --invoke ref ${src}/control_names.wasm)
wrun_cli_check(escaped-link-error EXIT 5 OUTPUT "unknown import \"\\x1bcenv\" \"\\x1b8clear\\x07\""
               ABSENT "${esc}" ARGS ${bin}/control_import.wasm)
wrun_cli_check(escaped-export-name EXIT 2 OUTPUT "exports no function named \"\\x1bcx\"" ABSENT "${esc}"
               ARGS --invoke "${esc}cx" ${src}/control_names.wasm)

# --invoke: arguments and results of every value type.
wrun_cli_test(ints 0 "-1\n-1\n-9223372036854775808\n" --invoke ints ${bin}/values.wasm -1 4294967295 0x8000000000000000)
wrun_cli_test(floats 0 "0.1\n-inf\nnan\n1e+300\n-0\n" --invoke floats ${bin}/values.wasm)
wrun_cli_test(float-args 0 "1.5\ninf\n" --invoke float-args ${bin}/values.wasm 1.5 1e999)
wrun_cli_check(v128 EXIT 0 STDOUT "0x0102030405060708090a0b0c0d0e0f10\n"
               ARGS --invoke v128 ${bin}/values.wasm 0x0102030405060708090a0b0c0d0e0f10)
wrun_cli_check(v128-short EXIT 0 STDOUT "0x000000000000000000000000000000ff\n"
               ARGS --invoke v128 ${bin}/values.wasm 0xff)
wrun_cli_test(v128-syntax 2 "is not a valid v128" --invoke v128 ${bin}/values.wasm 12)
wrun_cli_check(funcref EXIT 0 STDOUT "func:funcref\n" ARGS --invoke funcref ${bin}/values.wasm funcref)
wrun_cli_check(funcref-null EXIT 0 STDOUT "null\n" ARGS --invoke funcref ${bin}/values.wasm null)
wrun_cli_check(externref EXIT 0 STDOUT "extern:42\n" ARGS --invoke externref ${bin}/values.wasm 42)
wrun_cli_check(externref-null EXIT 0 STDOUT "null\n" ARGS --invoke externref ${bin}/values.wasm null)
wrun_cli_check(refs EXIT 0 STDOUT "func:funcref\nnull\nnull\n" ARGS --invoke refs ${bin}/values.wasm)

# Limits.
wrun_cli_check(max-memory-grow EXIT 0 STDOUT "1\n" ARGS --max-memory 128K --invoke grow ${bin}/limits.wasm 1)
wrun_cli_check(max-memory-refused EXIT 0 STDOUT "-1\n" ARGS --max-memory 128K --invoke grow ${bin}/limits.wasm 2)
wrun_cli_check(max-memory-unlimited EXIT 0 STDOUT "1\n" ARGS --invoke grow ${bin}/limits.wasm 2)
wrun_cli_test(max-memory-instantiate 5 "big_memory.wasm: |(--max-memory 64K)" --max-memory 64K ${bin}/big_memory.wasm)
wrun_cli_test(fuel 1 "wrun: trap: all fuel consumed|at spin|--fuel" --fuel 1000 --invoke spin ${bin}/limits.wasm)
wrun_cli_test(fuel-enough 0 "" --fuel 1000 --invoke fib ${fib} 10)
# Bulk operations pay per byte: not one 100 MiB copy fits in 1000 units, so none is printed.
wrun_cli_check(fuel-bulk-copy EXIT 1 OUTPUT "wrun: trap: all fuel consumed|at copy_forever" STDOUT ""
               ARGS --fuel 1000 --invoke copy_forever ${bin}/bulk_copy.wasm)
wrun_cli_test(timeout 1 "wrun: trap: interrupted|at spin|the --timeout of 200ms elapsed"
              --timeout 200ms --invoke spin ${bin}/limits.wasm)
wrun_cli_test(timeout-not-reached 0 "55" --timeout 1m --invoke fib ${fib} 10)
wrun_cli_test(timeout-start-function 1 "wrun: trap: interrupted|at spin_start" --timeout 200ms ${bin}/start_spin.wasm)
wrun_cli_test(timeout-blocked-host-call 1 "the --timeout of 200ms elapsed and the module is blocked in a host call"
              --timeout 200ms --invoke sleep ${bin}/wasi_guest.wasm 30000000000)
# Compilation cannot be interrupted either: wrun exits at once and says it was compiling.
wrun_cli_check(timeout-while-compiling EXIT 1
               OUTPUT "wrun: the --timeout of 1ms elapsed while compiling ${bin}/slow_compile.wasm; exiting"
               ABSENT "host call" ARGS --timeout 1ms --invoke main ${bin}/slow_compile.wasm)

# WASI: argv, environment, preopened directories.
# The guest sees EPIPE when its stdout reader has gone, and exits with it (64); a SIGPIPE
# would kill wrun instead (status 141 from bash).
add_test(NAME tools/wrun/wasi-closed-stdout-is-epipe
         COMMAND bash -c "\"$0\" --invoke write_until_error \"$1\" | true; exit $(( PIPESTATUS[0] == 64 ? 0 : 1 ))"
                 $<TARGET_FILE:wrun> ${bin}/wasi_guest.wasm)
set_tests_properties(tools/wrun/wasi-closed-stdout-is-epipe PROPERTIES LABELS cli TIMEOUT 60)
wrun_cli_check(wasi-args EXIT 0 STDOUT "${bin}/wasi_guest.wasm\nfirst\n--env\nX=1\n-5\n"
               ARGS ${bin}/wasi_guest.wasm first --env X=1 -5)
wrun_cli_check(wasi-env EXIT 0 OUTPUT "A=1|B=x=y|WRUN_PASSED=from host\n" ABSENT "WRUN_SECRET"
               ENV "WRUN_PASSED=from host|WRUN_SECRET=hidden"
               ARGS --env A=1 --env B=x=y --env WRUN_PASSED --invoke print_env ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-env-isolated EXIT 0 STDOUT "" ENV "WRUN_SECRET=hidden"
               ARGS --invoke print_env ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-env-unset EXIT 0 STDOUT "" ARGS --env WRUN_NEVER_SET_ANYWHERE --invoke print_env ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-dir-write EXIT 0 STDOUT "0\n" FRESH_DIR ${work}/dir-write FILE ${work}/dir-write/out.txt
               ARGS --dir ${work}/dir-write::sandbox --invoke try_write ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-dir-cwd EXIT 0 STDOUT "0\n" FRESH_DIR ${work}/dir-cwd WORKDIR ${work}/dir-cwd
               FILE ${work}/dir-cwd/out.txt ARGS --dir=. --invoke try_write ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-dir-ro EXIT 0 MATCH "^[1-9][0-9]*\n$" FRESH_DIR ${work}/dir-ro NO_FILE ${work}/dir-ro/out.txt
               ARGS --dir ${work}/dir-ro::sandbox:ro --invoke try_write ${bin}/wasi_guest.wasm)
wrun_cli_check(wasi-dir-ro-option EXIT 0 MATCH "^[1-9][0-9]*\n$" FRESH_DIR ${work}/dir-ro2 NO_FILE ${work}/dir-ro2/out.txt
               ARGS --dir-ro ${work}/dir-ro2 --invoke try_write ${bin}/wasi_guest.wasm)
wrun_cli_test(wasi-dir-missing 2 "${bin}/no-such-dir" --dir ${bin}/no-such-dir ${bin}/wasi_guest.wasm)

# --preload: the library's exports are importable, and its WASI calls use its own memory.
wrun_cli_check(preload EXIT 0 STDOUT "hello from the preloaded module\n42\n"
               ARGS --preload lib=${bin}/preload_lib.wasm --invoke run ${bin}/preload_main.wasm 21)
wrun_cli_test(preload-missing-import 5 "preload_main.wasm: unknown import \"lib\" \"double\""
              --preload other=${bin}/preload_lib.wasm ${bin}/preload_main.wasm)

# Stdio is the parent's too: a guest cannot overwrite a `>>` log or leave stdin non-blocking.
add_test(NAME tools/wrun/stdio-shared-with-parent
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/tests/shared_stdio.sh $<TARGET_FILE:wrun>
                 ${bin}/stdio_hostile.wasm ${bin}/stdio-work)
set_tests_properties(tools/wrun/stdio-shared-with-parent PROPERTIES LABELS cli TIMEOUT 60)

# A write past the host's file size limit is an error for the guest (FBIG), not SIGXFSZ
# killing wrun. `ulimit -f` counts 1024-byte blocks in bash.
add_test(NAME tools/wrun/file-size-limit-is-an-error
         COMMAND bash -c "rm -rf \"$2\" && mkdir -p \"$2\" && ulimit -f 16 && \"$0\" --dir=\"$2\" \"$1\"; s=$?; [[ $s == 22 ]] || { echo \"exit status $s, expected 22 (FBIG)\"; exit 1; }"
                 $<TARGET_FILE:wrun> ${bin}/file_too_big.wasm ${bin}/fsize-work)
set_tests_properties(tools/wrun/file-size-limit-is-an-error PROPERTIES LABELS cli TIMEOUT 60)

# /dev/zero never ends and is no module: wrun stops reading it (it once read until memory ran out).
wrun_cli_test(endless-non-module 4 "/dev/zero: not a WebAssembly module" /dev/zero)
