// A real handshake between two engines in memory, deterministic through
// engine_test_hooks, with the input choosing the configuration and then
// either editing one flight in transit or injecting records into one end
// after the handshake (or both). Each end writes known application data; the
// pump (fuzz::engine_pair) checks after every delivery that an end has read
// only a prefix of what the other wrote, and that no end reports plaintext
// after it failed. Bytes changed in transit must end in an error, never in
// data the peer did not send.
//
// Input:
//   byte 0  bit 0: TLS 1.2 only; bit 1: client has a certificate;
//           bit 2: server requires one; bit 3: HelloRetryRequest (the server
//           prefers secp256r1, the client offers x25519 first);
//           bit 4: edit a flight; bit 5: inject after the handshake;
//           bit 6: KeyUpdate (TLS 1.3) before the second exchange of data
//   edit:   flight index (1 byte, counting both directions in delivery order),
//           edit count (1 byte, 1-4), then each edit: operation (1 byte:
//           xor / insert / truncate / erase), offset (2 bytes, modulo the
//           flight size), operand (1 byte, plus the inserted bytes)
//   inject: target end (1 byte), then until the input ends, one record each:
//           kind (1 byte: plaintext record / replay of a flight's record /
//           raw bytes) and its operands

#include "fuzz_support.hpp"

#include <algorithm>
#include <utility>
#include <vector>

using namespace mtls;

namespace {

void apply_edits(fuzz::cursor& in, fuzz::bytes& data)
{
    const unsigned count = in.u8() % 4u + 1;
    for (unsigned i = 0; i < count && !data.empty(); ++i) {
        const std::uint8_t op = in.u8();
        const std::size_t at = in.u16() % data.size();
        const std::uint8_t operand = in.u8();
        const auto pos = data.begin() + static_cast<std::ptrdiff_t>(at);
        switch (op % 4) {
        case 0:
            *pos ^= std::byte{static_cast<std::uint8_t>(operand | 1u)};
            break;
        case 1: {
            const auto extra = in.take(operand % 32u + 1);
            data.insert(pos, extra.begin(), extra.end());
            break;
        }
        case 2:
            data.erase(pos, data.end());
            break;
        default:
            data.erase(pos, pos + static_cast<std::ptrdiff_t>(std::min<std::size_t>(operand % 64u + 1, data.size() - at)));
            break;
        }
    }
}

/// Record `index` (modulo the count) of a flight's bytes; empty if it has none.
fuzz::bytes record_of(const fuzz::bytes& data, std::size_t index)
{
    std::vector<std::pair<std::size_t, std::size_t>> records;
    for (std::size_t off = 0; data.size() - off >= 5;) {
        const std::size_t len = (std::to_integer<std::size_t>(data[off + 3]) << 8) | std::to_integer<std::size_t>(data[off + 4]);
        const std::size_t end = std::min(data.size(), off + 5 + len);
        records.emplace_back(off, end);
        off = end;
    }
    if (records.empty())
        return {};
    const auto [begin, end] = records[index % records.size()];
    return fuzz::bytes(data.begin() + static_cast<std::ptrdiff_t>(begin), data.begin() + static_cast<std::ptrdiff_t>(end));
}

void inject(fuzz::cursor& in, fuzz::engine_pair& pair)
{
    const bool to_server = in.u8() & 1u;
    // A handful of records reaches every state an end can be put in.
    for (int i = 0; i < 16 && !in.empty(); ++i) {
        fuzz::bytes data;
        switch (in.u8() % 3) {
        case 0: {
            // A plaintext record: after the handshake every record must be
            // protected (RFC 5246 §6.2, RFC 8446 §5), so none may be taken.
            data.push_back(std::byte{in.u8()});
            data.push_back(std::byte{0x03});
            data.push_back(std::byte{0x03});
            const auto body = in.take(in.u8());
            data.push_back(std::byte{static_cast<std::uint8_t>(body.size() >> 8)});
            data.push_back(std::byte{static_cast<std::uint8_t>(body.size())});
            data.insert(data.end(), body.begin(), body.end());
            break;
        }
        case 1: {
            // A record this end already received: a replay must fail the AEAD
            // (the sequence number is in the nonce) or the handshake state.
            std::vector<const fuzz::flight*> seen;
            for (const auto& f : pair.flights)
                if (f.to_server == to_server)
                    seen.push_back(&f);
            const std::uint8_t flight = in.u8();
            const std::uint8_t record = in.u8();
            if (!seen.empty())
                data = record_of(seen[flight % seen.size()]->data, record);
            break;
        }
        default:
            data = in.take(in.u8());
            break;
        }
        pair.inject(to_server, data);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::cursor in(data, size);
    const std::uint8_t config = in.u8();
    fuzz::setup s;
    s.max_version = (config & 0x01u) ? tls_version::tls12 : tls_version::tls13;
    s.client_cert = (config & 0x02u) != 0;
    s.require_client_cert = (config & 0x04u) != 0;
    if (config & 0x08u)
        s.server_group = named_group::secp256r1;
    const bool edit = (config & 0x10u) != 0;
    const bool injecting = (config & 0x20u) != 0;
    const bool key_update = (config & 0x40u) != 0;

    fuzz::engine_pair pair(s, s);
    if (edit) {
        const std::size_t target = in.u8();
        pair.on_flight = [&in, target](std::size_t index, fuzz::flight& f) {
            if (index == target)
                apply_edits(in, f.data);
        };
    }
    pair.run();
    pair.write(true, fuzz::pattern(64, 1));
    pair.write(false, fuzz::pattern(64, 2));
    pair.run();
    if (injecting)
        inject(in, pair);
    if (key_update)
        pair.client.update_keys(true);
    // More than one record each way.
    pair.write(true, fuzz::pattern(17000, 3));
    pair.write(false, fuzz::pattern(300, 4));
    pair.run();
    pair.client.close();
    pair.run();
    pair.server.close();
    pair.run();
    // Without edits or injections both ends must have got everything.
    if (!edit && !injecting && (pair.client_read != pair.server_wrote || pair.server_read != pair.client_wrote) &&
        !(s.require_client_cert && !s.client_cert))
        fuzz::oracle_failure("an untouched connection lost application data");
    return 0;
}
