// coro_echo_server: echo_server written with C++20 coroutines (co_spawn and
// use_awaitable). Clients must present a certificate that --ca vouches for.
//
//   coro_echo_server --port P --cert F --key F --ca F
//                    [--handshake-timeout SECONDS] [--idle-timeout SECONDS]
//                    [--max-connections N]
//
// --port 0 picks a free port; the port is printed as "listening on port N".
// A bad command line exits 2 with one line saying why and the usage
// (options.hpp); --help prints the usage.
// Each connection is reported on stdout once its handshake is done:
//   TLSv1.3 TLS_AES_128_GCM_SHA256 client: CN=mtls test client
// then everything the client sends is echoed back until it closes. A failed
// connection is logged as one line on stderr; the server keeps going.
//
// Limits, so that clients cannot exhaust the server:
// - a connection must finish its handshake within --handshake-timeout seconds
//   (default 10), and one that sends nothing for --idle-timeout seconds
//   (default 60) is closed;
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

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using stream_type = mtls::tls_stream<beast::tcp_stream>;

namespace {

struct limits {
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds idle_timeout{60};
    long max_connections = 1000;
};

// How long a failed connection may drain before it is closed.
constexpr std::chrono::seconds linger_time{1};
// Waits before retrying a failed accept: the first, and the longest.
constexpr std::chrono::milliseconds first_backoff{100};
constexpr std::chrono::milliseconds max_backoff{1000};

constexpr std::string_view usage_text =
    "usage: coro_echo_server --port P --cert F --key F --ca F\n"
    "                        [--handshake-timeout SECONDS] [--idle-timeout SECONDS] [--max-connections N]\n";

// Ends a failed connection without losing the alert just sent. Closing a
// socket that still has unread input makes the kernel send a TCP reset, and a
// client still sending then sees "connection reset" instead of the alert. So:
// send FIN after the alert, read and discard until the client closes (or
// linger_time passes), then close.
asio::awaitable<void> linger_close(beast::tcp_stream& tcp) {
    mtls::error_code ec; // fails for a socket already closed by a timeout
    tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp.expires_after(linger_time); // ends the reads below with a timeout
    std::array<char, 4096> discard;
    while (!ec)
        co_await tcp.async_read_some(asio::buffer(discard), asio::redirect_error(asio::use_awaitable, ec));
    tcp.close();
}

// Logs a failed connection ("read failed: ...") and closes it.
asio::awaitable<void> fail(stream_type& stream, const char* what, const mtls::error_code& ec) {
    std::cerr << what << " failed: " << ec.message() << std::endl;
    co_await linger_close(stream.next_layer());
}

// One client. Before each operation the stream gets a deadline (Beast's
// tcp_stream closes the socket when it passes, which ends the operation).
asio::awaitable<void> echo(tcp::socket socket, const mtls::context& ctx, limits lim) {
    stream_type stream(std::move(socket), ctx);
    mtls::error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);

    stream.next_layer().expires_after(lim.handshake_timeout);
    co_await stream.async_handshake(mtls::role::server, await);
    if (ec) {
        co_await fail(stream, "handshake", ec);
        co_return;
    }
    const mtls::connection_info& info = stream.info();
    std::cout << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
              << " client: " << (info.peer_subject.empty() ? "none" : info.peer_subject)
              << std::endl;

    std::array<char, 16384> buffer; // one TLS record's worth of plaintext
    for (;;) {
        stream.next_layer().expires_after(lim.idle_timeout);
        const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer), await);
        if (ec == asio::error::eof) break; // the client's close_notify
        if (ec) {
            co_await fail(stream, "read", ec);
            co_return;
        }
        stream.next_layer().expires_after(lim.idle_timeout);
        co_await asio::async_write(stream, asio::buffer(buffer.data(), n), await);
        if (ec) {
            co_await fail(stream, "write", ec);
            co_return;
        }
    }
    // Answer the close_notify. The client may close without waiting for
    // ours; either way the connection is over.
    stream.next_layer().expires_after(lim.idle_timeout);
    co_await stream.async_shutdown(await);
}

// Accepts clients and runs echo() for each, at most max_connections at once.
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
            mtls::error_code ec;
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
            asio::co_spawn(acceptor_.get_executor(), echo(std::move(socket), ctx_, limits_),
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
    // The flags of the comment at the top; a bad one exits 2 (options.hpp).
    const examples::command_line cli(argc, argv, "coro_echo_server", usage_text, {},
                                     {{"--port"}, {"--cert"}, {"--key"}, {"--ca"}, {"--handshake-timeout"},
                                      {"--idle-timeout"}, {"--max-connections"}});
    const unsigned short port = cli.port("--port");
    const std::string cert = cli.required("--cert");
    const std::string key = cli.required("--key");
    const std::string ca = cli.required("--ca");
    limits lim;
    lim.handshake_timeout = cli.seconds("--handshake-timeout", lim.handshake_timeout);
    lim.idle_timeout = cli.seconds("--idle-timeout", lim.idle_timeout);
    lim.max_connections = cli.number("--max-connections", 1, 1000000, lim.max_connections);

    try {
        mtls::context ctx;
        ctx.use_certificate_chain_file(cert);
        ctx.use_private_key_file(key);
        ctx.load_verify_file(ca);
        ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
        examples::use_key_log_file(ctx);

        asio::io_context io;
        server echo_server(io, port, ctx, lim);
        std::cout << "listening on port " << echo_server.port() << std::endl;
        echo_server.accept();
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "coro_echo_server: " << e.what() << std::endl;
        return 1;
    }
}
