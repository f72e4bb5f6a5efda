// A client engine (TLS 1.2 and 1.3, with a client certificate) that has sent
// its ClientHello, fed arbitrary server bytes. The seeds are the server's
// side of real handshakes with this very client (make_corpus): since the
// client's randoms and key share are fixed, they complete the handshake.

#include "fuzz_support.hpp"

using namespace mtls;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto client = fuzz::make_client(fuzz::setup{});
    fuzz::drain(client); // the ClientHello
    fuzz::bytes read;
    fuzz::feed_all(client, {reinterpret_cast<const std::byte*>(data), size}, read);
    fuzz::drain(client);
    if (client.is_open()) {
        const auto request = fuzz::pattern(100, 8);
        client.write(request);
        client.update_keys(true);
        client.close();
    }
    fuzz::drain(client);
    client.on_transport_eof();
    if (!client.plaintext().empty() && client.failed())
        fuzz::oracle_failure("plaintext reported after the connection failed");
    fuzz::drain(client);
    return 0;
}
