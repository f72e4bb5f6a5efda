// https_server: an HTTPS/1.1 server over mtls that tells each client what it
// negotiated.
//
//   https_server --port P --cert F --key F [--ca F] [--verify none|optional|require]
//                [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]
//                [--groups LIST] [--ciphers LIST]
//                [--cipher-preference server|client|fastest]
//                [--handshake-timeout SECONDS] [--idle-timeout SECONDS]
//                [--max-connections N] [--ticket-key-file FILE] [--alpn LIST]
//                [--keymatexport LABEL [--keymatexportlen N]]
//                [--crl FILE]
//                [--require-client-uri PATTERN]
//                [--sni NAME=CERT,KEY]... [--sni-strict]
//
// --groups takes key exchange groups in preference order, comma-separated
// (x25519,secp256r1,secp384r1); --ciphers takes cipher suites the same way,
// by IANA name (TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,...).
// --cipher-preference says whose order picks the suite: the server's --ciphers
// order (server, the default), the client's (client), or the server's with the
// AEAD cheapest for the crypto provider first (fastest: ChaCha20-Poly1305 with
// mbedTLS, AES-128-GCM with OpenSSL; MTLS_CRYPTO_PROVIDER picks the provider);
// mtls::context::set_cipher_preference.
// --alpn takes the application protocols (ALPN, RFC 7301) the server accepts,
// in preference order, comma-separated (default http/1.1); a client offering
// only others is refused with a no_application_protocol alert. The server
// speaks HTTP/1.1 whatever it advertises.
// --crl FILE checks client chains against the CRLs in FILE (PEM or DER, e.g.
// from `openssl ca -gencrl`): a revoked client gets a certificate_revoked alert.
//
// --require-client-uri PATTERN admits only clients whose certificate carries a
// URI SAN matching PATTERN, e.g. spiffe://example.org/ns/*/sa/billing ("*" is
// one path segment; see mtls::uri_matches); others get an access_denied alert.
// It asks every client for a certificate; use it with --verify require and --ca.
//
// --sni NAME=CERT,KEY (repeatable) serves clients asking for server name NAME
// (SNI, RFC 6066 §3; exact without regard to case, or "*.domain") with the
// chain in PEM file CERT and its key KEY instead of --cert/--key. --ca,
// --verify, --crl and --require-client-uri apply to those clients as well.
// A client asking for another name, or none, gets --cert; with --sni-strict
// (which takes no value), one asking for another name is refused with an
// unrecognized_name alert.
//
// Every GET is answered with 200 and a text/plain body of seven lines:
//   version: TLSv1.3                   (TLS 1.3 unless a side is limited to 1.2)
//   cipher: TLS_AES_128_GCM_SHA256
//   group: x25519
//   client: CN=mtls test client        (or "client: none"; in a resumed session,
//                                       the client of the full handshake)
//   resumed: no                        ("yes" when the client resumed a session)
//   alpn: http/1.1                     (or "alpn: none" when the client offered no ALPN)
//   client-uri: spiffe://example.org/ns/prod/sa/billing
//                                      (the first URI SAN of the client's certificate, or none)
// --keymatexport LABEL adds a line after all of those, as OpenSSL's flag of
// that name prints: keying material exported without context (RFC 5705,
// RFC 8446 §7.5) for LABEL, --keymatexportlen bytes (default 20, as
// OpenSSL's), in upper-case hex:
//   exporter: 9F3A...                  (or "exporter: refused (<reason>)")
// The server issues session tickets and keeps TLS 1.2 sessions by id.
// --ticket-key-file FILE seals and opens tickets with the keys in FILE: 1 to 8
// records of 48 bytes (a 16-byte name, then a 32-byte key; the first seals,
// all open), e.g. `head -c 48 /dev/urandom > ticket.key`. Servers started with
// the same file resume each other's sessions. Without it, each process has its
// own random key.
// --port 0 picks a free port; the port is printed as "listening on port N".
// A bad command line exits 2 with one line saying why and the usage
// (options.hpp); --help prints the usage.
// A failed connection is logged as one line on stderr; the server keeps going.
// A client sending plain HTTP to the TLS port gets a plain HTTP 400 telling
// it to use https://.
//
// Limits, so that clients cannot exhaust the server:
// - a connection must finish its handshake within --handshake-timeout seconds
//   (default 10), and one that makes no progress (no request arriving, no
//   response leaving) for --idle-timeout seconds (default 60) is closed;
// - at most --max-connections (default 1000) are open at once; at the cap the
//   server stops accepting until one closes (new clients wait in the listen
//   queue);
// - a failed accept (e.g. out of file descriptors) is retried after 100 ms,
//   doubling up to 1 s, with one log line per wait.
// A failed connection is closed after a short drain (see linger_close) so the
// client reads the server's alert rather than a TCP reset.
// SSLKEYLOGFILE, when set, names a file the TLS secrets are appended to, for
// Wireshark (key_log_file.hpp); for debugging only.

#include "key_log_file.hpp"
#include "options.hpp"

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using stream_type = mtls::tls_stream<beast::tcp_stream>;

namespace {

struct limits {
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds idle_timeout{60};
    long max_connections = 1000;
    // Not limits, but per-connection settings too: --keymatexport (empty: no
    // exporter line) and --keymatexportlen.
    std::string export_label;
    std::size_t export_length = 20;
};

// How long a failed connection may drain before it is closed.
constexpr std::chrono::seconds linger_time{1};
// Waits before retrying a failed accept: the first, and the longest.
constexpr std::chrono::milliseconds first_backoff{100};
constexpr std::chrono::milliseconds max_backoff{1000};

constexpr std::string_view usage_text =
    "usage: https_server --port P --cert F --key F [--ca F]"
    " [--verify none|optional|require] [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]\n"
    "                    [--groups x25519,secp256r1,secp384r1] [--ciphers IANA_NAME,...]\n"
    "                    [--cipher-preference server|client|fastest]\n"
    "                    [--handshake-timeout SECONDS] [--idle-timeout SECONDS] [--max-connections N]\n"
    "                    [--ticket-key-file FILE] [--alpn PROTOCOL,...] [--crl FILE]"
    " [--require-client-uri PATTERN]\n"
    "                    [--sni NAME=CERT,KEY]... [--sni-strict]\n"
    "                    [--keymatexport LABEL [--keymatexportlen N]]\n";

// The flags of the comment at the top; a bad one exits 2 (options.hpp).
examples::command_line parse_command_line(int argc, char** argv) {
    return {argc, argv, "https_server", usage_text, {},
            {{"--port"}, {"--cert"}, {"--key"}, {"--ca"}, {"--verify"}, {"--tls-min"}, {"--tls-max"},
             {"--groups"}, {"--ciphers"}, {"--cipher-preference"}, {"--handshake-timeout"}, {"--idle-timeout"},
             {"--max-connections"}, {"--ticket-key-file"}, {"--alpn"}, {"--crl"},
             {"--require-client-uri"}, {.name = "--sni", .repeatable = true},
             {.name = "--sni-strict", .takes_value = false}, {"--keymatexport"}, {"--keymatexportlen"}}};
}

// --ticket-key-file: the file is as secret as the private key (whoever has it
// can open every ticket and resume every session).
void set_ticket_keys(mtls::context& ctx, const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read ticket key file " + path);
    const std::vector<char> keys{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    mtls::error_code ec;
    ctx.set_ticket_keys(std::as_bytes(std::span(keys)), ec);
    if (ec)
        throw std::runtime_error("ticket key file " + path + " holds " + std::to_string(keys.size()) +
                                 " bytes: " + ec.message());
}

// The settings that decide which clients a context admits. Each --sni
// context gets them too: the one chosen for a name checks that name's clients.
struct client_policy {
    std::string ca, crl; // files; empty when not given
    mtls::verify_mode verify = mtls::verify_none;
    std::vector<mtls::peer_identity> required;
};

client_policy read_client_policy(const examples::command_line& cli) {
    client_policy policy;
    policy.ca = cli.value("--ca");
    policy.crl = cli.value("--crl");
    const std::string verify = cli.choice("--verify", {"none", "optional", "require"}, "none");
    if (verify == "optional") policy.verify = mtls::verify_peer;
    if (verify == "require") policy.verify = mtls::verify_peer | mtls::verify_fail_if_no_peer_cert;
    if (cli.has("--require-client-uri")) {
        auto required = mtls::peer_identity::uri(cli.value("--require-client-uri"));
        if (!required.valid()) cli.fail("bad --require-client-uri " + required.value());
        policy.required.push_back(std::move(required));
    }
    return policy;
}

void set_client_policy(mtls::context& ctx, const client_policy& policy) {
    if (!policy.ca.empty()) ctx.load_verify_file(policy.ca);
    if (!policy.crl.empty()) ctx.add_crl_file(policy.crl);
    ctx.set_verify_mode(policy.verify);
    if (!policy.required.empty()) ctx.set_required_peer_identities(policy.required);
}

// One --sni value, NAME=CERT,KEY.
struct server_name {
    std::string name, cert, key;
};

std::vector<server_name> read_server_names(const examples::command_line& cli) {
    const auto ascii_lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    std::vector<server_name> names;
    for (const std::string& value : cli.values("--sni")) {
        const auto equals = value.find('=');
        const auto comma = value.find(',', equals);
        if (equals == 0 || comma == std::string::npos || comma == equals + 1 || comma + 1 == value.size())
            cli.fail("bad --sni " + value + " (expected NAME=CERT,KEY)");
        server_name entry{value.substr(0, equals), value.substr(equals + 1, comma - equals - 1),
                          value.substr(comma + 1)};
        // A second entry would silently replace the first (add_server_name).
        for (const server_name& earlier : names)
            if (std::ranges::equal(earlier.name, entry.name, {}, ascii_lower, ascii_lower))
                cli.fail("--sni " + entry.name + " given twice");
        names.push_back(std::move(entry));
    }
    return names;
}

// Every value is checked before any file is read, so that a bad command line
// exits 2 whatever its files hold.
mtls::context make_context(const examples::command_line& cli) {
    const std::string cert = cli.required("--cert");
    const std::string key = cli.required("--key");
    const client_policy policy = read_client_policy(cli);
    const std::vector<server_name> names = read_server_names(cli);
    const examples::protocol_options protocol(cli);
    const auto alpn = cli.alpn("--alpn", {"http/1.1"});
    const std::string preference = cli.choice("--cipher-preference", {"server", "client", "fastest"}, "server");

    mtls::context ctx;
    ctx.use_certificate_chain_file(cert);
    ctx.use_private_key_file(key);
    set_client_policy(ctx, policy);
    for (const server_name& entry : names) {
        mtls::context per_name;
        per_name.use_certified_key_file(entry.cert, entry.key);
        set_client_policy(per_name, policy);
        ctx.add_server_name(entry.name, per_name);
    }
    ctx.set_reject_unknown_server_names(cli.has("--sni-strict"));
    protocol.apply(ctx);
    ctx.set_cipher_preference(preference == "fastest"  ? mtls::cipher_preference::fastest
                              : preference == "client" ? mtls::cipher_preference::client
                                                       : mtls::cipher_preference::server);
    if (cli.has("--ticket-key-file")) set_ticket_keys(ctx, cli.value("--ticket-key-file"));
    ctx.set_alpn_protocols(alpn);
    examples::use_key_log_file(ctx);
    return ctx;
}

std::string describe(const mtls::connection_info& info) {
    std::string body;
    body += "version: " + std::string(mtls::to_string(info.version)) + "\n";
    body += "cipher: " + std::string(mtls::to_string(info.suite)) + "\n";
    body += "group: " + std::string(mtls::to_string(info.group)) + "\n";
    body += "client: " + (info.peer_certificates.empty() ? "none" : info.peer_subject) + "\n";
    body += std::string("resumed: ") + (info.resumed ? "yes" : "no") + "\n";
    body += "alpn: " + (info.alpn.empty() ? "none" : info.alpn) + "\n";
    const auto& cert = info.peer_certificate_info;
    std::string uri = cert && !cert->uris.empty() ? cert->uris.front() : "none";
    // The certificate's bytes, unchecked: no control character may break the line.
    std::replace_if(uri.begin(), uri.end(), [](char c) { return c < ' ' || c == '\x7f'; }, '?');
    body += "client-uri: " + uri + "\n";
    return body;
}

// The --keymatexport line: keying material without context, as `openssl
// s_client -keymatexport` exports it.
std::string exporter_line(const stream_type& stream, const limits& lim) {
    if (lim.export_label.empty()) return {};
    std::vector<std::byte> material(lim.export_length);
    mtls::error_code ec;
    stream.export_keying_material(lim.export_label, material, ec);
    if (ec) return "exporter: refused (" + ec.message() + ")\n";
    std::string line = "exporter: ";
    for (auto b : material) {
        constexpr char digits[] = "0123456789ABCDEF";
        line += digits[std::to_integer<unsigned>(b) >> 4];
        line += digits[std::to_integer<unsigned>(b) & 15];
    }
    return line + "\n";
}

// Ends a failed connection without losing the alert just sent. Closing a
// socket that still has unread input makes the kernel send a TCP reset, and a
// client still sending then sees "connection reset" instead of the alert. So:
// send FIN after the alert, read and discard until the client closes (or
// linger_time passes), then close.
asio::awaitable<void> linger_close(beast::tcp_stream& tcp) {
    boost::system::error_code ec; // fails for a socket already closed by a timeout
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp.expires_after(linger_time); // ends the reads below with a timeout
    std::array<char, 4096> discard;
    while (!ec)
        co_await tcp.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, ec));
    tcp.close();
}

// Logs a failed connection ("read failed: ...") and closes it.
asio::awaitable<void> fail(stream_type& stream, const char* what, const boost::system::error_code& ec) {
    std::cerr << what << " failed: " << ec.message() << std::endl;
    co_await linger_close(stream.next_layer());
}

// A plain HTTP request on the TLS port: the client cannot read an alert, so
// it gets a plain HTTP 400 naming the mistake (as nginx answers "The plain
// HTTP request was sent to HTTPS port"), then the connection closes.
asio::awaitable<void> refuse_plain_http(beast::tcp_stream& tcp) {
    http::response<http::string_body> response{http::status::bad_request, 11};
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(false);
    response.body() = "The plain HTTP request was sent to a TLS (HTTPS) port: use https:// to reach this server.\n";
    response.prepare_payload();
    boost::system::error_code ec; // a client that is gone needs no answer
    co_await http::async_write(tcp, response, asio::redirect_error(asio::use_awaitable, ec));
    co_await linger_close(tcp);
}

// One client. Before each operation the stream gets a deadline (Beast's
// tcp_stream closes the socket when it passes, which ends the operation).
asio::awaitable<void> serve(tcp::socket socket, const mtls::context& ctx, limits lim) {
    stream_type stream(std::move(socket), ctx);
    boost::system::error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);

    stream.next_layer().expires_after(lim.handshake_timeout);
    co_await stream.async_handshake(mtls::role::server, await);
    if (mtls::error_cause(ec) == mtls::error::peer_speaks_http) {
        std::cerr << "handshake failed: " << ec.message() << std::endl;
        co_await refuse_plain_http(stream.next_layer());
        co_return;
    }
    if (ec) {
        co_await fail(stream, "handshake", ec);
        co_return;
    }
    boost::beast::flat_buffer buffer;
    for (bool keep_alive = true; keep_alive;) {
        stream.next_layer().expires_after(lim.idle_timeout);
        http::request<http::string_body> request;
        co_await http::async_read(stream, buffer, request, await);
        if (ec == http::error::end_of_stream) break; // the client closed between requests
        http::response<http::string_body> response;
        if (ec && ec != http::error::partial_message &&
            ec.category() == http::make_error_code(http::error::bad_method).category()) {
            // Unparsable request, e.g. bare-LF line endings (RFC 9112 §2.2 only
            // permits accepting those): answer it over TLS, then close.
            response.result(http::status::bad_request);
            response.body() = "bad request: " + ec.message() + "\n";
            keep_alive = false;
            ec = {};
        } else if (ec) {
            co_await fail(stream, "read", ec);
            co_return;
        } else if (request.method() != http::verb::get) {
            response.result(http::status::method_not_allowed);
            response.version(request.version());
            response.body() = "only GET is served\n";
            keep_alive = request.keep_alive();
        } else {
            response.version(request.version());
            response.body() = describe(stream.info()) + exporter_line(stream, lim);
            keep_alive = request.keep_alive();
        }
        response.set(http::field::content_type, "text/plain");
        response.keep_alive(keep_alive);
        response.prepare_payload();
        stream.next_layer().expires_after(lim.idle_timeout);
        co_await http::async_write(stream, response, await);
        if (ec) {
            co_await fail(stream, "write", ec);
            co_return;
        }
    }
    // close_notify; a client that closes without answering it is no failure.
    stream.next_layer().expires_after(lim.idle_timeout);
    co_await stream.async_shutdown(await);
    if (ec && ec != asio::error::eof && ec != mtls::error::stream_truncated)
        std::cerr << "shutdown failed: " << ec.message() << std::endl;
}

// Accepts clients and runs serve() for each, at most max_connections at once.
class server {
public:
    server(asio::io_context& io, unsigned short port, const mtls::context& ctx, const limits& lim)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), port}), ctx_(ctx), limits_(lim) {}

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    // Starts accepting, unless already accepting or at the cap (a connection
    // that ends calls this again).
    void accept() {
        if (accepting_ || open_ >= limits_.max_connections) return;
        accepting_ = true;
        asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
    }

private:
    asio::awaitable<void> accept_loop() {
        asio::steady_timer backoff_timer(co_await asio::this_coro::executor);
        auto backoff = first_backoff;
        while (open_ < limits_.max_connections) {
            boost::system::error_code ec;
            tcp::socket socket =
                co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                // Out of file descriptors (EMFILE, ENFILE) or the like: an
                // immediate retry would fail the same way, in a busy loop.
                std::cerr << "accept failed: " << ec.message() << std::endl;
                backoff_timer.expires_after(backoff);
                co_await backoff_timer.async_wait(asio::use_awaitable);
                backoff = std::min(2 * backoff, max_backoff);
                continue;
            }
            backoff = first_backoff;
            ++open_;
            asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket), ctx_, limits_),
                           [this](const std::exception_ptr& e) {
                               --open_;
                               accept();
                               if (!e) return;
                               try { std::rethrow_exception(e); }
                               catch (const std::exception& ex) {
                                   std::cerr << "connection failed: " << ex.what() << std::endl;
                               }
                           });
        }
        accepting_ = false;
    }

    tcp::acceptor acceptor_;
    const mtls::context& ctx_;
    const limits limits_;
    long open_ = 0;          // connections being served
    bool accepting_ = false; // accept_loop() is running
};

} // namespace

int main(int argc, char** argv) {
    const examples::command_line cli = parse_command_line(argc, argv);
    const unsigned short port = cli.port("--port");
    limits lim;
    lim.handshake_timeout = cli.seconds("--handshake-timeout", lim.handshake_timeout);
    lim.idle_timeout = cli.seconds("--idle-timeout", lim.idle_timeout);
    lim.max_connections = cli.number("--max-connections", 1, 1000000, lim.max_connections);
    lim.export_label = cli.value("--keymatexport");
    if (cli.has("--keymatexportlen") && lim.export_label.empty())
        cli.fail("--keymatexportlen needs --keymatexport");
    lim.export_length = static_cast<std::size_t>(
        cli.number("--keymatexportlen", 1, 16384, static_cast<long>(lim.export_length)));
    try {
        const mtls::context ctx = make_context(cli);
        asio::io_context io;
        server https(io, port, ctx, lim);
        std::cout << "listening on port " << https.port() << std::endl;
        https.accept();
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "https_server: " << e.what() << std::endl;
        return 1;
    }
}
