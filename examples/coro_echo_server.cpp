// coro_echo_server: echo_server written with C++20 coroutines (co_spawn and
// use_awaitable). Clients must present a certificate that --ca vouches for.
//
//   coro_echo_server --port P --cert F --key F --ca F
//
// --port 0 picks a free port; the port is printed as "listening on port N".
// Each connection is reported on stdout once its handshake is done:
//   TLSv1.3 TLS_AES_128_GCM_SHA256 client: CN=mtls test client
// then everything the client sends is echoed back until it closes. A failed
// connection is logged as one line on stderr; the server keeps going.

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "coro_echo_server: " << why << "\n"
              << "usage: coro_echo_server --port P --cert F --key F --ca F\n";
    std::exit(2);
}

unsigned short parse_port(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(text) > 65535)
        usage("bad port " + text);
    return static_cast<unsigned short>(std::stoi(text));
}

asio::awaitable<void> echo(tcp::socket socket, const mtls::context& ctx) {
    mtls::tls_stream<tcp::socket> stream(std::move(socket), ctx);
    mtls::error_code ec;
    auto await = asio::redirect_error(asio::use_awaitable, ec);

    co_await stream.async_handshake(mtls::role::server, await);
    if (ec) {
        std::cerr << "handshake failed: " << ec.message() << std::endl;
        co_return;
    }
    const mtls::connection_info& info = stream.info();
    std::cout << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
              << " client: " << (info.peer_subject.empty() ? "none" : info.peer_subject)
              << std::endl;

    std::array<char, 16384> buffer; // one TLS record's worth of plaintext
    for (;;) {
        const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer), await);
        if (ec == asio::error::eof) break; // the client's close_notify
        if (ec) {
            std::cerr << "read failed: " << ec.message() << std::endl;
            co_return;
        }
        co_await asio::async_write(stream, asio::buffer(buffer.data(), n), await);
        if (ec) {
            std::cerr << "write failed: " << ec.message() << std::endl;
            co_return;
        }
    }
    // Answer the close_notify. The client may close without waiting for
    // ours; either way the connection is over.
    co_await stream.async_shutdown(await);
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, const mtls::context& ctx) {
    for (;;) {
        mtls::error_code ec;
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            std::cerr << "accept failed: " << ec.message() << std::endl;
            continue;
        }
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket), ctx),
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
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), port});
        std::cout << "listening on port " << acceptor.local_endpoint().port() << std::endl;
        asio::co_spawn(io, listen(acceptor, ctx), [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "coro_echo_server: " << e.what() << std::endl;
        return 1;
    }
}
