# Runs one test of the official wasi-testsuite (../shared/wasi-testsuite) the way its
# specification says (doc/specification.md): read TEST.json beside TEST.wasm (defaults:
# no args, empty env, exit code 0), copy the directories it preopens into a fresh work
# folder, run the module there, compare the exit code and, when given, stdout and stderr.
#
#   cmake -DRUNNER=<wrun-wasi-run or wrun> -DWASM=<test.wasm> -DWORK=<scratch dir>
#         -P run_wasi_testsuite.cmake
#
# The runner is called as `RUNNER [--env K=V]... [--dir HOST::GUEST]... MODULE ARGS...`,
# which wrun-wasi-run and the wrun CLI both accept. "root" is preopened as "/"; the older
# "dirs" list is preopened under each directory's own name.
cmake_minimum_required(VERSION 3.25)

foreach(v RUNNER WASM WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_wasi_testsuite.cmake: -D${v}=... is required")
  endif()
endforeach()

get_filename_component(test_dir "${WASM}" DIRECTORY)
get_filename_component(test_name "${WASM}" NAME_WE)
set(spec_file "${test_dir}/${test_name}.json")
set(spec "{}")
if(EXISTS "${spec_file}")
  file(READ "${spec_file}" spec)
endif()

# json_get(OUT KEY...): the value at KEY..., or empty (and OUT_FOUND false) when absent.
macro(json_get out)
  string(JSON ${out} ERROR_VARIABLE json_err GET "${spec}" ${ARGN})
  if(json_err)
    set(${out} "")
    set(${out}_FOUND FALSE)
  else()
    set(${out}_FOUND TRUE)
  endif()
endmacro()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

set(cmd "${RUNNER}")

# Environment: exactly the listed variables.
string(JSON n_env ERROR_VARIABLE json_err LENGTH "${spec}" env)
if(NOT json_err AND n_env GREATER 0)
  math(EXPR last "${n_env} - 1")
  foreach(i RANGE ${last})
    string(JSON key MEMBER "${spec}" env ${i})
    string(JSON value GET "${spec}" env "${key}")
    list(APPEND cmd --env "${key}=${value}")
  endforeach()
endif()

# Preopened directories, each a fresh writable copy (the shared originals are read-only).
function(copy_dir name out)
  file(COPY "${test_dir}/${name}" DESTINATION "${WORK}" NO_SOURCE_PERMISSIONS)
  set(${out} "${WORK}/${name}" PARENT_SCOPE)
endfunction()
json_get(root root)
if(root_FOUND AND NOT root STREQUAL "" AND NOT root STREQUAL "null")
  copy_dir("${root}" host)
  list(APPEND cmd --dir "${host}::/")
endif()
string(JSON n_dirs ERROR_VARIABLE json_err LENGTH "${spec}" dirs)
if(NOT json_err AND n_dirs GREATER 0)
  math(EXPR last "${n_dirs} - 1")
  foreach(i RANGE ${last})
    string(JSON d GET "${spec}" dirs ${i})
    copy_dir("${d}" host)
    list(APPEND cmd --dir "${host}::${d}")
  endforeach()
endif()

list(APPEND cmd "${WASM}")
string(JSON n_args ERROR_VARIABLE json_err LENGTH "${spec}" args)
if(NOT json_err AND n_args GREATER 0)
  math(EXPR last "${n_args} - 1")
  foreach(i RANGE ${last})
    string(JSON a GET "${spec}" args ${i})
    list(APPEND cmd "${a}")
  endforeach()
endif()

json_get(expect_exit exit_code)
if(NOT expect_exit_FOUND)
  set(expect_exit 0)
endif()
json_get(expect_stdout stdout)
json_get(expect_stderr stderr)

file(WRITE "${WORK}/stdin" "")
execute_process(COMMAND ${cmd}
                WORKING_DIRECTORY "${WORK}"
                INPUT_FILE "${WORK}/stdin"
                RESULT_VARIABLE rc
                OUTPUT_VARIABLE out
                ERROR_VARIABLE err)

set(problems "")
if(NOT rc STREQUAL "${expect_exit}")
  string(APPEND problems "exit status ${rc}, expected ${expect_exit}\n")
endif()
if(expect_stdout_FOUND AND NOT out STREQUAL expect_stdout)
  string(APPEND problems "stdout differs: expected [${expect_stdout}]\n")
endif()
if(expect_stderr_FOUND AND NOT err STREQUAL expect_stderr)
  string(APPEND problems "stderr differs: expected [${expect_stderr}]\n")
endif()

if(problems)
  string(REPLACE ";" " " shown "${cmd}")
  message(FATAL_ERROR "${test_name}: ${problems}command: ${shown}\n"
                      "--- stdout ---\n${out}\n--- stderr ---\n${err}")
endif()
file(REMOVE_RECURSE "${WORK}")
message(STATUS "${test_name}: passed")
