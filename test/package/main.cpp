// Builds against the installed headers and library only, and links: one
// context, one engine and one stream type cover the public API's symbols.
// The umbrella header proves every public header installs and compiles.
#include <mtls/mtls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <iostream>

mtls::error_code load_garbage_certificate(); // context_only.cpp

int main()
{
    mtls::context ctx;
    ctx.set_verify_mode(mtls::verify_peer | mtls::verify_fail_if_no_peer_cert);
    boost::asio::io_context io;
    mtls::tls_stream<boost::asio::ip::tcp::socket> stream(io, ctx);
    mtls::engine engine(ctx, mtls::role::client);
    engine.start_handshake();
    // A client's first flight is a ClientHello record: handshake content type.
    if (engine.output().empty() || engine.output()[0] != std::byte{22}) {
        std::cerr << "consumer: no ClientHello from the installed library\n";
        return 1;
    }
    // The library's exception, caught here, with its error category: the
    // same object on both sides of a shared library's boundary.
    const mtls::error_code ec = load_garbage_certificate();
    if (!ec || ec.category() != mtls::error_category()) {
        std::cerr << "consumer: loading garbage as a certificate gave \"" << ec.message() << "\" ("
                  << ec.category().name() << ")\n";
        return 1;
    }
    std::cout << "consumer: " << mtls::to_string(mtls::tls_version::tls12) << " ok; garbage certificate: "
              << ec.message() << "\n";
}
