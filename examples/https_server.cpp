// https_server: an HTTPS/1.1 server over mtls that tells each client what it
// negotiated.
//
//   https_server --port P --cert F --key F [--ca F] [--verify none|optional|require]
//                [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]
//                [--groups LIST] [--ciphers LIST]
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

#include "alpn_option.hpp"
#include "key_log_file.hpp"

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
#include <map>
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

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "https_server: " << why << "\n"
              << "usage: https_server --port P --cert F --key F [--ca F]"
                 " [--verify none|optional|require] [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]\n"
                 "                    [--groups x25519,secp256r1,secp384r1]"
                 " [--ciphers IANA_NAME,...]\n"
                 "                    [--handshake-timeout SECONDS] [--idle-timeout SECONDS]"
                 " [--max-connections N]\n"
                 "                    [--ticket-key-file FILE] [--alpn PROTOCOL,...] [--crl FILE]"
                 " [--require-client-uri PATTERN]\n"
                 "                    [--sni NAME=CERT,KEY]... [--sni-strict]\n"
                 "                    [--keymatexport LABEL [--keymatexportlen N]]\n";
    std::exit(2);
}

// A decimal number in [min, max], or a usage error naming `what`.
long parse_number(const std::string& text, long min, long max, const std::string& what) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stol(text) < min || std::stol(text) > max)
        usage("bad " + what + " " + text);
    return std::stol(text);
}

// --tls-min / --tls-max take the number alone ("1.3"), the name without "TLSv".
mtls::tls_version parse_version(const std::string& text) {
    mtls::tls_version version{};
    if (!mtls::from_string("TLSv" + text, version)) usage("unknown TLS version " + text);
    return version;
}

// A comma-separated list of names as mtls::to_string spells them; the order is
// kept (it is the preference order).
template <class Value>
std::vector<Value> parse_list(const std::string& text, const std::string& what) {
    std::vector<Value> values;
    std::string_view rest = text;
    for (;;) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        Value value{};
        if (!mtls::from_string(name, value)) usage("unknown " + what + " '" + std::string(name) + "'");
        values.push_back(value);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return values;
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

// The settings that decide which clients `ctx` admits. Each --sni context
// gets them too: the one chosen for a name checks that name's clients.
void set_client_policy(mtls::context& ctx, std::map<std::string, std::string>& options) {
    if (options.contains("--ca")) ctx.load_verify_file(options["--ca"]);
    if (options.contains("--crl")) ctx.add_crl_file(options["--crl"]);
    const std::string verify = options.contains("--verify") ? options["--verify"] : "none";
    if (verify == "none") ctx.set_verify_mode(mtls::verify_none);
    else if (verify == "optional") ctx.set_verify_mode(mtls::verify_peer);
    else if (verify == "require")
        ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
    else usage("unknown verify mode " + verify);
    if (options.contains("--require-client-uri")) {
        const auto required = mtls::peer_identity::uri(options["--require-client-uri"]);
        if (!required.valid()) usage("bad URI pattern " + options["--require-client-uri"]);
        ctx.set_required_peer_identities({required});
    }
}

// One --sni value, NAME=CERT,KEY: a context for NAME's clients.
void add_server_name(mtls::context& ctx, const std::string& value, std::map<std::string, std::string>& options) {
    const auto equals = value.find('=');
    const auto comma = value.find(',', equals);
    if (equals == 0 || comma == std::string::npos || comma == equals + 1 || comma + 1 == value.size())
        usage("bad --sni " + value + " (expected NAME=CERT,KEY)");
    mtls::context per_name;
    per_name.use_certified_key_file(value.substr(equals + 1, comma - equals - 1), value.substr(comma + 1));
    set_client_policy(per_name, options);
    ctx.add_server_name(value.substr(0, equals), per_name);
}

mtls::context make_context(std::map<std::string, std::string> options, const std::vector<std::string>& sni) {
    for (const char* required : {"--port", "--cert", "--key"})
        if (!options.contains(required)) usage(std::string("missing ") + required);
    mtls::context ctx;
    ctx.use_certificate_chain_file(options["--cert"]);
    ctx.use_private_key_file(options["--key"]);
    set_client_policy(ctx, options);
    for (const auto& value : sni) add_server_name(ctx, value, options);
    ctx.set_reject_unknown_server_names(options.contains("--sni-strict"));
    if (options.contains("--tls-min")) ctx.set_min_version(parse_version(options["--tls-min"]));
    if (options.contains("--tls-max")) ctx.set_max_version(parse_version(options["--tls-max"]));
    if (options.contains("--groups"))
        ctx.set_groups(parse_list<mtls::named_group>(options["--groups"], "group"));
    if (options.contains("--ciphers"))
        ctx.set_cipher_suites(parse_list<mtls::cipher_suite>(options["--ciphers"], "cipher suite"));
    if (options.contains("--ticket-key-file")) set_ticket_keys(ctx, options["--ticket-key-file"]);
    ctx.set_alpn_protocols(examples::parse_alpn(options.contains("--alpn") ? options["--alpn"] : "http/1.1", usage));
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
    std::map<std::string, std::string> options;
    std::vector<std::string> sni; // --sni may be given more than once
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--sni-strict") { // the one flag without a value
            options[flag];
            continue;
        }
        if (++i == argc) usage("missing value for " + flag);
        if (flag == "--sni") sni.emplace_back(argv[i]);
        else options[flag] = argv[i];
    }
    limits lim;
    if (options.contains("--handshake-timeout"))
        lim.handshake_timeout = std::chrono::seconds(
            parse_number(options["--handshake-timeout"], 1, 86400, "handshake timeout"));
    if (options.contains("--idle-timeout"))
        lim.idle_timeout =
            std::chrono::seconds(parse_number(options["--idle-timeout"], 1, 86400, "idle timeout"));
    if (options.contains("--max-connections"))
        lim.max_connections = parse_number(options["--max-connections"], 1, 1000000, "max connections");
    lim.export_label = options["--keymatexport"];
    if (options.contains("--keymatexportlen"))
        lim.export_length = static_cast<std::size_t>(
            parse_number(options["--keymatexportlen"], 1, 16384, "keying material length"));
    try {
        const mtls::context ctx = make_context(options, sni);
        asio::io_context io;
        server https(io, static_cast<unsigned short>(std::stoi(options["--port"])), ctx, lim);
        std::cout << "listening on port " << https.port() << std::endl;
        https.accept();
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "https_server: " << e.what() << std::endl;
        return 1;
    }
}
