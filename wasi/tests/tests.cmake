# Tests for wasi/ (included from wasi/CMakeLists.txt when WRUN_BUILD_TESTS is on).

# Unit tests: hostile arguments against a small guest memory and a temporary preopen.
file(GLOB unit_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/*_test.cc)
if(unit_srcs)
  add_executable(wasi_tests ${unit_srcs})
  target_link_libraries(wasi_tests PRIVATE wrun_wasi wrun_alloc_meter GTest::gtest GTest::gtest_main
                                           wrun_warnings)
  include(GoogleTest)
  gtest_discover_tests(wasi_tests TEST_PREFIX "wasi/unit/" DISCOVERY_TIMEOUT 60)
endif()

# The official wasi-testsuite: one CTest test per module, wasi/<suite>/<name>. The runner
# is wrun-wasi-run; the wrun CLI takes the same arguments (set WRUN_WASI_TEST_RUNNER).
set(WRUN_WASI_TESTSUITE "${WRUN_SHARED_DIR}/wasi-testsuite" CACHE PATH "The wasi-testsuite checkout")
set(WRUN_WASI_TEST_RUNNER "" CACHE STRING "Program that runs the wasi-testsuite modules (default: wrun-wasi-run)")
if(WRUN_WASI_TEST_RUNNER)
  set(runner "${WRUN_WASI_TEST_RUNNER}")
else()
  set(runner "$<TARGET_FILE:wrun-wasi-run>")
endif()
set(count 0)
foreach(suite c rust assemblyscript)
  file(GLOB modules "${WRUN_WASI_TESTSUITE}/tests/${suite}/testsuite/wasm32-wasip1/*.wasm")
  foreach(wasm ${modules})
    get_filename_component(name "${wasm}" NAME_WE)
    add_test(NAME wasi/${suite}/${name}
             COMMAND ${CMAKE_COMMAND} "-DRUNNER=${runner}" "-DWASM=${wasm}"
                     "-DWORK=${CMAKE_CURRENT_BINARY_DIR}/testsuite-work/${suite}/${name}"
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/run_wasi_testsuite.cmake)
    set_tests_properties(wasi/${suite}/${name} PROPERTIES LABELS wasi-testsuite TIMEOUT 120)
    math(EXPR count "${count} + 1")
  endforeach()
endforeach()
if(count EQUAL 0)
  message(STATUS "wasi: no wasi-testsuite under ${WRUN_WASI_TESTSUITE}; its tests are not registered")
endif()

# Escape tests: wasi/escape/escape.wasm tries every way out of its sandbox; wrun-wasi-escape
# runs it and checks the trees from the host. The guest is rebuilt from escape.c when clang
# can target wasm32-wasi (Debian: clang lld wasi-libc libclang-rt-dev-wasm32); otherwise the
# committed escape.wasm is used, so the build never needs that toolchain.
add_executable(wrun-wasi-escape ${CMAKE_CURRENT_SOURCE_DIR}/tests/escape_main.cc)
target_link_libraries(wrun-wasi-escape PRIVATE wrun_wasi wrun_warnings)

set(escape_src ${CMAKE_CURRENT_SOURCE_DIR}/escape/escape.c)
set(escape_wasm ${CMAKE_CURRENT_SOURCE_DIR}/escape/escape.wasm)
set(WRUN_WASI_SYSROOT "" CACHE PATH "wasi-libc sysroot for building test guests (empty: clang's default)")
find_program(WRUN_WASM_CLANG NAMES clang clang-19 clang-16 clang-15 clang-14)
if(WRUN_WASM_CLANG AND NOT DEFINED WRUN_WASM_CLANG_WORKS)
  set(sysroot_flag)
  if(WRUN_WASI_SYSROOT)
    set(sysroot_flag --sysroot=${WRUN_WASI_SYSROOT})
  elseif(EXISTS /usr/share/wasi-sysroot)
    set(sysroot_flag --sysroot=/usr/share/wasi-sysroot)
  endif()
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/wasm-probe.c "#include <stdio.h>\nint main(void){puts(\"ok\");return 0;}\n")
  execute_process(COMMAND ${WRUN_WASM_CLANG} --target=wasm32-wasi ${sysroot_flag}
                          ${CMAKE_CURRENT_BINARY_DIR}/wasm-probe.c -o ${CMAKE_CURRENT_BINARY_DIR}/wasm-probe.wasm
                  RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(probe_rc EQUAL 0)
    set(WRUN_WASM_CLANG_WORKS ON CACHE INTERNAL "")
    set(WRUN_WASM_SYSROOT_FLAG "${sysroot_flag}" CACHE INTERNAL "")
  else()
    set(WRUN_WASM_CLANG_WORKS OFF CACHE INTERNAL "")
  endif()
endif()
if(WRUN_WASM_CLANG_WORKS)
  set(escape_wasm ${CMAKE_CURRENT_BINARY_DIR}/escape.wasm)
  set(escape_werror)
  if(WRUN_WERROR)
    set(escape_werror -Werror)
  endif()
  add_custom_command(OUTPUT ${escape_wasm}
                     COMMAND ${WRUN_WASM_CLANG} --target=wasm32-wasi ${WRUN_WASM_SYSROOT_FLAG} -O2
                             -Wall -Wextra ${escape_werror} -Wl,--strip-debug ${escape_src} -o ${escape_wasm}
                     DEPENDS ${escape_src}
                     COMMENT "Building the escape-test guest escape.wasm")
  add_custom_target(wasi_escape_guest ALL DEPENDS ${escape_wasm})
  message(STATUS "wasi: building escape.wasm with ${WRUN_WASM_CLANG}")
else()
  message(STATUS "wasi: no wasm32-wasi clang; using the committed wasi/escape/escape.wasm")
endif()
foreach(mode static race readonly)
  add_test(NAME wasi/escape/${mode} COMMAND wrun-wasi-escape ${escape_wasm} ${mode})
  set_tests_properties(wasi/escape/${mode} PROPERTIES LABELS wasi-escape TIMEOUT 300)
endforeach()
