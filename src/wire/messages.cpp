#include "wire/messages.hpp"

#include <algorithm>

namespace mtls::wire {

const random_bytes hello_retry_request_random = [] {
    constexpr std::array<std::uint8_t, random_size> v{
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    random_bytes out{};
    for (std::size_t i = 0; i < v.size(); ++i)
        out[i] = std::byte{v[i]};
    return out;
}();

const std::array<std::byte, 8> downgrade_tls12{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                                               std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x01}};
const std::array<std::byte, 8> downgrade_tls11{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                                               std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x00}};

namespace {

error_code parse_error(const reader& r)
{
    if (!r.ok())
        return error::decode_error;
    if (!r.empty())
        return error::trailing_data;
    return {};
}

/// A list of 16-bit values with a 2-byte length prefix; even and non-empty.
template <class T>
bool read_u16_list(reader& r, std::vector<T>& out)
{
    auto body = r.vec16();
    if (body.empty() || body.size() % 2 != 0) {
        r.fail();
        return false;
    }
    reader items(body);
    out.clear();
    out.reserve(body.size() / 2);
    while (!items.empty())
        out.push_back(static_cast<T>(items.u16()));
    return true;
}

error_code parse_server_name(bytes_view data, hello_extensions& out)
{
    // RFC 6066 §3: a list of (type, name); we read the host_name entry.
    reader r(data);
    auto names = r.vec16();
    if (!r.done() || names.empty())
        return error::decode_error; // server_name_list<1..2^16-1>
    reader list(names);
    while (!list.empty()) {
        auto type = list.u8();
        auto name = list.vec16();
        if (!list.ok() || name.empty())
            return error::decode_error;
        if (type == 0) {
            if (out.server_name)
                return error::illegal_parameter; // one host_name only (RFC 6066 §3)
            out.server_name = std::string_view(reinterpret_cast<const char*>(name.data()), name.size());
        }
    }
    return {};
}

error_code parse_dn_list(reader& r, std::vector<bytes_view>& out)
{
    // RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1>, each <1..2^16-1>.
    reader names(r.vec16());
    if (!r.ok())
        return error::decode_error;
    out.clear();
    while (!names.empty()) {
        auto dn = names.vec16();
        if (!names.ok() || dn.empty())
            return error::decode_error;
        out.push_back(dn);
    }
    return {};
}

bool read_key_share_entry(reader& r, key_share_entry& e)
{
    e.group = static_cast<named_group>(r.u16());
    e.key_exchange = r.vec16();
    return r.ok() && !e.key_exchange.empty(); // key_exchange<1..2^16-1>
}

error_code parse_one(extension_type type, bytes_view data, extensions_in in, hello_extensions& out)
{
    reader r(data);
    switch (type) {
    case extension_type::server_name:
        // A server's acknowledgement is empty (RFC 6066 §3).
        if (in != extensions_in::client_hello)
            return data.empty() ? error_code{} : error::decode_error;
        return parse_server_name(data, out);
    case extension_type::supported_groups: {
        std::vector<named_group> groups;
        read_u16_list(r, groups);
        out.groups = std::move(groups);
        break;
    }
    case extension_type::ec_point_formats:
        out.ec_point_formats = r.vec8();
        if (out.ec_point_formats->empty())
            r.fail();
        break;
    case extension_type::signature_algorithms: {
        std::vector<signature_scheme> schemes;
        read_u16_list(r, schemes);
        out.signature_schemes = std::move(schemes);
        break;
    }
    case extension_type::extended_master_secret:
        out.extended_master_secret = true; // RFC 7627 §5.1: empty body
        break;
    case extension_type::renegotiation_info:
        out.renegotiation_info = r.vec8();
        break;
    case extension_type::supported_versions: {
        std::vector<std::uint16_t> versions;
        if (in == extensions_in::client_hello) {
            auto list = r.vec8();
            if (list.empty() || list.size() % 2 != 0)
                r.fail();
            reader items(list);
            while (r.ok() && !items.empty())
                versions.push_back(items.u16());
        } else {
            versions.push_back(r.u16());
        }
        out.supported_versions = std::move(versions);
        break;
    }
    case extension_type::key_share:
        // RFC 8446 §4.2.8: a list in ClientHello, one entry in ServerHello,
        // the selected group alone in HelloRetryRequest.
        if (in == extensions_in::client_hello) {
            std::vector<key_share_entry> shares;
            reader list(r.vec16());
            while (r.ok() && !list.empty()) {
                key_share_entry e;
                if (!read_key_share_entry(list, e)) {
                    r.fail();
                    break;
                }
                shares.push_back(e);
            }
            out.key_shares = std::move(shares);
        } else if (in == extensions_in::hello_retry_request) {
            out.selected_group = static_cast<named_group>(r.u16());
        } else {
            key_share_entry e;
            if (!read_key_share_entry(r, e))
                r.fail();
            out.key_share = e;
        }
        break;
    case extension_type::cookie:
        out.cookie = r.vec16();
        if (out.cookie->empty())
            r.fail(); // opaque cookie<1..2^16-1>
        break;
    case extension_type::certificate_authorities: {
        std::vector<bytes_view> names;
        if (parse_dn_list(r, names) || names.empty())
            return error::decode_error;
        out.authorities = std::move(names);
        break;
    }
    case extension_type::signature_algorithms_cert: {
        std::vector<signature_scheme> schemes;
        read_u16_list(r, schemes);
        out.signature_schemes_cert = std::move(schemes);
        break;
    }
    default:
        return {}; // unknown: skipped
    }
    return parse_error(r);
}

} // namespace

const char* to_string(handshake_type t) noexcept
{
    switch (t) {
    case handshake_type::hello_request: return "HelloRequest";
    case handshake_type::client_hello: return "ClientHello";
    case handshake_type::server_hello: return "ServerHello";
    case handshake_type::new_session_ticket: return "NewSessionTicket";
    case handshake_type::end_of_early_data: return "EndOfEarlyData";
    case handshake_type::encrypted_extensions: return "EncryptedExtensions";
    case handshake_type::certificate: return "Certificate";
    case handshake_type::server_key_exchange: return "ServerKeyExchange";
    case handshake_type::certificate_request: return "CertificateRequest";
    case handshake_type::server_hello_done: return "ServerHelloDone";
    case handshake_type::certificate_verify: return "CertificateVerify";
    case handshake_type::client_key_exchange: return "ClientKeyExchange";
    case handshake_type::finished: return "Finished";
    case handshake_type::key_update: return "KeyUpdate";
    case handshake_type::message_hash: return "message_hash";
    }
    return "unknown handshake message";
}

bool hello_extensions::has(extension_type t) const noexcept
{
    return std::find(present.begin(), present.end(), static_cast<std::uint16_t>(t)) != present.end();
}

error_code parse_extensions(bytes_view block, extensions_in in, hello_extensions& out)
{
    reader r(block);
    // One bit per possible type: a block of thousands of extensions costs
    // linear time. 8 KiB, kept off the stack, which may be a coroutine's.
    std::vector<bool> seen(0x10000);
    while (!r.empty()) {
        auto type = r.u16();
        auto data = r.vec16();
        if (!r.ok())
            return error::decode_error;
        // RFC 8446 §4.2, RFC 5246 §7.4.1.4: at most one extension of each type.
        if (seen[type])
            return error::duplicate_extension;
        seen[type] = true;
        out.present.push_back(type);
        if (auto ec = parse_one(static_cast<extension_type>(type), data, in, out))
            return ec;
    }
    return {};
}

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

error_code parse_encrypted_extensions(bytes_view body, hello_extensions& out)
{
    reader r(body);
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, extensions_in::encrypted_extensions, out);
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
        auto cert = list.vec24();   // cert_data<1..2^24-1>
        auto exts = list.vec16();   // extensions<0..2^16-1>
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

error_code parse_certificate_request13(bytes_view body, certificate_request13& out)
{
    reader r(body);
    out.request_context = r.vec8();
    auto ext = r.vec16();
    if (auto ec = parse_error(r))
        return ec;
    return parse_extensions(ext, extensions_in::certificate_request, out.ext);
}

error_code parse_new_session_ticket(bytes_view body)
{
    reader r(body);
    r.u32();                 // ticket_lifetime
    r.u32();                 // ticket_age_add
    r.vec8();                // ticket_nonce<0..255>
    auto ticket = r.vec16(); // ticket<1..2^16-1>
    r.vec16();               // extensions<0..2^16-2>
    if (auto ec = parse_error(r))
        return ec;
    return ticket.empty() ? error::decode_error : error_code{};
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

error_code parse_client_key_exchange(bytes_view body, bytes_view& public_key)
{
    reader r(body);
    public_key = r.vec8();
    if (auto ec = parse_error(r))
        return ec;
    return public_key.empty() ? error::decode_error : error_code{};
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

} // namespace mtls::wire
