#include "handshake/key_schedule13.hpp"

#include <array>

namespace mtls::handshake::tls13 {

void expand_label(hash_alg h, bytes_view secret, std::string_view label, bytes_view context,
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
    crypto::hkdf_expand(h, secret, {buf.data(), n}, out);
}

secret derive_secret(hash_alg h, bytes_view s, std::string_view label, bytes_view transcript_hash)
{
    secret out;
    expand_label(h, s, label, transcript_hash, out.resize(crypto::digest_size(h)));
    return out;
}

secret early_secret(hash_alg h, bytes_view psk)
{
    const std::array<std::byte, crypto::max_digest_size> zeros{};
    const auto len = crypto::digest_size(h);
    secret out;
    crypto::hkdf_extract(h, std::span(zeros).first(len), psk.empty() ? std::span(zeros).first(len) : psk,
                         out.resize(len));
    return out;
}

secret next_stage(hash_alg h, const secret& previous, bytes_view ikm)
{
    const auto len = crypto::digest_size(h);
    std::array<std::byte, crypto::max_digest_size> buf{};
    auto empty_hash = crypto::digest(h, {}, buf);
    auto salt = derive_secret(h, previous.view(), "derived", empty_hash);
    const std::array<std::byte, crypto::max_digest_size> zeros{};
    secret out;
    crypto::hkdf_extract(h, salt.view(), ikm.empty() ? std::span(zeros).first(len) : ikm, out.resize(len));
    return out;
}

traffic_key traffic_keys(crypto::aead_alg a, hash_alg h, bytes_view traffic_secret)
{
    traffic_key k;
    expand_label(h, traffic_secret, "key", {}, k.key.resize(crypto::aead_key_size(a)));
    expand_label(h, traffic_secret, "iv", {}, k.iv.resize(crypto::aead_nonce_size));
    return k;
}

void export_keying_material(hash_alg h, bytes_view exporter_master_secret, std::string_view label,
                            bytes_view context, mutable_bytes out)
{
    std::array<std::byte, crypto::max_digest_size> empty_hash{};
    std::array<std::byte, crypto::max_digest_size> context_hash{};
    // Derive-Secret over no messages hashes the empty string (§7.1).
    const auto exporter = derive_secret(h, exporter_master_secret, label, crypto::digest(h, {}, empty_hash));
    expand_label(h, exporter.view(), "exporter", crypto::digest(h, context, context_hash), out);
}

secret next_traffic_secret(hash_alg h, bytes_view current)
{
    secret out;
    expand_label(h, current, "traffic upd", {}, out.resize(crypto::digest_size(h)));
    return out;
}

secret finished_verify_data(hash_alg h, bytes_view base_key, bytes_view transcript_hash)
{
    const auto len = crypto::digest_size(h);
    secret key;
    expand_label(h, base_key, "finished", {}, key.resize(len));
    secret out;
    crypto::hmac(h, key.view(), transcript_hash, {}, out.resize(len));
    return out;
}

secret resumption_binder_key(hash_alg h, const secret& early)
{
    std::array<std::byte, crypto::max_digest_size> buf{};
    return derive_secret(h, early.view(), "res binder", crypto::digest(h, {}, buf));
}

secret ticket_psk(hash_alg h, bytes_view resumption_master_secret, bytes_view nonce)
{
    secret out;
    expand_label(h, resumption_master_secret, "resumption", nonce, out.resize(crypto::digest_size(h)));
    return out;
}

secret psk_binder(hash_alg h, bytes_view psk, bytes_view transcript)
{
    auto binder_key = resumption_binder_key(h, early_secret(h, psk));
    std::array<std::byte, crypto::max_digest_size> buf{};
    return finished_verify_data(h, binder_key.view(), crypto::digest(h, transcript, buf));
}

} // namespace mtls::handshake::tls13
