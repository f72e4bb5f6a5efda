#include "handshake/key_schedule13.hpp"

#include <array>

namespace mtls::handshake::tls13 {

void expand_label(const crypto::provider& p, hash_alg h, bytes_view secret, std::string_view label, bytes_view context,
                  mutable_bytes out)
{
    // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel
    std::array<std::byte, 2 + 1 + 255 + 1 + 255> buf{};
    std::size_t n = 0;
    buf[n++] = std::byte(static_cast<std::uint8_t>(out.size() >> 8));
    buf[n++] = std::byte(static_cast<std::uint8_t>(out.size()));
    constexpr std::string_view prefix = "tls13 ";
    buf[n++] = std::byte(static_cast<std::uint8_t>(prefix.size() + label.size()));
    for (char c : prefix)
        buf[n++] = std::byte(static_cast<std::uint8_t>(c));
    for (char c : label)
        buf[n++] = std::byte(static_cast<std::uint8_t>(c));
    buf[n++] = std::byte(static_cast<std::uint8_t>(context.size()));
    for (auto b : context)
        buf[n++] = b;
    crypto::hkdf_expand(p, h, secret, {buf.data(), n}, out);
}

secret derive_secret(const crypto::provider& p, hash_alg h, bytes_view s, std::string_view label, bytes_view transcript_hash)
{
    secret out;
    expand_label(p, h, s, label, transcript_hash, out.resize(crypto::digest_size(h)));
    return out;
}

secret early_secret(const crypto::provider& p, hash_alg h, bytes_view psk)
{
    const std::array<std::byte, crypto::max_digest_size> zeros{};
    const auto len = crypto::digest_size(h);
    secret out;
    crypto::hkdf_extract(p, h, std::span(zeros).first(len), psk.empty() ? std::span(zeros).first(len) : psk,
                         out.resize(len));
    return out;
}

secret next_stage(const crypto::provider& p, hash_alg h, const secret& previous, bytes_view ikm)
{
    const auto len = crypto::digest_size(h);
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto empty_hash = crypto::digest(p, h, {}, buf);
    auto salt = derive_secret(p, h, previous.view(), "derived", empty_hash);
    const std::array<std::byte, crypto::max_digest_size> zeros{};
    secret out;
    crypto::hkdf_extract(p, h, salt.view(), ikm.empty() ? std::span(zeros).first(len) : ikm, out.resize(len));
    return out;
}

traffic_key traffic_keys(const crypto::provider& p, crypto::aead_alg a, hash_alg h, bytes_view traffic_secret)
{
    traffic_key k;
    expand_label(p, h, traffic_secret, "key", {}, k.key.resize(crypto::aead_key_size(a)));
    expand_label(p, h, traffic_secret, "iv", {}, k.iv.resize(crypto::aead_nonce_size));
    return k;
}

void export_keying_material(const crypto::provider& p, hash_alg h, bytes_view exporter_master_secret, std::string_view label,
                            bytes_view context, mutable_bytes out)
{
    std::array<std::byte, crypto::max_digest_size> empty_hash{};
    std::array<std::byte, crypto::max_digest_size> context_hash{};
    // Derive-Secret over no messages hashes the empty string (§7.1).
    const auto exporter = derive_secret(p, h, exporter_master_secret, label, crypto::digest(p, h, {}, empty_hash));
    expand_label(p, h, exporter.view(), "exporter", crypto::digest(p, h, context, context_hash), out);
}

secret next_traffic_secret(const crypto::provider& p, hash_alg h, bytes_view current)
{
    secret out;
    expand_label(p, h, current, "traffic upd", {}, out.resize(crypto::digest_size(h)));
    return out;
}

secret finished_verify_data(const crypto::provider& p, hash_alg h, bytes_view base_key, bytes_view transcript_hash)
{
    const auto len = crypto::digest_size(h);
    secret key;
    expand_label(p, h, base_key, "finished", {}, key.resize(len));
    secret out;
    crypto::hmac(p, h, key.view(), transcript_hash, {}, out.resize(len));
    return out;
}

secret resumption_binder_key(const crypto::provider& p, hash_alg h, const secret& early)
{
    std::array<std::byte, crypto::max_digest_size> buf{};
    return derive_secret(p, h, early.view(), "res binder", crypto::digest(p, h, {}, buf));
}

secret ticket_psk(const crypto::provider& p, hash_alg h, bytes_view resumption_master_secret, bytes_view nonce)
{
    secret out;
    expand_label(p, h, resumption_master_secret, "resumption", nonce, out.resize(crypto::digest_size(h)));
    return out;
}

secret psk_binder(const crypto::provider& p, hash_alg h, bytes_view psk, bytes_view transcript)
{
    auto binder_key = resumption_binder_key(p, h, early_secret(p, h, psk));
    std::array<std::byte, crypto::max_digest_size> buf{};
    return finished_verify_data(p, h, binder_key.view(), crypto::digest(p, h, transcript, buf));
}

} // namespace mtls::handshake::tls13
