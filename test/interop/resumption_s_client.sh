#!/usr/bin/env bash
# `openssl s_client` resumes a session with https_server --verify require:
# the first connection saves its session (-sess_out), the second offers it
# (-sess_in) and must be resumed on both ends. TLS 1.2 by ticket (RFC 5077)
# and, with -no_ticket, by session id (RFC 5246 §7.3); TLS 1.3 by ticket
# (RFC 8446 §2.2), which s_client reads after the handshake, with the response.
# A resumed connection keeps the client certificate of the full handshake.
# Usage: resumption_s_client.sh 1.2|1.3   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
resumption_version "$1"
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")
start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require
for mode in "${resumption_modes[@]}"; do
    openssl_resumption_mode "$mode"
    session="$work_dir/session.$mode.pem"
    for run in full resumed; do
        s_client_session_arg "$run" "$session"
        out="$work_dir/s_client.$mode.$run"
        s_client_get "$server_port" "$out" "$openssl_pin" "${no_ticket[@]}" "${session_arg[@]}" \
            -verify_return_error -CAfile "$certs/ca.pem" \
            -cert "$certs/client-ecdsa.pem" -key "$certs/client-ecdsa.key" || {
            show_file "$out"
            show_file "$server_log"
            fail "s_client failed: TLS $version, $mode, $run handshake"
        }
        assert_contains "$out" "HTTP/1.0 200 OK"
        assert_contains "$out" "version: TLSv$version"
        assert_contains "$out" "client: $client_subject"
        case $run in
            full)
                assert_contains "$out" "New, TLSv$version, Cipher is"
                assert_contains "$out" "resumed: no"
                [[ -s $session ]] || fail "s_client saved no session: TLS $version, $mode"
                ;;
            resumed)
                assert_contains "$out" "Reused, TLSv$version, Cipher is"
                assert_contains "$out" "resumed: yes"
                ;;
        esac
        # What the server offered: a TLS 1.3 ticket after the handshake; in TLS
        # 1.2, a ticket in the handshake unless the client declined them.
        case $version/$mode in
            1.3/*) assert_contains "$out" "Post-Handshake New Session Ticket arrived:" ;;
            1.2/ticket) [[ $run == resumed ]] || assert_contains "$out" "TLS session ticket lifetime hint:" ;;
            1.2/id) assert_not_contains "$out" "TLS session ticket:" ;;
        esac
    done
    echo "ok: s_client resumed a TLS $version session by $mode"
done
