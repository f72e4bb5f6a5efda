# Packaging check: install this build, then build a find_package(mtls)
# consumer (test/package) against the installed copy.
set(mtls_package_args)
if(MTLS_SANITIZE)
  # The installed static library needs the sanitizer runtimes at link time.
  list(APPEND mtls_package_args "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${MTLS_SANITIZE}")
endif()
add_test(NAME package_find_package
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/package/check.sh
    ${PROJECT_BINARY_DIR} ${CMAKE_CXX_COMPILER} ${mtls_package_args})
set_tests_properties(package_find_package PROPERTIES TIMEOUT 300)
