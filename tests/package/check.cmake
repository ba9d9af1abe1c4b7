# Installs the built project into a scratch prefix, then builds and runs a C++ and a C consumer
# against it with CMake's find_package and with pkg-config.
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/consumer -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
run(${WORK_DIR}/consumer/consumer-c)
# pkg-config: the same program compiled by hand from the flags the .pc file gives.
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs ipc OUTPUT_VARIABLE flags
                RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config does not know ipc")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
# The headers need C++20; the .pc file leaves the standard to the compiler (a C consumer uses it
# too).
run(c++ -std=c++20 ${SOURCE_DIR}/main.cpp ${flags} -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)
run(cc -std=c11 -Wall -Wextra -Werror ${SOURCE_DIR}/main.c ${flags} -o ${WORK_DIR}/consumer-c-pc)
run(${WORK_DIR}/consumer-c-pc)
