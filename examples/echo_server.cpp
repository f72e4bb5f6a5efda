// echo_server: a TLS echo server over mtls written with plain callbacks (see
// coro_echo_server.cpp for the same with coroutines). Clients must present a
// certificate that --ca vouches for.
//
//   echo_server --port P --cert F --key F --ca F
//               [--handshake-timeout SECONDS] [--idle-timeout SECONDS]
//               [--max-connections N]
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
// A failed connection is closed after a short drain (see session::fail) so
// the client reads the server's alert rather than a TCP reset.
// SSLKEYLOGFILE, when set, names a file the TLS secrets are appended to, for
// Wireshark (key_log_file.hpp); for debugging only.

#include "key_log_file.hpp"
#include "options.hpp"

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;

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
    "usage: echo_server --port P --cert F --key F --ca F\n"
    "                   [--handshake-timeout SECONDS] [--idle-timeout SECONDS] [--max-connections N]\n";

// One client: handshake, then read and write back until it closes. Each
// callback holds the session alive through shared_from_this(); the session
// tells the server when it is gone (on_close). Before each operation the
// stream gets a deadline (Beast's tcp_stream closes the socket when it
// passes, which ends the operation).
class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket socket, const mtls::context& ctx, const limits& lim,
            std::function<void()> on_close)
        : stream_(std::move(socket), ctx), limits_(lim), on_close_(std::move(on_close)) {}
    ~session() { on_close_(); }

    void start() {
        transport().expires_after(limits_.handshake_timeout);
        stream_.async_handshake(mtls::role::server,
                                [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
    }

private:
    beast::tcp_stream& transport() { return stream_.next_layer(); }

    void on_handshake(error_code ec) {
        if (ec) return fail("handshake", ec);
        const mtls::connection_info& info = stream_.info();
        std::cout << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
                  << " client: " << (info.peer_subject.empty() ? "none" : info.peer_subject)
                  << std::endl;
        read();
    }

    void read() {
        transport().expires_after(limits_.idle_timeout);
        stream_.async_read_some(asio::buffer(buffer_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    self->on_read(ec, n);
                                });
    }

    void on_read(error_code ec, std::size_t n) {
        if (ec == asio::error::eof) { // the client's close_notify: answer it
            transport().expires_after(limits_.idle_timeout);
            stream_.async_shutdown([self = shared_from_this()](error_code) {
                // The client may close without waiting for our close_notify;
                // either way the connection is over.
            });
            return;
        }
        if (ec) return fail("read", ec);
        transport().expires_after(limits_.idle_timeout);
        asio::async_write(stream_, asio::buffer(buffer_.data(), n),
                          [self = shared_from_this()](error_code write_ec, std::size_t) {
                              if (write_ec) self->fail("write", write_ec);
                              else self->read();
                          });
    }

    // Logs a failed connection ("read failed: ...") and ends it without
    // losing the alert just sent. Closing a socket that still has unread
    // input makes the kernel send a TCP reset, and a client still sending
    // then sees "connection reset" instead of the alert. So: send FIN after
    // the alert, read and discard until the client closes (or linger_time
    // passes); the socket closes with the session.
    void fail(const char* what, const error_code& ec) {
        std::cerr << what << " failed: " << ec.message() << std::endl;
        error_code ignored; // a socket already closed by a timeout: drain() ends at once
        transport().socket().shutdown(tcp::socket::shutdown_send, ignored);
        transport().expires_after(linger_time); // ends the reads below with a timeout
        drain();
    }

    void drain() {
        transport().async_read_some(asio::buffer(buffer_),
                                    [self = shared_from_this()](error_code ec, std::size_t) {
                                        if (!ec) self->drain();
                                    });
    }

    mtls::tls_stream<beast::tcp_stream> stream_;
    const limits limits_;
    std::function<void()> on_close_;
    std::array<char, 16384> buffer_; // one TLS record's worth of plaintext
};

// Accepts clients and starts a session for each, at most max_connections at
// once.
class server {
public:
    server(asio::io_context& io, unsigned short port, const mtls::context& ctx, const limits& lim)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), port}), backoff_timer_(io), ctx_(ctx),
          limits_(lim) {}

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    // Accepts the next client, unless already waiting for one (or for the
    // backoff) or at the cap (a session that ends calls this again).
    void accept() {
        if (accepting_ || open_ >= limits_.max_connections) return;
        accepting_ = true;
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) return retry_later(ec);
            accepting_ = false;
            backoff_ = first_backoff;
            ++open_;
            std::make_shared<session>(std::move(socket), ctx_, limits_, [this] {
                --open_;
                accept();
            })->start();
            accept();
        });
    }

private:
    // Out of file descriptors (EMFILE, ENFILE) or the like: an immediate
    // retry would fail the same way, in a busy loop. Wait, longer each time
    // in a row.
    void retry_later(error_code ec) {
        std::cerr << "accept failed: " << ec.message() << std::endl;
        backoff_timer_.expires_after(backoff_);
        backoff_ = std::min(2 * backoff_, max_backoff);
        backoff_timer_.async_wait([this](error_code) {
            accepting_ = false;
            accept();
        });
    }

    tcp::acceptor acceptor_;
    asio::steady_timer backoff_timer_;
    const mtls::context& ctx_;
    const limits limits_;
    std::chrono::milliseconds backoff_ = first_backoff;
    long open_ = 0;          // sessions alive
    bool accepting_ = false; // an accept or its backoff is pending
};

} // namespace

int main(int argc, char** argv) {
    // The flags of the comment at the top; a bad one exits 2 (options.hpp).
    const examples::command_line cli(argc, argv, "echo_server", usage_text, {},
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
        server echo(io, port, ctx, lim);
        std::cout << "listening on port " << echo.port() << std::endl;
        echo.accept();
        // run() returns only once nothing is pending, so no session outlives
        // the server it reports to. A handler that throws (out of memory) is
        // logged, and the server runs on.
        for (;;) {
            try {
                io.run();
                break;
            } catch (const std::exception& e) {
                std::cerr << "echo_server: " << e.what() << std::endl;
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "echo_server: " << e.what() << std::endl;
        return 1;
    }
}
