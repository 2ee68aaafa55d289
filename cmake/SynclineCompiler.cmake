# Compiler settings shared by every Syncline target (see ../shared/style.md).

find_program(SYNCLINE_CCACHE ccache)
if(SYNCLINE_CCACHE)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${SYNCLINE_CCACHE}")
endif()

add_library(syncline_options INTERFACE)
target_compile_options(syncline_options INTERFACE -Wall -Wextra -Wpedantic)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports -Wrestrict inside its own std::string headers at -O2/-O3 (GCC bug 105329),
    # which would fail the warnings-as-errors build on code that is correct.
    target_compile_options(syncline_options INTERFACE -Wno-restrict)
endif()
target_compile_definitions(syncline_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_FOREACH
    SYNCLINE_VERSION="${PROJECT_VERSION}")
if(SYNCLINE_WERROR)
    target_compile_options(syncline_options INTERFACE -Werror)
endif()
if(SYNCLINE_SANITIZE)
    target_compile_options(syncline_options INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(syncline_options INTERFACE -fsanitize=address,undefined)
endif()
