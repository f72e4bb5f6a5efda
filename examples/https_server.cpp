// https_server: an HTTPS/1.1 server over mtls that tells each client what it
// negotiated.
//
//   https_server --port P --cert F --key F [--ca F] [--verify none|optional|require]
//                [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]
//                [--groups LIST] [--ciphers LIST]
//
// --groups takes key exchange groups in preference order, comma-separated
// (x25519,secp256r1,secp384r1); --ciphers takes cipher suites the same way,
// by IANA name (TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,...).
//
// Every GET is answered with 200 and a text/plain body of four lines:
//   version: TLSv1.3                   (TLS 1.3 unless a side is limited to 1.2)
//   cipher: TLS_AES_128_GCM_SHA256
//   group: x25519
//   client: CN=mtls test client        (or "client: none")
// --port 0 picks a free port; the port is printed as "listening on port N".
// A failed connection is logged as one line on stderr; the server keeps going.

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using stream_type = mtls::tls_stream<tcp::socket>;

namespace {

// A connection that makes no progress for this long is closed.
constexpr std::chrono::seconds idle_timeout{30};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "https_server: " << why << "\n"
              << "usage: https_server --port P --cert F --key F [--ca F]"
                 " [--verify none|optional|require] [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]\n"
                 "                    [--groups x25519,secp256r1,secp384r1]"
                 " [--ciphers IANA_NAME,...]\n";
    std::exit(2);
}

mtls::tls_version parse_version(const std::string& text) {
    if (text == "1.2") return mtls::tls_version::tls12;
    if (text == "1.3") return mtls::tls_version::tls13;
    usage("unknown TLS version " + text);
}

// A comma-separated list of names, each one of `known` as mtls::to_string
// spells it; the order is kept (it is the preference order).
template <class Value, std::size_t N>
std::vector<Value> parse_list(const std::string& text, const std::array<Value, N>& known,
                              const std::string& what) {
    std::vector<Value> values;
    std::string_view rest = text;
    for (;;) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        bool found = false;
        for (const Value value : known)
            if (mtls::to_string(value) == name) {
                values.push_back(value);
                found = true;
            }
        if (!found) usage("unknown " + what + " '" + std::string(name) + "'");
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return values;
}

constexpr std::array known_groups{mtls::named_group::x25519, mtls::named_group::secp256r1,
                                  mtls::named_group::secp384r1};
constexpr std::array known_suites{
    mtls::cipher_suite::tls_aes_128_gcm_sha256,
    mtls::cipher_suite::tls_aes_256_gcm_sha384,
    mtls::cipher_suite::tls_chacha20_poly1305_sha256,
    mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
    mtls::cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
    mtls::cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
    mtls::cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256,
    mtls::cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
    mtls::cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256,
};

mtls::context make_context(std::map<std::string, std::string> options) {
    for (const char* required : {"--port", "--cert", "--key"})
        if (!options.contains(required)) usage(std::string("missing ") + required);
    mtls::context ctx;
    ctx.use_certificate_chain_file(options["--cert"]);
    ctx.use_private_key_file(options["--key"]);
    if (options.contains("--ca")) ctx.load_verify_file(options["--ca"]);
    const std::string verify = options.contains("--verify") ? options["--verify"] : "none";
    if (verify == "none") ctx.set_verify_mode(mtls::verify_none);
    else if (verify == "optional") ctx.set_verify_mode(mtls::verify_peer);
    else if (verify == "require")
        ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
    else usage("unknown verify mode " + verify);
    if (options.contains("--tls-min")) ctx.set_min_version(parse_version(options["--tls-min"]));
    if (options.contains("--tls-max")) ctx.set_max_version(parse_version(options["--tls-max"]));
    if (options.contains("--groups"))
        ctx.set_groups(parse_list(options["--groups"], known_groups, "group"));
    if (options.contains("--ciphers"))
        ctx.set_cipher_suites(parse_list(options["--ciphers"], known_suites, "cipher suite"));
    return ctx;
}

std::string describe(const mtls::connection_info& info) {
    std::string body;
    body += "version: " + std::string(mtls::to_string(info.version)) + "\n";
    body += "cipher: " + std::string(mtls::to_string(info.suite)) + "\n";
    body += "group: " + std::string(mtls::to_string(info.group)) + "\n";
    body += "client: " + (info.peer_certificates.empty() ? "none" : info.peer_subject) + "\n";
    return body;
}

// Closes the socket when the connection stalls; closing cancels whatever
// operation is pending on it, so every await below ends in bounded time. The
// timer holds the stream weakly: a wait that completes after the connection
// has ended touches nothing.
class watchdog {
public:
    explicit watchdog(const std::shared_ptr<stream_type>& stream)
        : stream_(stream), timer_(stream->get_executor()) {}
    void arm() {
        timer_.expires_after(idle_timeout);
        timer_.async_wait([stream = stream_](boost::system::error_code ec) {
            if (auto s = stream.lock(); s && !ec) s->lowest_layer().close(ec);
        });
    }

private:
    std::weak_ptr<stream_type> stream_;
    asio::steady_timer timer_;
};

asio::awaitable<void> serve(tcp::socket socket, const mtls::context& ctx) {
    const auto stream_ptr = std::make_shared<stream_type>(std::move(socket), ctx);
    stream_type& stream = *stream_ptr;
    watchdog dog(stream_ptr);
    boost::system::error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);

    dog.arm();
    co_await stream.async_handshake(mtls::role::server, await);
    if (ec) {
        std::cerr << "handshake failed: " << ec.message() << std::endl;
        co_return;
    }
    boost::beast::flat_buffer buffer;
    for (bool keep_alive = true; keep_alive;) {
        dog.arm();
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
            std::cerr << "read failed: " << ec.message() << std::endl;
            co_return;
        } else if (request.method() != http::verb::get) {
            response.result(http::status::method_not_allowed);
            response.version(request.version());
            response.body() = "only GET is served\n";
            keep_alive = request.keep_alive();
        } else {
            response.version(request.version());
            response.body() = describe(stream.info());
            keep_alive = request.keep_alive();
        }
        response.set(http::field::content_type, "text/plain");
        response.keep_alive(keep_alive);
        response.prepare_payload();
        co_await http::async_write(stream, response, await);
        if (ec) {
            std::cerr << "write failed: " << ec.message() << std::endl;
            co_return;
        }
    }
    // close_notify; a client that closes without answering it is no failure.
    dog.arm();
    co_await stream.async_shutdown(await);
    if (ec && ec != asio::error::eof && ec != mtls::error::stream_truncated)
        std::cerr << "shutdown failed: " << ec.message() << std::endl;
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, const mtls::context& ctx) {
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            std::cerr << "accept failed: " << ec.message() << std::endl;
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), ctx),
                       [](const std::exception_ptr& e) {
                           if (!e) return;
                           try { std::rethrow_exception(e); }
                           catch (const std::exception& ex) {
                               std::cerr << "connection failed: " << ex.what() << std::endl;
                           }
                       });
    }
}

} // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> options;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 == argc) usage(std::string("missing value for ") + argv[i]);
        options[argv[i]] = argv[i + 1];
    }
    try {
        const mtls::context ctx = make_context(options);
        asio::io_context io;
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"),
                                    static_cast<unsigned short>(std::stoi(options["--port"]))});
        std::cout << "listening on port " << acceptor.local_endpoint().port() << std::endl;
        asio::co_spawn(io, listen(acceptor, ctx), [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "https_server: " << e.what() << std::endl;
        return 1;
    }
}
