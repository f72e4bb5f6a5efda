# Interop tests: the example programs against openssl, GnuTLS and curl, and back.
# Each test is one bash script under interop/ (helpers in interop/lib.sh); a
# missing peer program fails the test rather than skipping it.

set(mtls_interop_dir ${CMAKE_CURRENT_SOURCE_DIR}/interop)
set(mtls_interop_env
  "MTLS_TEST_CERTS=${MTLS_TEST_CERTS}"
  "HTTPS_SERVER=$<TARGET_FILE:https_server>"
  "HTTPS_CLIENT=$<TARGET_FILE:https_client>")

# mtls_interop_test(NAME SCRIPT [ARG...]): the example programs use default
# contexts, so each test also runs over OpenSSL's provider (NAME.openssl, the
# provider matrix in CMakeLists.txt).
function(mtls_interop_test name script)
  add_test(NAME ${name} COMMAND bash ${mtls_interop_dir}/${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES
    FIXTURES_REQUIRED certs
    ENVIRONMENT "${mtls_interop_env}"
    TIMEOUT 120)
  mtls_provider_matrix_add(${name} bash ${mtls_interop_dir}/${script} ${ARGN})
endfunction()

if(TARGET https_server AND TARGET https_client)
  # The six TLS 1.2 suites, by their OpenSSL names; mutual authentication in
  # every direction.
  foreach(suite IN ITEMS
      ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305
      ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305)
    mtls_interop_test(interop_client_vs_s_server_${suite} client_vs_s_server.sh ${suite})
    mtls_interop_test(interop_s_client_vs_server_${suite} s_client_vs_server.sh ${suite})
    mtls_interop_test(interop_curl_vs_server_${suite} curl_vs_server.sh ${suite})
  endforeach()
  mtls_interop_test(interop_server_requires_client_cert server_requires_client_cert.sh 1.2)
  mtls_interop_test(interop_client_rejects_untrusted_server client_rejects_untrusted_server.sh 1.2)
  mtls_interop_test(interop_server_robustness server_robustness.sh)
  # Plain HTTP to the TLS port answered with 400; a TLS client names a
  # plain HTTP or SSH server as not speaking TLS.
  mtls_interop_test(interop_not_tls not_tls.sh)
  mtls_interop_test(interop_examples_default_tls13 examples_default_tls13.sh)
  # The worked port of docs/migrating-from-asio-ssl.md (test/migration; not
  # in the sanitizer builds).
  if(TARGET http_client_async_mtls)
    mtls_interop_test(interop_migration_port migration_port.sh)
    set_property(TEST interop_migration_port APPEND PROPERTY ENVIRONMENT
      "MIGRATION_CLIENT=$<TARGET_FILE:http_client_async_mtls>")
  endif()
  # Handshake and idle timeouts, accept backoff, connection cap, lingering close.
  mtls_interop_test(interop_examples_limits_https_server server_limits.sh https_server)

  # TLS 1.3, mutual authentication: one test per suite and peer library, each
  # covering the three groups in both directions.
  foreach(suite IN ITEMS TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256)
    mtls_interop_test(interop_tls13_openssl_${suite} tls13_openssl.sh ${suite})
    mtls_interop_test(interop_tls13_gnutls_${suite} tls13_gnutls.sh ${suite})
  endforeach()
  foreach(peer IN ITEMS openssl gnutls)
    mtls_interop_test(interop_tls13_hello_retry_${peer} tls13_hello_retry.sh ${peer})
  endforeach()
  foreach(side IN ITEMS server client)
    mtls_interop_test(interop_tls13_key_update_${side} tls13_key_update.sh ${side})
  endforeach()
  mtls_interop_test(interop_tls13_no_client_cert tls13_no_client_cert.sh)
  mtls_interop_test(interop_tls13_server_requires_client_cert server_requires_client_cert.sh 1.3)
  mtls_interop_test(interop_tls13_client_rejects_untrusted_server client_rejects_untrusted_server.sh 1.3)

  # Session resumption: each direction against OpenSSL, gnutls-cli, and
  # https_server processes sharing a ticket key file.
  foreach(version IN ITEMS 1.2 1.3)
    mtls_interop_test(interop_resumption_s_client_${version} resumption_s_client.sh ${version})
    mtls_interop_test(interop_resumption_client_vs_s_server_${version}
      resumption_client_vs_s_server.sh ${version})
  endforeach()
  mtls_interop_test(interop_resumption_gnutls resumption_gnutls.sh)
  mtls_interop_test(interop_resumption_fleet resumption_fleet.sh)

  # ALPN (RFC 7301): https_server against curl --http2, nghttp and s_client;
  # https_client against s_server.
  mtls_interop_test(interop_alpn_curl_nghttp alpn_curl_nghttp.sh)
  mtls_interop_test(interop_alpn_openssl alpn_openssl.sh)

  # Keying material exporters (RFC 5705, RFC 8446 §7.5): https_server against
  # s_client -keymatexport, TLS 1.2 and 1.3.
  mtls_interop_test(interop_exporter_openssl exporter_openssl.sh)

  # SSLKEYLOGFILE: tshark decrypts a tcpdump capture of https_client and
  # https_server with either key log. Skipped (77) only where tcpdump may not
  # capture, i.e. not as root.
  mtls_interop_test(interop_keylog_tshark keylog_tshark.sh)
  set_tests_properties(interop_keylog_tshark PROPERTIES SKIP_RETURN_CODE 77)

  # Revocation: https_server --crl against s_client presenting revoked and
  # unrevoked client certificates (openssl ca -revoke, -gencrl).
  foreach(version IN ITEMS 1.2 1.3)
    mtls_interop_test(interop_crl_s_client_${version} crl_s_client.sh ${version})
  endforeach()

  # Peer identity: https_server --require-client-uri against s_client.
  mtls_interop_test(interop_client_uri_s_client client_uri_s_client.sh)

  # Server names (SNI): https_server --sni and --sni-strict against
  # s_client -servername, TLS 1.2 and 1.3.
  mtls_interop_test(interop_sni_s_client sni_s_client.sh)

  # Suite preference: https_server --cipher-preference against s_client
  # -cipher / -ciphersuites, TLS 1.2 and 1.3.
  mtls_interop_test(interop_cipher_preference_s_client cipher_preference_s_client.sh)
endif()

# The echo examples (callbacks and coroutines over tls_stream) against each
# other and openssl.
if(TARGET echo_server AND TARGET coro_echo_server AND TARGET coro_echo_client)
  list(APPEND mtls_interop_env
    "ECHO_SERVER=$<TARGET_FILE:echo_server>"
    "CORO_ECHO_SERVER=$<TARGET_FILE:coro_echo_server>"
    "CORO_ECHO_CLIENT=$<TARGET_FILE:coro_echo_client>")
  mtls_interop_test(interop_echo_examples echo_examples.sh)
  foreach(server IN ITEMS echo_server coro_echo_server)
    mtls_interop_test(interop_examples_limits_${server} server_limits.sh ${server})
  endforeach()
endif()

# The wss_echo example (Beast websocket over tls_stream, mtls/beast.hpp).
if(TARGET wss_echo)
  list(APPEND mtls_interop_env "WSS_ECHO=$<TARGET_FILE:wss_echo>")
  mtls_interop_test(interop_wss_example wss_example.sh)
endif()

# The command lines of every example program: unknown options, missing,
# repeated and bad values exit 2 with a reason and the usage (options.hpp).
if(TARGET https_server AND TARGET https_client AND TARGET echo_server AND TARGET coro_echo_server
   AND TARGET coro_echo_client AND TARGET wss_echo)
  mtls_interop_test(interop_example_options example_options.sh)
endif()

include(${CMAKE_CURRENT_LIST_DIR}/package.cmake)
