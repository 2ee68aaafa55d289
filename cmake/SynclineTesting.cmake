# syncline_add_test(<name> SOURCES <files...> [LIBRARIES <targets...>] [LABELS <labels...>]
#                   [GUI] [TIMEOUT <seconds>])
#
# One Qt Test executable per unit, registered with CTest. Engine tests use QTEST_GUILESS_MAIN;
# GUI tests (GUI) run under QT_QPA_PLATFORM=offscreen. Every test gets the label of its area.
# Tests find the checkout and ../shared through the SYNCLINE_SOURCE_DIR and SYNCLINE_SHARED_DIR
# compile definitions (the environment variable SYNCLINE_SHARED_DIR overrides the latter).
function(syncline_add_test name)
    cmake_parse_arguments(ARG "GUI" "TIMEOUT" "SOURCES;LIBRARIES;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/tests")
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBRARIES})
    target_compile_definitions(${name} PRIVATE
        SYNCLINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        SYNCLINE_SHARED_DIR="${SYNCLINE_SHARED_DIR}"
        SYNCLINE_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
    add_test(NAME ${name} COMMAND ${name})
    set(env "")
    if(ARG_GUI)
        list(APPEND env "QT_QPA_PLATFORM=offscreen")
    endif()
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "${env}")
    if(ARG_TIMEOUT)
        set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
    endif()
endfunction()
