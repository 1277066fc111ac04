# The official WASI preview1 tests (wasi-testsuite), each run through the wrun CLI from a fresh
# copy of its files: tests named wasi-cli/<language>/<test>. Included from tools/CMakeLists.txt.
set(wasi_suite_dir ${WRUN_SHARED_DIR}/wasi-testsuite/tests)
file(GLOB wasi_cli_tests ${wasi_suite_dir}/*/testsuite/wasm32-wasip1/*.wasm)
if(NOT wasi_cli_tests)
  message(WARNING "No WASI tests in ${wasi_suite_dir}: set WRUN_SHARED_DIR to the shared/ folder")
endif()
foreach(wasm IN LISTS wasi_cli_tests)
  get_filename_component(test ${wasm} NAME_WE)
  file(RELATIVE_PATH rel ${wasi_suite_dir} ${wasm})
  string(REGEX MATCH "^[^/]+" language ${rel})
  add_test(NAME wasi-cli/${language}/${test}
           COMMAND ${CMAKE_COMMAND} -DWRUN=$<TARGET_FILE:wrun> -DTEST_WASM=${wasm}
                   -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/wasi-cli-work/${language}/${test}
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/wasi_test.cmake)
  set_tests_properties(wasi-cli/${language}/${test} PROPERTIES LABELS wasi-cli TIMEOUT 120)
endforeach()
