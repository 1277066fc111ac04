# Runs a program and checks both its exit status and its output, which CTest's own test
# properties cannot do together (PASS_REGULAR_EXPRESSION ignores the exit status).
#   cmake -DPROGRAM=path "-DARGS=a|b|c" -DEXPECT_EXIT=N "-DEXPECT_OUTPUT=line one|line two"
#         -P check_run.cmake
# Arguments and expected output pieces are separated by "|"; each output piece must occur
# literally in stdout+stderr.
string(REPLACE "|" ";" arg_list "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${arg_list}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
set(ok TRUE)
if(NOT "${status}" STREQUAL "${EXPECT_EXIT}")
  message("check_run: exit status ${status}, expected ${EXPECT_EXIT}")
  set(ok FALSE)
endif()
if(NOT "${EXPECT_OUTPUT}" STREQUAL "")
  string(REPLACE "|" ";" pieces "${EXPECT_OUTPUT}")
  foreach(piece IN LISTS pieces)
    string(FIND "${out}" "${piece}" at)
    if(at EQUAL -1)
      message("check_run: output lacks \"${piece}\"")
      set(ok FALSE)
    endif()
  endforeach()
endif()
if(NOT ok)
  message(FATAL_ERROR "check_run: ${PROGRAM} did not behave as expected")
endif()
