#!/usr/bin/env bash
# https_client resumes a session with `openssl s_server -www`, which demands a
# client certificate: the first run saves its session (--sess-out), the
# second offers it (--sess-in) and both ends must report the resumption
# (https_client's "resumed: yes", s_server's status page "Reused, ...").
# TLS 1.2 by ticket (RFC 5077) and, with s_server -no_ticket, by session id;
# TLS 1.3 by ticket (RFC 8446 §2.2).
# Usage: resumption_client_vs_s_server.sh 1.2|1.3   (env: HTTPS_CLIENT, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program openssl
resumption_version "$1"
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")
for mode in "${resumption_modes[@]}"; do
    openssl_resumption_mode "$mode"
    start_s_server "$openssl_pin" "${no_ticket[@]}" -Verify 1 -verify_return_error \
        -cert "$certs/server-ecdsa.pem" -key "$certs/server-ecdsa.key" -CAfile "$certs/ca.pem"
    session="$work_dir/session.$mode"
    for run in full resumed; do
        case $run in
            full) session_arg=(--sess-out "$session") expect=no page="New" ;;
            resumed) session_arg=(--sess-in "$session") expect=yes page="Reused" ;;
        esac
        out="$work_dir/client.$mode.$run"
        https_client_get "$server_port" "$out" --cert "$certs/client-ecdsa.pem" \
            --key "$certs/client-ecdsa.key" "${session_arg[@]}" || {
            show_file "$out.err"
            show_file "$server_log"
            fail "https_client failed: TLS $version, $mode, $run handshake"
        }
        assert_contains "$out.err" "TLSv$version "
        assert_contains "$out.err" "resumed: $expect"
        assert_contains "$out.body" "$page, TLSv$version, Cipher is"
        assert_contains "$out.body" "Subject: $client_subject"
        if [[ $run == full ]]; then
            [[ -s $session ]] || fail "https_client saved no session: TLS $version, $mode"
            [[ $(stat -c %a "$session") == 600 ]] || fail "session file is not private: $(stat -c %a "$session")"
        fi
    done
    stop_server
    echo "ok: https_client resumed a TLS $version session by $mode with s_server"
done
