# Replays every saved fuzz input as an ordinary test, built with the normal
# compiler (so also under ASan; scripts/test.sh --tsan leaves them out, one
# thread gives TSan nothing to find): one <target>_replay
# executable and test per fuzz target. It runs the committed regressions in
# fuzz/regressions/<target>/ (absent until a target's first finding) and the
# seeds that fuzz_make_corpus generates from real handshakes (fixture
# fuzz_seeds), so the harnesses run in every configuration too.
# Included from test/CMakeLists.txt.

set(mtls_fuzz_dir ${PROJECT_SOURCE_DIR}/fuzz)
set(mtls_fuzz_targets fuzz_server fuzz_client fuzz_record fuzz_messages fuzz_handshake fuzz_session fuzz_certificate fuzz_pkcs8 fuzz_public_key)
set(mtls_fuzz_seeds ${CMAKE_CURRENT_BINARY_DIR}/fuzz-seeds)

add_library(mtls_fuzz_replay_support STATIC ${mtls_fuzz_dir}/fuzz_support.cpp ${mtls_fuzz_dir}/credentials.cpp)
target_include_directories(mtls_fuzz_replay_support PUBLIC ${PROJECT_SOURCE_DIR}/src ${mtls_fuzz_dir})
target_link_libraries(mtls_fuzz_replay_support PUBLIC mtls::mtls MbedTLS::mbedx509 MbedTLS::mbedcrypto)

add_executable(fuzz_make_corpus ${mtls_fuzz_dir}/make_corpus.cpp)
target_link_libraries(fuzz_make_corpus PRIVATE mtls_fuzz_replay_support)
add_test(NAME fuzz_make_corpus COMMAND fuzz_make_corpus ${mtls_fuzz_seeds})
set_tests_properties(fuzz_make_corpus PROPERTIES FIXTURES_SETUP fuzz_seeds)

# Compiled once for all the drivers.
add_library(mtls_fuzz_replay_main OBJECT ${mtls_fuzz_dir}/replay_main.cpp)

foreach(target IN LISTS mtls_fuzz_targets)
  add_executable(${target}_replay ${mtls_fuzz_dir}/${target}.cpp $<TARGET_OBJECTS:mtls_fuzz_replay_main>)
  target_link_libraries(${target}_replay PRIVATE mtls_fuzz_replay_support)
  add_test(NAME ${target}_replay
    COMMAND ${target}_replay --optional ${mtls_fuzz_dir}/regressions/${target} ${mtls_fuzz_seeds}/${target})
  set_tests_properties(${target}_replay PROPERTIES FIXTURES_REQUIRED fuzz_seeds TIMEOUT 600)
endforeach()
