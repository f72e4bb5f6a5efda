// The record layer's receive side fed arbitrary bytes, with and without read
// protection (TLS 1.2 AES-GCM with explicit nonce, TLS 1.2 ChaCha20-Poly1305,
// TLS 1.3). A sealer with the reader's keys protects records whose content
// type, length and payload the input chooses (type 0, oversized records and
// all-zero TLS 1.3 padding included), so the paths after decryption are
// reached; raw bytes can be spliced in between. The input also picks the
// delivery size and when both sides change keys.
//
// Input: one configuration byte (bits 0-1 protection, bit 2 fixed record
// version, bit 3 no plaintext alerts, bits 4-7 log2 of the delivery size),
// then operations until the input ends:
//   0x00-0x3F  record: type (1 byte), length (2 bytes), payload from the input
//   0x40-0x7F  raw bytes: length (1 byte), bytes
//   0x80-0xBF  both sides switch to the next key (every fourth: no protection)
//   0xC0-0xFF  record: type (1 byte), length (2 bytes), a generated payload

#include "fuzz_support.hpp"

#include "record/record_layer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

using namespace mtls;

namespace {

std::optional<record::protection> make_protection(unsigned mode, std::uint8_t generation)
{
    if (mode == 0)
        return std::nullopt;
    std::array<std::byte, 32> key{};
    std::array<std::byte, 12> iv{};
    key.fill(std::byte{static_cast<std::uint8_t>(0x10 + generation)});
    iv.fill(std::byte{static_cast<std::uint8_t>(0x20 + generation)});
    switch (mode) {
    case 1:
        return record::protection(crypto::mbedtls_provider(), crypto::aead_alg::aes_128_gcm, {key.data(), 16}, {iv.data(), 4},
                                  record::nonce_scheme::tls12_explicit);
    case 2:
        return record::protection(crypto::mbedtls_provider(), crypto::aead_alg::chacha20_poly1305, key, iv, record::nonce_scheme::tls12_xor);
    default:
        return record::protection(crypto::mbedtls_provider(), crypto::aead_alg::aes_256_gcm, key, iv, record::nonce_scheme::tls13);
    }
}

struct harness {
    record::record_layer reader;
    std::optional<record::protection> sealer;
    std::size_t chunk = 1;
    bool failed = false;

    /// Delivers `data` to the reader `chunk` bytes at a time, taking every
    /// complete record out as it arrives, like the engine does.
    void deliver(fuzz::bytes_view data)
    {
        while (!data.empty() && !failed) {
            auto space = reader.input_space();
            if (space.empty())
                fuzz::oracle_failure("record layer has no input space while records are drained");
            const std::size_t n = std::min({space.size(), data.size(), chunk});
            std::memcpy(space.data(), data.data(), n);
            reader.commit(n);
            data = data.subspan(n);
            record::record_layer::record r;
            error_code ec;
            while (reader.next(r, ec)) {
                if (r.payload.size() > record::max_plaintext)
                    fuzz::oracle_failure("record layer handed out an oversized payload");
                reader.release();
            }
            failed = static_cast<bool>(ec);
        }
    }

    /// One record of `type` carrying `payload`, sealed when keys are set.
    void deliver_record(std::uint8_t type, fuzz::bytes_view payload)
    {
        const std::size_t prefix = sealer ? sealer->prefix_size() : 0;
        const std::size_t suffix = sealer ? sealer->suffix_size() : 0;
        fuzz::bytes rec(record::header_size + prefix + payload.size() + suffix);
        if (!payload.empty())
            std::memcpy(rec.data() + record::header_size + prefix, payload.data(), payload.size());
        if (sealer) {
            rec.resize(sealer->seal(static_cast<wire::content_type>(type), 0x0303, rec.data(), payload.size()));
        } else {
            rec[0] = std::byte{type};
            rec[1] = std::byte{0x03};
            rec[2] = std::byte{0x03};
            rec[3] = std::byte{static_cast<std::uint8_t>(payload.size() >> 8)};
            rec[4] = std::byte{static_cast<std::uint8_t>(payload.size())};
        }
        deliver(rec);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::cursor in(data, size);
    const std::uint8_t config = in.u8();
    const unsigned mode = config & 3u;
    harness h;
    h.chunk = std::size_t{1} << ((config >> 4) & 0xFu);
    if (config & 0x04u)
        h.reader.expect_version(0x0303);
    h.reader.allow_plaintext_alerts((config & 0x08u) == 0);

    std::uint8_t generation = 0;
    h.reader.set_read_protection(make_protection(mode, generation));
    h.sealer = make_protection(mode, generation);

    // Records longer than this do not fit the 16-bit length with the AEAD
    // overhead; anything above 2^14 + 2048 is already an overflow.
    constexpr std::size_t max_length = 65000;
    // Bounded so that a huge input cannot run long.
    for (int ops = 0; ops < 1024 && !in.empty() && !h.failed; ++ops) {
        const std::uint8_t op = in.u8();
        switch (op >> 6) {
        case 0: {
            const std::uint8_t type = in.u8();
            const auto payload = in.take(std::min<std::size_t>(in.u16(), max_length));
            h.deliver_record(type, payload);
            break;
        }
        case 1:
            h.deliver(in.take(in.u8()));
            break;
        case 2: {
            // Both sides change keys at the same point of the stream, as a
            // handshake does at ChangeCipherSpec or a KeyUpdate.
            ++generation;
            const bool keyed = mode != 0 && generation % 4 != 3;
            h.reader.set_read_protection(keyed ? make_protection(mode, generation) : std::nullopt);
            h.sealer = keyed ? make_protection(mode, generation) : std::nullopt;
            break;
        }
        default: {
            const std::uint8_t type = in.u8();
            h.deliver_record(type, fuzz::pattern(std::min<std::size_t>(in.u16(), max_length), op));
            break;
        }
        }
    }
    return 0;
}
