// A server engine (TLS 1.2 and 1.3, asking for a client certificate) fed
// arbitrary client bytes. The seeds are the client's side of real handshakes
// against this very server (make_corpus), so with the fixed randoms the
// fuzzer starts from inputs that reach every state up to application data.

#include "fuzz_support.hpp"

using namespace mtls;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto server = fuzz::make_server(fuzz::setup{});
    fuzz::bytes read;
    fuzz::feed_all(server, {reinterpret_cast<const std::byte*>(data), size}, read);
    fuzz::drain(server);
    if (server.is_open()) {
        const auto reply = fuzz::pattern(100, 7);
        server.write(reply);
        server.update_keys(true);
        server.close();
    }
    fuzz::drain(server);
    server.on_transport_eof();
    if (!server.plaintext().empty() && server.failed())
        fuzz::oracle_failure("plaintext reported after the connection failed");
    fuzz::drain(server);
    return 0;
}
