#include "record/protection.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace mtls::record {
namespace {

void put16(std::byte* p, std::size_t v)
{
    p[0] = std::byte(static_cast<std::uint8_t>(v >> 8));
    p[1] = std::byte(static_cast<std::uint8_t>(v));
}

void put64(std::byte* p, std::uint64_t v)
{
    for (int i = 7; i >= 0; --i, v >>= 8)
        p[i] = std::byte(static_cast<std::uint8_t>(v));
}

/// TLS 1.2 additional data: seq_num || type || version || length (RFC 5246 §6.2.3.3).
std::array<std::byte, 13> aad12(std::uint64_t seq, content_type type, const std::byte* version,
                                std::size_t length)
{
    std::array<std::byte, 13> ad{};
    put64(ad.data(), seq);
    ad[8] = std::byte(static_cast<std::uint8_t>(type));
    ad[9] = version[0];
    ad[10] = version[1];
    put16(ad.data() + 11, length);
    return ad;
}

} // namespace

protection::protection(const crypto::provider& p, crypto::aead_alg alg, bytes_view key, bytes_view iv,
                       nonce_scheme scheme)
    : aead_(p, alg, key), iv_(iv), scheme_(scheme)
{
}

void protection::nonce_for(std::uint64_t seq, std::byte* out) const noexcept
{
    auto iv = iv_.view();
    if (scheme_ == nonce_scheme::tls12_explicit) {
        std::memcpy(out, iv.data(), 4);
        put64(out + 4, seq);
        return;
    }
    // RFC 7905 §2, RFC 8446 §5.3: the 64-bit sequence, left-padded, XOR the IV.
    std::array<std::byte, crypto::aead_nonce_size> padded{};
    put64(padded.data() + 4, seq);
    for (std::size_t i = 0; i < padded.size(); ++i)
        out[i] = iv[i] ^ padded[i];
}

std::size_t protection::seal(content_type type, std::uint16_t version, std::byte* record, std::size_t n)
{
    std::array<std::byte, crypto::aead_nonce_size> nonce{};
    nonce_for(seq_, nonce.data());
    std::byte* payload = record + header_size + prefix_size();
    std::size_t length = prefix_size() + n + suffix_size();

    record[1] = std::byte(static_cast<std::uint8_t>(version >> 8));
    record[2] = std::byte(static_cast<std::uint8_t>(version));
    put16(record + 3, length);
    if (scheme_ == nonce_scheme::tls13) {
        // RFC 8446 §5.2: inner content type after the content, outer type
        // application_data, and the record header as additional data.
        payload[n] = std::byte(static_cast<std::uint8_t>(type));
        record[0] = std::byte(static_cast<std::uint8_t>(content_type::application_data));
        aead_.seal(nonce, {record, header_size}, {payload, n + 1}, {payload + n + 1, crypto::aead_tag_size});
    } else {
        record[0] = std::byte(static_cast<std::uint8_t>(type));
        if (scheme_ == nonce_scheme::tls12_explicit)
            std::memcpy(record + header_size, nonce.data() + 4, 8);
        auto ad = aad12(seq_, type, record + 1, n);
        aead_.seal(nonce, ad, {payload, n}, {payload + n, crypto::aead_tag_size});
    }
    ++seq_;
    return header_size + length;
}

error_code protection::open(mutable_bytes record, content_type& type, mutable_bytes& plaintext)
{
    auto fragment = record.subspan(header_size);
    if (fragment.size() < prefix_size() + suffix_size())
        return error::bad_record_mac;
    std::array<std::byte, crypto::aead_nonce_size> nonce{};
    nonce_for(seq_, nonce.data());
    if (scheme_ == nonce_scheme::tls12_explicit)
        std::memcpy(nonce.data() + 4, fragment.data(), 8);

    auto body = fragment.subspan(prefix_size(), fragment.size() - prefix_size() - crypto::aead_tag_size);
    auto tag = fragment.last(crypto::aead_tag_size);
    if (scheme_ == nonce_scheme::tls13) {
        if (!aead_.open(nonce, record.first(header_size), body, tag))
            return error::bad_record_mac;
        ++seq_;
        // RFC 8446 §5.4: TLSInnerPlaintext is at most 2^14 + 1 bytes; strip
        // the zero padding, the last non-zero byte is the type.
        if (body.size() > max_plaintext + 1)
            return error::record_overflow;
        auto end = body.size();
        while (end > 0 && body[end - 1] == std::byte{0})
            --end;
        if (end == 0)
            return error::no_inner_content_type;
        type = static_cast<content_type>(body[end - 1]);
        plaintext = body.first(end - 1);
        return {};
    }
    type = static_cast<content_type>(record[0]);
    auto ad = aad12(seq_, type, record.data() + 1, body.size());
    if (!aead_.open(nonce, ad, body, tag))
        return error::bad_record_mac;
    ++seq_;
    plaintext = body;
    return {};
}

} // namespace mtls::record
