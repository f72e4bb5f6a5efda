// wss_echo: a secure websocket (wss) server and client over mtls in one
// process, with mutual authentication.
//
//   wss_echo --ca F --server-cert F --server-key F --client-cert F --client-key F
//
// The server listens on 127.0.0.1 (a free port) and requires a client
// certificate that chains to --ca; the client trusts --ca for the server's.
// The client sends one text message, checks the echo and closes the websocket
// cleanly (close frames, then TLS close_notify, then TCP). Each side prints
// what it negotiated once its websocket is open, then how the exchange ended:
//   server: TLSv1.3 TLS_AES_128_GCM_SHA256 peer: CN=mtls test client
//   client: TLSv1.3 TLS_AES_128_GCM_SHA256 peer: CN=localhost
//   client: echoed "hello over wss"
//   server: closed by the client, code 1000
//   client: closed
// Exit status: 0 when both sides got that far, 1 on any failure (one line per
// failed side on stderr), 2 on a bad command line (with one line saying why
// and the usage: options.hpp; --help prints the usage).
// The server serves this one client only, within time_limit; when its TLS
// handshake fails it drains the connection briefly before closing (see
// linger_close), so the client reads the server's alert.
// SSLKEYLOGFILE, when set, names a file the TLS secrets are appended to, for
// Wireshark (key_log_file.hpp); for debugging only.

#include "key_log_file.hpp"
#include "options.hpp"

#include <mtls/beast.hpp> // teardown for websocket::stream<mtls::tls_stream<...>>
#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using boost::system::error_code;
using wss_stream = websocket::stream<mtls::tls_stream<beast::tcp_stream>>;

namespace {

// Each side's whole exchange must finish within this (beast::tcp_stream's
// timeout, which ends any TLS or websocket operation in progress).
constexpr std::chrono::seconds time_limit{10};
// How long a failed connection may drain before it is closed.
constexpr std::chrono::seconds linger_time{1};

const std::string message = "hello over wss";

constexpr std::string_view usage_text =
    "usage: wss_echo --ca F --server-cert F --server-key F --client-cert F --client-key F\n";

// A failed step, e.g. "TLS handshake: certificate untrusted".
struct failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void check(const error_code& ec, const std::string& step) {
    if (ec) throw failure(step + ": " + ec.message());
}

void report(const char* side, const mtls::connection_info& info) {
    std::cout << side << ": " << mtls::to_string(info.version) << ' '
              << mtls::to_string(info.suite) << " peer: "
              << (info.peer_certificates.empty() ? "none" : info.peer_subject) << std::endl;
}

// Ends a failed connection without losing the alert just sent. Closing a
// socket that still has unread input makes the kernel send a TCP reset, and a
// client still sending then sees "connection reset" instead of the alert. So:
// send FIN after the alert, read and discard until the client closes (or
// linger_time passes), then close.
asio::awaitable<void> linger_close(beast::tcp_stream& tcp) {
    error_code ec; // fails for a socket already closed by a timeout
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp.expires_after(linger_time); // ends the reads below with a timeout
    std::array<char, 4096> discard;
    while (!ec)
        co_await tcp.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, ec));
    tcp.close();
}

asio::awaitable<void> server(tcp::acceptor& acceptor, const mtls::context& ctx) {
    error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);
    tcp::socket socket = co_await acceptor.async_accept(await);
    check(ec, "accept");
    wss_stream ws(std::move(socket), ctx);
    beast::get_lowest_layer(ws).expires_after(time_limit);

    co_await ws.next_layer().async_handshake(mtls::role::server, await);
    if (ec) co_await linger_close(beast::get_lowest_layer(ws));
    check(ec, "TLS handshake");
    co_await ws.async_accept(await);
    check(ec, "websocket handshake");
    report("server", ws.next_layer().info());

    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, await);
    check(ec, "read");
    ws.text(ws.got_text());
    co_await ws.async_write(buffer.data(), await);
    check(ec, "write");

    // The client closes: this read answers its close frame and tears the
    // connection down (mtls/beast.hpp), then reports websocket::error::closed.
    buffer.clear();
    co_await ws.async_read(buffer, await);
    if (ec != websocket::error::closed) {
        check(ec, "waiting for the close");
        throw failure("waiting for the close: got another message");
    }
    std::cout << "server: closed by the client, code " << ws.reason().code << std::endl;
}

asio::awaitable<void> client(tcp::endpoint endpoint, const mtls::context& ctx) {
    error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);
    wss_stream ws(co_await asio::this_coro::executor, ctx);
    beast::get_lowest_layer(ws).expires_after(time_limit);
    co_await beast::get_lowest_layer(ws).async_connect(endpoint, await);
    check(ec, "connect");

    ws.next_layer().set_host_name("localhost"); // checked against the server's certificate
    co_await ws.next_layer().async_handshake(mtls::role::client, await);
    check(ec, "TLS handshake");
    co_await ws.async_handshake("localhost", "/", await);
    check(ec, "websocket handshake");
    report("client", ws.next_layer().info());

    ws.text(true);
    co_await ws.async_write(asio::buffer(message), await);
    check(ec, "write");
    beast::flat_buffer buffer;
    co_await ws.async_read(buffer, await);
    check(ec, "read");
    if (beast::buffers_to_string(buffer.data()) != message)
        throw failure("read: the echo differs from the message sent");
    std::cout << "client: echoed \"" << message << "\"" << std::endl;

    co_await ws.async_close(websocket::close_code::normal, await);
    check(ec, "close");
    std::cout << "client: closed" << std::endl;
}

mtls::context make_context(const std::string& cert, const std::string& key, const std::string& ca,
                           mtls::verify_mode mode) {
    mtls::context ctx;
    ctx.use_certificate_chain_file(cert);
    ctx.use_private_key_file(key);
    ctx.load_verify_file(ca);
    ctx.set_verify_mode(mode);
    examples::use_key_log_file(ctx);
    return ctx;
}

} // namespace

int main(int argc, char** argv) {
    // The flags of the comment at the top, all required; a bad one exits 2 (options.hpp).
    const examples::command_line cli(argc, argv, "wss_echo", usage_text, {},
                                     {{"--ca"}, {"--server-cert"}, {"--server-key"}, {"--client-cert"},
                                      {"--client-key"}});
    const std::string ca = cli.required("--ca");
    const std::string server_cert = cli.required("--server-cert");
    const std::string server_key = cli.required("--server-key");
    const std::string client_cert = cli.required("--client-cert");
    const std::string client_key = cli.required("--client-key");

    try {
        const mtls::context server_ctx =
            make_context(server_cert, server_key, ca, mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
        const mtls::context client_ctx = make_context(client_cert, client_key, ca, mtls::verify_peer);

        asio::io_context io;
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        bool failed = false;
        // A side that fails says why; its stream is gone, which ends the
        // other side's operations too (closing the acceptor ends a pending accept).
        auto finish = [&](const char* side) {
            return [&, side](const std::exception_ptr& e) {
                if (!e) return;
                failed = true;
                acceptor.close();
                try { std::rethrow_exception(e); }
                catch (const std::exception& ex) {
                    std::cerr << "wss_echo: " << side << ": " << ex.what() << std::endl;
                }
            };
        };
        asio::co_spawn(io, server(acceptor, server_ctx), finish("server"));
        asio::co_spawn(io, client(acceptor.local_endpoint(), client_ctx), finish("client"));
        io.run_for(2 * time_limit);
        if (!io.stopped()) {
            std::cerr << "wss_echo: timed out" << std::endl;
            return 1;
        }
        return failed ? 1 : 0;
    } catch (const std::exception& e) {
        std::cerr << "wss_echo: " << e.what() << std::endl;
        return 1;
    }
}
