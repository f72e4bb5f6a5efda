#include "wire/messages.hpp"

#include "wire/lists.hpp"

#include <algorithm>

namespace mtls::wire {

error_code parse_client_hello(bytes_view body, client_hello& out)
{
    // RFC 5246 §7.4.1.2
    reader r(body);
    out.legacy_version = r.u16();
    auto random = r.bytes(random_size);
    out.session_id = r.vec8();
    std::vector<std::uint16_t> suites;
    if (!read_u16_list(r, suites))
        return error::decode_error;
    out.cipher_suites = std::move(suites);
    out.compression_methods = r.vec8();
    if (!r.ok() || out.session_id.size() > 32 || out.compression_methods.empty())
        return error::decode_error;
    std::copy(random.begin(), random.end(), out.random.begin());
    if (r.empty())
        return {}; // no extensions at all
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, extensions_in::client_hello, out.ext);
}

error_code encode_client_hello(writer& w, const client_hello& in)
{
    w.u16(in.legacy_version);
    w.bytes(in.random);
    w.vec8(in.session_id);
    write_u16_list<std::uint16_t>(w, in.cipher_suites);
    w.vec8(in.compression_methods);
    return encode_extensions(w, in.ext, extensions_in::client_hello);
}

error_code parse_server_hello(bytes_view body, server_hello& out)
{
    // RFC 5246 §7.4.1.3
    reader r(body);
    out.legacy_version = r.u16();
    auto random = r.bytes(random_size);
    out.session_id = r.vec8();
    out.cipher_suite = r.u16();
    out.compression_method = r.u8();
    if (!r.ok() || out.session_id.size() > 32)
        return error::decode_error;
    std::copy(random.begin(), random.end(), out.random.begin());
    out.hello_retry = out.random == hello_retry_request_random;
    if (r.empty())
        return {};
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, out.hello_retry ? extensions_in::hello_retry_request : extensions_in::server_hello,
                            out.ext);
}

error_code encode_server_hello(writer& w, const server_hello& in)
{
    w.u16(in.legacy_version);
    w.bytes(in.hello_retry ? hello_retry_request_random : in.random); // RFC 8446 §4.1.3
    w.vec8(in.session_id);
    w.u16(in.cipher_suite);
    w.u8(in.compression_method);
    return encode_extensions(w, in.ext,
                             in.hello_retry ? extensions_in::hello_retry_request : extensions_in::server_hello);
}

error_code parse_encrypted_extensions(bytes_view body, hello_extensions& out)
{
    reader r(body);
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, extensions_in::encrypted_extensions, out);
}

error_code encode_encrypted_extensions(writer& w, const hello_extensions& in)
{
    return encode_extensions(w, in, extensions_in::encrypted_extensions);
}

error_code parse_certificate13(bytes_view body, certificate13& out)
{
    reader r(body);
    out.request_context = r.vec8();
    reader list(r.vec24());
    if (auto ec = parse_error(r))
        return ec;
    out.chain.clear();
    out.entry_extensions = false;
    while (!list.empty()) {
        auto cert = list.vec24(); // cert_data<1..2^24-1>
        auto exts = list.vec16(); // extensions<0..2^16-1>
        if (!list.ok() || cert.empty())
            return error::decode_error;
        // Entry extensions must be well-formed; whether they were asked for
        // is the handshake's call.
        reader e(exts);
        while (!e.empty()) {
            e.u16();
            e.vec16();
        }
        if (!e.ok())
            return error::decode_error;
        out.entry_extensions = out.entry_extensions || !exts.empty();
        if (out.chain.size() == max_certificate_entries)
            return error::certificate_list_too_long;
        out.chain.push_back(cert);
    }
    return {};
}

void encode_certificate13(writer& w, const certificate13& in)
{
    w.vec8(in.request_context);
    w.prefixed(3, [&] {
        for (auto cert : in.chain) {
            w.vec24(cert);
            w.u16(0); // extensions<0..2^16-1>: none
        }
    });
}

std::span<const bytes_view> names_within(std::span<const bytes_view> names, std::size_t budget) noexcept
{
    std::size_t fit = 0;
    std::size_t used = 0;
    while (fit < names.size() && used + 2 + names[fit].size() <= budget)
        used += 2 + names[fit++].size();
    return names.first(fit);
}

error_code parse_certificate_request13(bytes_view body, certificate_request13& out)
{
    reader r(body);
    out.request_context = r.vec8();
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, extensions_in::certificate_request, out.ext);
}

error_code encode_certificate_request13(writer& w, const certificate_request13& in)
{
    w.vec8(in.request_context);
    return encode_extensions(w, in.ext, extensions_in::certificate_request);
}

error_code parse_new_session_ticket13(bytes_view body, new_session_ticket13& out)
{
    reader r(body);
    out.lifetime = r.u32();
    out.age_add = r.u32();
    out.nonce = r.vec8();
    out.ticket = r.vec16();
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    // RFC 8446 §4.6.1: ticket<1..2^16-1>, extensions<0..2^16-2>.
    if (out.ticket.empty() || ext.size() > 0xFFFE)
        return error::decode_error;
    out.max_early_data.reset();
    reader e(ext);
    extension_types_seen seen;
    while (!e.empty()) {
        const auto type = e.u16();
        reader field(e.vec16());
        // RFC 8446 §4.2: at most one extension of each type, known or not.
        if (e.ok() && !seen.first(type))
            return error::duplicate_extension;
        if (type != static_cast<std::uint16_t>(extension_type::early_data))
            continue; // RFC 8446 §4.6.1: unknown extensions are ignored
        out.max_early_data = field.u32();
        if (!field.done())
            return error::decode_error;
    }
    return e.ok() ? error_code{} : error::decode_error;
}

void encode_new_session_ticket13(writer& w, const new_session_ticket13& in)
{
    w.u32(in.lifetime);
    w.u32(in.age_add);
    w.vec8(in.nonce);
    w.vec16(in.ticket);
    w.prefixed(2, [&] {
        if (in.max_early_data) {
            w.u16(static_cast<std::uint16_t>(extension_type::early_data));
            w.prefixed(2, [&] { w.u32(*in.max_early_data); });
        }
    });
}

error_code parse_new_session_ticket12(bytes_view body, new_session_ticket12& out)
{
    reader r(body);
    out.lifetime_hint = r.u32();
    out.ticket = r.vec16();
    return parse_error(r);
}

void encode_new_session_ticket12(writer& w, const new_session_ticket12& in)
{
    w.u32(in.lifetime_hint);
    w.vec16(in.ticket);
}

error_code parse_key_update(bytes_view body, key_update_request& out)
{
    reader r(body);
    auto v = r.u8();
    if (auto ec = parse_error(r))
        return ec;
    // RFC 8446 §4.6.3: any other value is an illegal_parameter.
    if (v > 1)
        return error::bad_key_update;
    out = static_cast<key_update_request>(v);
    return {};
}

void encode_key_update(writer& w, key_update_request request)
{
    w.u8(static_cast<std::uint8_t>(request));
}

error_code parse_certificate12(bytes_view body, std::vector<bytes_view>& chain)
{
    reader r(body);
    reader list(r.vec24());
    if (auto ec = parse_error(r))
        return ec;
    chain.clear();
    while (!list.empty()) {
        auto cert = list.vec24();
        if (!list.ok() || cert.empty())
            return error::decode_error;
        if (chain.size() == max_certificate_entries)
            return error::certificate_list_too_long;
        chain.push_back(cert);
    }
    return {};
}

void encode_certificate12(writer& w, std::span<const bytes_view> chain)
{
    w.prefixed(3, [&] {
        for (auto cert : chain)
            w.vec24(cert);
    });
}

error_code parse_server_key_exchange(bytes_view body, server_key_exchange& out)
{
    reader r(body);
    if (r.u8() != curve_type_named)
        return r.ok() ? error::illegal_parameter : error::decode_error; // RFC 8422 §5.4
    out.group = static_cast<named_group>(r.u16());
    out.public_key = r.vec8();
    if (!r.ok() || out.public_key.empty())
        return error::decode_error;
    out.params = body.first(body.size() - r.remaining());
    out.scheme = static_cast<signature_scheme>(r.u16());
    out.signature = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return out.signature.empty() ? error::decode_error : error_code{};
}

void encode_ecdhe_params(writer& w, named_group group, bytes_view public_key)
{
    w.u8(curve_type_named);
    w.u16(static_cast<std::uint16_t>(group));
    w.vec8(public_key);
}

void encode_server_key_exchange(writer& w, const server_key_exchange& in)
{
    encode_ecdhe_params(w, in.group, in.public_key);
    encode_certificate_verify(w, {in.scheme, in.signature}); // the same digitally-signed struct
}

error_code parse_certificate_request12(bytes_view body, certificate_request12& out)
{
    reader r(body);
    out.certificate_types = r.vec8();
    if (!read_u16_list(r, out.schemes) || out.certificate_types.empty())
        return error::decode_error;
    reader names(r.vec16());
    if (auto ec = parse_error(r))
        return ec;
    out.authorities.clear();
    while (!names.empty()) {
        auto dn = names.vec16();
        if (!names.ok() || dn.empty())
            return error::decode_error;
        out.authorities.push_back(dn);
    }
    return {};
}

void encode_certificate_request12(writer& w, const certificate_request12& in)
{
    w.vec8(in.certificate_types);
    write_u16_list<signature_scheme>(w, in.schemes);
    write_dn_list(w, in.authorities);
}

error_code parse_client_key_exchange(bytes_view body, bytes_view& public_key)
{
    reader r(body);
    public_key = r.vec8();
    if (auto ec = parse_error(r))
        return ec;
    return public_key.empty() ? error::decode_error : error_code{};
}

void encode_client_key_exchange(writer& w, bytes_view public_key)
{
    w.vec8(public_key);
}

error_code parse_certificate_verify(bytes_view body, signed_data& out)
{
    // An empty signature is well-formed (opaque signature<0..2^16-1>, RFC
    // 8446 §4.4.3); it is a signature that does not verify: decrypt_error.
    reader r(body);
    out.scheme = static_cast<signature_scheme>(r.u16());
    out.signature = r.vec16();
    return parse_error(r);
}

void encode_certificate_verify(writer& w, const signed_data& in)
{
    w.u16(static_cast<std::uint16_t>(in.scheme));
    w.vec16(in.signature);
}

void encode_finished(writer& w, bytes_view verify_data)
{
    w.bytes(verify_data);
}

} // namespace mtls::wire
