#!/usr/bin/env bash
# gnutls-cli resumes a session with https_server --verify require, and both
# ends must say so (gnutls-cli's "This is a resumed session", https_server's
# "resumed: yes", with the client certificate of the full handshake).
# TLS 1.2: `gnutls-cli --resume` reconnects right after the first handshake,
# offering the RFC 5077 ticket it got in the handshake, or with the priority
# keyword %NO_TICKETS the session id (gnutls-cli 3.7's --noticket still sends
# the session_ticket extension in TLS 1.2). TLS 1.3: the tickets come with https_server's first answer
# (ahead of its first data), so gnutls-cli first sends a keep-alive GET and
# reads the answer, then resumes with the inline command ^resume^ and sends a
# second GET on the resumed connection.
# Usage: resumption_gnutls.sh   (env: HTTPS_SERVER, MTLS_TEST_CERTS)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
require_program gnutls-cli
require_program openssl
certs=$MTLS_TEST_CERTS
client_subject=$(subject_of "$certs/client-ecdsa.pem")
client_args=(--x509cafile "$certs/ca.pem" --x509certfile "$certs/client-ecdsa.pem"
    --x509keyfile "$certs/client-ecdsa.key")
start_https_server --cert "$certs/server-ecdsa.pem" --key "$certs/server-ecdsa.key" \
    --ca "$certs/ca.pem" --verify require

# The lines https_server's answers in FILE said about resumption and the
# client, in order.
answers() {
    grep -E '^(resumed|client): ' "$1" | tr '\n' ';'
}

for mode in ticket id; do
    case $mode in
        ticket) priority="NORMAL:-VERS-ALL:+VERS-TLS1.2" ;;
        id) priority="NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_TICKETS" ;;
    esac
    out="$work_dir/gnutls-cli.1.2.$mode"
    gnutls_cli_get "$server_port" "$out" --priority "$priority" --resume "${client_args[@]}" || {
        show_file "$out"
        show_file "$server_log"
        fail "gnutls-cli --resume failed: TLS 1.2, $mode"
    }
    assert_contains "$out" "- Connecting again- trying to resume previous session"
    assert_contains "$out" "*** This is a resumed session"
    assert_contains "$out" "version: TLSv1.2"
    # Only the resumed connection sends a request.
    [[ $(answers "$out") == "client: $client_subject;resumed: yes;" ]] || {
        show_file "$out"
        fail "https_server did not report the resumed TLS 1.2 session ($mode): $(answers "$out")"
    }
    echo "ok: gnutls-cli resumed a TLS 1.2 session by $mode"
done

out="$work_dir/gnutls-cli.1.3"
fifo="$work_dir/gnutls-cli.1.3.in"
mkfifo "$fifo"
timeout "$step_timeout" gnutls-cli --port "$server_port" --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" \
    --inline-commands "${client_args[@]}" localhost <"$fifo" >"$out" 2>&1 &
client_pid=$!
background_pids+=("$client_pid")
exec {fd}>"$fifo"
# In subshells: if gnutls-cli is already gone, SIGPIPE ends only that.
(printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' >&"$fd") 2>/dev/null || true
wait_for_line "$out" '^resumed: ' "$client_pid" >/dev/null
(printf '^resume^\n' >&"$fd") 2>/dev/null || true
wait_for_line "$out" '^- Resume Handshake was completed' "$client_pid" >/dev/null
(printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&"$fd") 2>/dev/null || true
status=0
wait "$client_pid" || status=$?
exec {fd}>&-
[[ $status -eq 0 ]] || {
    show_file "$out"
    show_file "$server_log"
    fail "gnutls-cli exited with status $status: TLS 1.3"
}
assert_contains "$out" "*** This is a resumed session"
assert_contains "$out" "version: TLSv1.3"
[[ $(answers "$out") == "client: $client_subject;resumed: no;client: $client_subject;resumed: yes;" ]] || {
    show_file "$out"
    fail "https_server did not report a full, then a resumed TLS 1.3 session: $(answers "$out")"
}
echo "ok: gnutls-cli resumed a TLS 1.3 session"
