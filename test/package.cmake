# Packaging check (test/package/check.sh): the installed static library with
# a CMake and a pkg-config consumer, the C++17 #error, and the library built
# and installed as a shared library.
add_test(NAME package_find_package
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/package/check.sh
    ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR} ${CMAKE_CXX_COMPILER} "${MTLS_SANITIZE}" "${CMAKE_CXX_COMPILER_LAUNCHER}")
# COST: the longest test (it builds mtls again, shared); started first, it
# runs beside the others instead of after them.
set_tests_properties(package_find_package PROPERTIES TIMEOUT 900 COST 1000)

# Every public header compiles on its own: a generated source per header,
# including that header alone, built with the tests (not in the sanitizer
# builds: compiling proves nothing more there).
if(NOT MTLS_SANITIZE)
file(GLOB_RECURSE mtls_public_headers CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/include/mtls/*.hpp)
set(mtls_header_sources)
foreach(header IN LISTS mtls_public_headers)
  string(MAKE_C_IDENTIFIER ${header} name)
  set(source ${CMAKE_CURRENT_BINARY_DIR}/headers/${name}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "#include <${header}>\n")
  list(APPEND mtls_header_sources ${source})
endforeach()
add_library(mtls_headers_alone OBJECT ${mtls_header_sources})
target_link_libraries(mtls_headers_alone PRIVATE mtls::mtls)
target_compile_options(mtls_headers_alone PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
endif()
