// echo_server: a TLS echo server over mtls written with plain callbacks (see
// coro_echo_server.cpp for the same with coroutines). Clients must present a
// certificate that --ca vouches for.
//
//   echo_server --port P --cert F --key F --ca F
//
// --port 0 picks a free port; the port is printed as "listening on port N".
// Each connection is reported on stdout once its handshake is done:
//   TLSv1.3 TLS_AES_128_GCM_SHA256 client: CN=mtls test client
// then everything the client sends is echoed back until it closes. A failed
// connection is logged as one line on stderr; the server keeps going.

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using mtls::error_code;

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "echo_server: " << why << "\n"
              << "usage: echo_server --port P --cert F --key F --ca F\n";
    std::exit(2);
}

unsigned short parse_port(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(text) > 65535)
        usage("bad port " + text);
    return static_cast<unsigned short>(std::stoi(text));
}

// One client: handshake, then read and write back until it closes. Each
// callback holds the session alive through shared_from_this().
class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket socket, const mtls::context& ctx) : stream_(std::move(socket), ctx) {}

    void start() {
        stream_.async_handshake(mtls::role::server,
                                [self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
    }

private:
    void on_handshake(error_code ec) {
        if (ec) {
            std::cerr << "handshake failed: " << ec.message() << std::endl;
            return;
        }
        const mtls::connection_info& info = stream_.info();
        std::cout << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
                  << " client: " << (info.peer_subject.empty() ? "none" : info.peer_subject)
                  << std::endl;
        read();
    }

    void read() {
        stream_.async_read_some(asio::buffer(buffer_),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    self->on_read(ec, n);
                                });
    }

    void on_read(error_code ec, std::size_t n) {
        if (ec == asio::error::eof) { // the client's close_notify: answer it
            stream_.async_shutdown([self = shared_from_this()](error_code) {
                // The client may close without waiting for our close_notify;
                // either way the connection is over.
            });
            return;
        }
        if (ec) {
            std::cerr << "read failed: " << ec.message() << std::endl;
            return;
        }
        asio::async_write(stream_, asio::buffer(buffer_.data(), n),
                          [self = shared_from_this()](error_code write_ec, std::size_t) {
                              if (write_ec)
                                  std::cerr << "write failed: " << write_ec.message() << std::endl;
                              else
                                  self->read();
                          });
    }

    mtls::tls_stream<tcp::socket> stream_;
    std::array<char, 16384> buffer_; // one TLS record's worth of plaintext
};

class server {
public:
    server(asio::io_context& io, unsigned short port, const mtls::context& ctx)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), port}), ctx_(ctx) {}

    unsigned short port() const { return acceptor_.local_endpoint().port(); }

    void accept() {
        acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
            if (ec) std::cerr << "accept failed: " << ec.message() << std::endl;
            else std::make_shared<session>(std::move(socket), ctx_)->start();
            accept();
        });
    }

private:
    tcp::acceptor acceptor_;
    const mtls::context& ctx_;
};

} // namespace

int main(int argc, char** argv) {
    std::map<std::string, std::string> options;
    for (int i = 1; i < argc; i += 2) {
        const std::string name = argv[i];
        if (name != "--port" && name != "--cert" && name != "--key" && name != "--ca")
            usage("unknown option " + name);
        if (i + 1 == argc) usage("missing value for " + name);
        options[name] = argv[i + 1];
    }
    for (const char* required : {"--port", "--cert", "--key", "--ca"})
        if (!options.contains(required)) usage(std::string("missing ") + required);
    const unsigned short port = parse_port(options["--port"]);

    try {
        mtls::context ctx;
        ctx.use_certificate_chain_file(options["--cert"]);
        ctx.use_private_key_file(options["--key"]);
        ctx.load_verify_file(options["--ca"]);
        ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);

        asio::io_context io;
        server echo(io, port, ctx);
        std::cout << "listening on port " << echo.port() << std::endl;
        echo.accept();
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "echo_server: " << e.what() << std::endl;
        return 1;
    }
}
