# Third-party packages, all from Debian 12 (installer/packages.txt).

find_package(Qt6 6.4 REQUIRED COMPONENTS Core Network Test)
if(SYNCLINE_BUILD_STUDIO)
    find_package(Qt6 6.4 REQUIRED COMPONENTS Gui Widgets Charts)
endif()
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
# simdjson 3.0 (Debian 12: libsimdjson-dev) ships a CMake package; engine/json links it.
find_package(simdjson 3.0 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
# The programs (not the libraries) link jemalloc, which then serves every allocation of the
# process, SQLite's and Qt's included (docs/performance.md).
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)

# valijson is header-only and ships no CMake package on Debian.
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp REQUIRED)
add_library(valijson INTERFACE IMPORTED)
target_include_directories(valijson INTERFACE "${VALIJSON_INCLUDE_DIR}")
