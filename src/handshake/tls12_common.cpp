#include "handshake/tls12_common.hpp"

#include <algorithm>

namespace mtls::handshake {

using wire::handshake_type;

error_code tls12_base::on_message(handshake_type type, bytes_view body, bytes_view message)
{
    const bool client = env_.side == role::client;
    // RFC 5246 §7.4.1.1: ignored by a client while negotiating, and not part
    // of the transcript.
    if (client && type == handshake_type::hello_request && stage_ != stage::done)
        return body.empty() ? error_code{} : error::decode_error;
    switch (stage_) {
    case stage::role_states:
        return on_role_message(type, body, message);
    case stage::expect_change_cipher_spec:
        break;
    case stage::expect_finished:
        if (type != handshake_type::finished)
            break;
        if (auto ec = check_finished(body, !client))
            return ec;
        on_peer_finished(message);
        stage_ = stage::done;
        return {};
    case stage::done:
        // RFC 5746 §4.2, §4.4: a HelloRequest to a client or a ClientHello to
        // a server asks to renegotiate; RFC 5246 §7.2.2: the refusal is a
        // no_renegotiation warning, and the peer decides whether to go on.
        if (type != (client ? handshake_type::hello_request : handshake_type::client_hello))
            break;
        if (client && !body.empty())
            return error::decode_error; // RFC 5246 §7.4.1.1: HelloRequest is empty
        send_warning(alert::no_renegotiation);
        return {};
    }
    return unexpected_here(kind(type));
}

error_code tls12_base::unexpected_here(message_kind got) const
{
    switch (stage_) {
    case stage::role_states: return role_unexpected(got);
    case stage::expect_change_cipher_spec: return unexpected(got, {change_cipher_spec_kind});
    case stage::expect_finished: return unexpected(got, {kind(handshake_type::finished)});
    case stage::done: break;
    }
    return unexpected(got, {});
}

error_code tls12_base::derive_keys(const crypto::secret& premaster)
{
    const auto h = suite_->hash;
    auto master = master_.resize(48);
    if (ems_) {
        // RFC 7627 §4: the session hash covers the messages up to and
        // including ClientKeyExchange.
        std::array<std::byte, crypto::max_digest_size> session_hash{};
        auto hash = transcript_.current(session_hash);
        crypto::prf12(crypto(), h, premaster.view(), "extended master secret", hash, {}, master);
    } else {
        crypto::prf12(crypto(), h, premaster.view(), "master secret", client_random_, server_random_, master);
    }
    derive_key_block();
    return {};
}

void tls12_base::derive_key_block()
{
    // Full and abbreviated handshakes both come here with the master secret.
    log_secret("CLIENT_RANDOM", master_.view());
    const auto h = suite_->hash;
    // RFC 5246 §6.3: AEAD suites have no MAC keys; the key block is
    // client key, server key, client IV, server IV.
    const auto key_len = crypto::aead_key_size(suite_->aead);
    const bool chacha = suite_->aead == crypto::aead_alg::chacha20_poly1305;
    const std::size_t iv_len = chacha ? 12 : 4; // RFC 7905 §2, RFC 5288 §3
    std::array<std::byte, 2 * 32 + 2 * 12> block{};
    auto kb = std::span(block).first(2 * key_len + 2 * iv_len);
    crypto::prf12(crypto(), h, master_.view(), "key expansion", server_random_, client_random_, kb);
    auto client_key = kb.subspan(0, key_len);
    auto server_key = kb.subspan(key_len, key_len);
    auto client_iv = kb.subspan(2 * key_len, iv_len);
    auto server_iv = kb.subspan(2 * key_len + iv_len, iv_len);
    const auto scheme = chacha ? record::nonce_scheme::tls12_xor : record::nonce_scheme::tls12_explicit;
    const bool client = env_.side == role::client;
    pending_write_.emplace(crypto(), suite_->aead, client ? client_key : server_key, client ? client_iv : server_iv, scheme);
    pending_read_.emplace(crypto(), suite_->aead, client ? server_key : client_key, client ? server_iv : client_iv, scheme);
    crypto::secure_zero(block.data(), block.size());
}

void tls12_base::activate_write_keys()
{
    env_.records.set_write_protection(std::move(pending_write_));
    pending_write_.reset();
}

void tls12_base::activate_read_keys()
{
    env_.records.set_read_protection(std::move(pending_read_));
    pending_read_.reset();
}

bytes_view tls12_base::signed_params(bytes_view params)
{
    scratch_.assign(client_random_.begin(), client_random_.end());
    scratch_.insert(scratch_.end(), server_random_.begin(), server_random_.end());
    scratch_.insert(scratch_.end(), params.begin(), params.end());
    return scratch_;
}

std::array<std::byte, 12> tls12_base::finished_data(bool from_client) const
{
    std::array<std::byte, crypto::max_digest_size> hash_buf{};
    auto hash = transcript_.current(hash_buf);
    std::array<std::byte, 12> out{};
    crypto::prf12(crypto(), suite_->hash, master_.view(), from_client ? "client finished" : "server finished", hash,
                  {}, out);
    return out;
}

error_code tls12_base::check_finished(bytes_view body, bool from_client) const
{
    auto expected = finished_data(from_client);
    if (body.size() != expected.size())
        return error::decode_error;
    // RFC 5246 §7.4.9, compared in constant time.
    return crypto::constant_time_equal(body, expected) ? error_code{} : error::bad_finished;
}

void tls12_base::send_finished(bool from_client)
{
    auto data = finished_data(from_client);
    send(wire::handshake_type::finished, [&](wire::writer& w) { wire::encode_finished(w, data); });
}

error_code tls12_base::export_keying_material(std::string_view label, std::optional<bytes_view> context,
                                              mutable_bytes out) const
{
    // The PRF has no limit of its own; this bounds the work one call can ask for.
    constexpr std::size_t max_output = 16384;
    // RFC 7627 §5.4: without it the master secret can be shared with another
    // connection (the triple handshake), and so would the exported keys.
    if (!ems_)
        return error::exporter_without_ems;
    if (out.size() > max_output)
        return error::exporter_output_too_long;
    // RFC 5705 §4: the context's length is a uint16.
    if (context && context->size() > 0xffff)
        return error::exporter_input_too_long;
    // RFC 5705 §4: seed = client_random + server_random
    //                     [+ context_value_length + context_value]
    std::array<std::byte, 2 * sizeof(wire::random_bytes)> randoms{};
    std::copy(client_random_.begin(), client_random_.end(), randoms.begin());
    std::copy(server_random_.begin(), server_random_.end(), randoms.begin() + client_random_.size());
    std::vector<std::byte> with_context;
    if (context) {
        with_context.reserve(2 + context->size());
        with_context.push_back(std::byte(static_cast<std::uint8_t>(context->size() >> 8)));
        with_context.push_back(std::byte(static_cast<std::uint8_t>(context->size())));
        with_context.insert(with_context.end(), context->begin(), context->end());
    }
    crypto::prf12(crypto(), suite_->hash, master_.view(), label, randoms, with_context, out);
    return {};
}

void tls12_base::record_info(named_group g)
{
    auto& info = env_.info;
    info.version = tls_version::tls12;
    info.suite = suite_->id;
    info.group = g;
    info.extended_master_secret = ems_;
}

} // namespace mtls::handshake
