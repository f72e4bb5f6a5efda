#include "wire/extensions.hpp"

#include "wire/lists.hpp"

#include <algorithm>

namespace mtls::wire {

namespace {

// ---- parsing, one function per extension that needs more than a line ----

error_code parse_server_name(bytes_view data, extensions_in in, hello_extensions& out)
{
    // A server's acknowledgement is empty (RFC 6066 §3).
    if (in != extensions_in::client_hello)
        return data.empty() ? error_code{} : error::decode_error;
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

error_code parse_alpn(reader& r, extensions_in in, hello_extensions& out)
{
    // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each <1..2^8-1>.
    reader names(r.vec16());
    if (!r.ok())
        return error::decode_error;
    std::vector<std::string_view> list;
    while (!names.empty()) {
        auto name = names.vec8();
        if (!names.ok() || name.empty())
            return error::decode_error;
        list.emplace_back(reinterpret_cast<const char*>(name.data()), name.size());
    }
    // A server answers with exactly one protocol.
    if (list.empty() || (in != extensions_in::client_hello && list.size() != 1))
        return error::decode_error;
    out.alpn = std::move(list);
    return parse_error(r);
}

bool encode_alpn(writer& w, const std::optional<std::vector<std::string_view>>& alpn)
{
    if (!alpn)
        return false;
    w.prefixed(2, [&] {
        for (auto name : *alpn)
            w.vec8({reinterpret_cast<const std::byte*>(name.data()), name.size()});
    });
    return true;
}

error_code parse_authorities(reader& r, hello_extensions& out)
{
    // RFC 8446 §4.2.4: DistinguishedName authorities<3..2^16-1>, each <1..2^16-1>.
    reader names(r.vec16());
    if (!r.ok())
        return error::decode_error;
    std::vector<bytes_view> list;
    while (!names.empty()) {
        auto dn = names.vec16();
        if (!names.ok() || dn.empty())
            return error::decode_error;
        list.push_back(dn);
    }
    if (list.empty())
        return error::decode_error;
    out.authorities = std::move(list);
    return parse_error(r);
}

template <class T>
std::vector<T> u16_list(reader& r)
{
    std::vector<T> v;
    read_u16_list(r, v);
    return v;
}

void parse_supported_versions(reader& r, extensions_in in, hello_extensions& out)
{
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
}

bool read_key_share_entry(reader& r, key_share_entry& e)
{
    e.group = static_cast<named_group>(r.u16());
    e.key_exchange = r.vec16();
    return r.ok() && !e.key_exchange.empty(); // key_exchange<1..2^16-1>
}

void parse_key_share(reader& r, extensions_in in, hello_extensions& out)
{
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
}

/// `v`, failing `r` if it is empty: for vectors whose floor is 1.
bytes_view non_empty(reader& r, bytes_view v)
{
    if (v.empty())
        r.fail();
    return v;
}

/// RFC 8446 §4.2.11: identities<7..2^16-1> of {identity<1..2^16-1>, uint32
/// obfuscated_ticket_age}, then binders<33..2^16-1> of PskBinderEntry<32..255>.
error_code parse_offered_psks(reader& r, hello_extensions& out)
{
    reader identities(r.vec16());
    reader binders(r.vec16());
    if (!r.ok())
        return error::decode_error;
    offered_psks psks;
    while (!identities.empty()) {
        psk_identity id;
        id.identity = identities.vec16();
        id.obfuscated_ticket_age = identities.u32();
        if (!identities.ok() || id.identity.empty())
            return error::decode_error;
        psks.identities.push_back(id);
    }
    while (!binders.empty()) {
        auto binder = binders.vec8();
        if (!binders.ok() || binder.size() < 32)
            return error::decode_error;
        psks.binders.push_back(binder);
    }
    if (psks.identities.empty() || psks.binders.empty())
        return error::decode_error;
    if (auto ec = parse_error(r))
        return ec;
    // RFC 8446 §4.2.11: one binder for each identity, in the same order.
    if (psks.binders.size() != psks.identities.size())
        return error::illegal_parameter;
    out.psks = std::move(psks);
    return {};
}

/// session_ticket, psk_key_exchange_modes and pre_shared_key, decoded in the
/// hellos that define them; elsewhere kept in `other`, for the receiver to
/// refuse by type. Nothing when `type` is none of them.
std::optional<error_code> parse_resumption(std::uint16_t type, bytes_view data, extensions_in in, hello_extensions& out)
{
    reader r(data);
    const bool ch = in == extensions_in::client_hello;
    const bool sh = in == extensions_in::server_hello;
    switch (static_cast<extension_type>(type)) {
    case extension_type::session_ticket:
        if (!ch && !sh)
            break;
        // RFC 5077 §3.2: a ServerHello's is empty; a ClientHello's is the ticket, or empty to ask for one.
        if (sh && !data.empty())
            return error::decode_error;
        out.session_ticket = data;
        return error_code{};
    case extension_type::psk_key_exchange_modes:
        if (!ch)
            break;
        out.psk_modes.emplace();
        for (auto mode : non_empty(r, r.vec8())) // RFC 8446 §4.2.9: ke_modes<1..255>
            out.psk_modes->push_back(static_cast<std::uint8_t>(mode));
        return parse_error(r);
    case extension_type::pre_shared_key:
        if (ch)
            return parse_offered_psks(r, out);
        if (!sh)
            break;
        out.selected_psk = r.u16(); // RFC 8446 §4.2.11: selected_identity
        return parse_error(r);
    default: return std::nullopt;
    }
    out.other.push_back({type, data});
    return error_code{};
}

error_code parse_one(std::uint16_t type, bytes_view data, extensions_in in, hello_extensions& out)
{
    if (auto ec = parse_resumption(type, data, in, out))
        return *ec;
    reader r(data);
    switch (static_cast<extension_type>(type)) {
    case extension_type::server_name: return parse_server_name(data, in, out);
    case extension_type::supported_groups: out.groups = u16_list<named_group>(r); break;
    case extension_type::ec_point_formats: out.ec_point_formats = non_empty(r, r.vec8()); break;
    case extension_type::signature_algorithms: out.signature_schemes = u16_list<signature_scheme>(r); break;
    case extension_type::extended_master_secret:
        out.extended_master_secret = true; // RFC 7627 §5.1: empty body
        break;
    case extension_type::renegotiation_info: out.renegotiation_info = r.vec8(); break;
    case extension_type::supported_versions: parse_supported_versions(r, in, out); break;
    case extension_type::key_share: parse_key_share(r, in, out); break;
    case extension_type::cookie: out.cookie = non_empty(r, r.vec16()); break; // opaque cookie<1..2^16-1>
    case extension_type::certificate_authorities: return parse_authorities(r, out);
    case extension_type::application_layer_protocol_negotiation:
        if (in == extensions_in::client_hello || in == extensions_in::server_hello ||
            in == extensions_in::encrypted_extensions)
            return parse_alpn(r, in, out);
        out.other.push_back({type, data});
        return {};
    case extension_type::signature_algorithms_cert: out.signature_schemes_cert = u16_list<signature_scheme>(r); break;
    default:
        out.other.push_back({type, data}); // not decoded: kept as is
        return {};
    }
    return parse_error(r);
}

/// The binders list's length prefix and entries (RFC 8446 §4.2.11).
std::size_t binders_list_size(std::span<const bytes_view> binders) noexcept
{
    std::size_t n = 2;
    for (auto binder : binders)
        n += 1 + binder.size();
    return n;
}

bool is_pre_shared_key(std::uint16_t type) noexcept
{
    return type == static_cast<std::uint16_t>(extension_type::pre_shared_key);
}

// ---- encoding: false when the field to write from is unset ----

bool encode_server_name(writer& w, const hello_extensions& ext, extensions_in in)
{
    if (in != extensions_in::client_hello)
        return true; // RFC 6066 §3: a server's acknowledgement is empty
    if (!ext.server_name)
        return false;
    w.prefixed(2, [&] {
        w.u8(0); // host_name
        w.vec16({reinterpret_cast<const std::byte*>(ext.server_name->data()), ext.server_name->size()});
    });
    return true;
}

bool encode_supported_versions(writer& w, const std::optional<std::vector<std::uint16_t>>& versions, extensions_in in)
{
    if (!versions)
        return false;
    // RFC 8446 §4.2.1: a list in ClientHello, the selected version elsewhere.
    if (in == extensions_in::client_hello) {
        w.prefixed(1, [&] {
            for (auto v : *versions)
                w.u16(v);
        });
        return true;
    }
    if (versions->size() != 1)
        return false;
    w.u16(versions->front());
    return true;
}

void write_key_share_entry(writer& w, const key_share_entry& e)
{
    w.u16(static_cast<std::uint16_t>(e.group));
    w.vec16(e.key_exchange);
}

bool encode_key_share(writer& w, const hello_extensions& ext, extensions_in in)
{
    // RFC 8446 §4.2.8: the same three forms parse_key_share reads.
    if (in == extensions_in::client_hello) {
        if (!ext.key_shares)
            return false;
        w.prefixed(2, [&] {
            for (const auto& e : *ext.key_shares)
                write_key_share_entry(w, e);
        });
    } else if (in == extensions_in::hello_retry_request) {
        if (!ext.selected_group)
            return false;
        w.u16(static_cast<std::uint16_t>(*ext.selected_group));
    } else {
        if (!ext.key_share)
            return false;
        write_key_share_entry(w, *ext.key_share);
    }
    return true;
}

/// RFC 8446 §4.2.11: the offer, whole (as parse_offered_psks accepts it).
bool encode_offered_psks(writer& w, const std::optional<offered_psks>& psks)
{
    if (!psks || psks->identities.empty() || psks->binders.size() != psks->identities.size())
        return false;
    const bool well_formed =
        std::none_of(psks->identities.begin(), psks->identities.end(),
                     [](const psk_identity& id) { return id.identity.empty(); }) &&
        std::none_of(psks->binders.begin(), psks->binders.end(), [](bytes_view b) { return b.size() < 32; });
    w.prefixed(2, [&] {
        for (const auto& id : psks->identities) {
            w.vec16(id.identity);
            w.u32(id.obfuscated_ticket_age);
        }
    });
    w.prefixed(2, [&] {
        for (auto binder : psks->binders)
            w.vec8(binder); // longer than 255 bytes: the writer flags the overflow
    });
    return well_formed;
}

/// The forms parse_resumption reads, from the fields; false where it would
/// keep the extension in `other`, or the field is unset or malformed.
bool encode_resumption(writer& w, extension_type type, const hello_extensions& ext, extensions_in in)
{
    const bool ch = in == extensions_in::client_hello;
    const bool sh = in == extensions_in::server_hello;
    switch (type) {
    case extension_type::session_ticket:
        if (sh) // RFC 5077 §3.2: empty in a ServerHello
            return !ext.session_ticket || ext.session_ticket->empty();
        if (ch && ext.session_ticket)
            w.bytes(*ext.session_ticket);
        return ch && ext.session_ticket;
    case extension_type::psk_key_exchange_modes:
        if (!ch || !ext.psk_modes || ext.psk_modes->empty())
            return false;
        w.prefixed(1, [&] {
            for (auto mode : *ext.psk_modes)
                w.u8(mode);
        });
        return true;
    case extension_type::pre_shared_key:
        if (sh && ext.selected_psk)
            w.u16(*ext.selected_psk);
        return ch ? encode_offered_psks(w, ext.psks) : sh && ext.selected_psk;
    default: return false;
    }
}

template <class T>
bool encode_u16_list(writer& w, const std::optional<std::vector<T>>& list)
{
    if (list)
        write_u16_list<T>(w, *list);
    return list.has_value();
}

template <class Write>
bool encode_if(const std::optional<bytes_view>& field, Write&& write)
{
    if (field)
        write(*field);
    return field.has_value();
}

bool encode_one(writer& w, std::uint16_t type, const hello_extensions& ext, extensions_in in)
{
    switch (static_cast<extension_type>(type)) {
    case extension_type::server_name: return encode_server_name(w, ext, in);
    case extension_type::supported_groups: return encode_u16_list(w, ext.groups);
    case extension_type::ec_point_formats: return encode_if(ext.ec_point_formats, [&](bytes_view v) { w.vec8(v); });
    case extension_type::signature_algorithms: return encode_u16_list(w, ext.signature_schemes);
    case extension_type::renegotiation_info: return encode_if(ext.renegotiation_info, [&](bytes_view v) { w.vec8(v); });
    case extension_type::supported_versions: return encode_supported_versions(w, ext.supported_versions, in);
    case extension_type::key_share: return encode_key_share(w, ext, in);
    case extension_type::cookie: return encode_if(ext.cookie, [&](bytes_view v) { w.vec16(v); });
    case extension_type::certificate_authorities:
        if (ext.authorities)
            write_dn_list(w, *ext.authorities);
        return ext.authorities.has_value();
    case extension_type::signature_algorithms_cert: return encode_u16_list(w, ext.signature_schemes_cert);
    case extension_type::application_layer_protocol_negotiation: return encode_alpn(w, ext.alpn);
    case extension_type::session_ticket:
    case extension_type::psk_key_exchange_modes:
    case extension_type::pre_shared_key: return encode_resumption(w, static_cast<extension_type>(type), ext, in);
    case extension_type::extended_master_secret: // RFC 7627 §5.1
    case extension_type::early_data:             // RFC 8446 §4.2.10, outside NewSessionTicket
    case extension_type::post_handshake_auth:    // RFC 8446 §4.2.6
        return true;
    default: return false; // nothing mtls can write for it
    }
}

} // namespace

bool hello_extensions::has(extension_type t) const noexcept
{
    return std::find(present.begin(), present.end(), static_cast<std::uint16_t>(t)) != present.end();
}

hello_extensions& hello_extensions::add_empty(extension_type t)
{
    if (t == extension_type::extended_master_secret)
        extended_master_secret = true;
    present.push_back(static_cast<std::uint16_t>(t));
    return *this;
}

hello_extensions& hello_extensions::add_raw(std::uint16_t type, bytes_view body)
{
    other.push_back({type, body});
    present.push_back(type);
    return *this;
}

std::size_t binders_size(const offered_psks& psks) noexcept
{
    return binders_list_size(psks.binders);
}

error_code write_binders(std::span<std::byte> message, std::span<const bytes_view> binders)
{
    const auto size = binders_list_size(binders);
    if (size > message.size())
        return error::internal_error;
    // The tail must be the binders list as encoded for binders of these
    // lengths (RFC 8446 §4.2.11.2): checked whole before any byte is written.
    const auto tail = message.last(size);
    reader r(tail);
    bool matches = r.u16() == size - 2;
    for (auto binder : binders)
        matches = matches && r.vec8().size() == binder.size();
    if (!matches || !r.done())
        return error::internal_error;
    auto at = tail.begin() + 2;
    for (auto binder : binders)
        at = std::copy(binder.begin(), binder.end(), at + 1);
    return {};
}

error_code parse_extensions(bytes_view block, extensions_in in, hello_extensions& out)
{
    reader r(block);
    extension_types_seen seen;
    while (!r.empty()) {
        auto type = r.u16();
        auto data = r.vec16();
        if (!r.ok())
            return error::decode_error;
        // RFC 8446 §4.2, RFC 5246 §7.4.1.4: at most one extension of each type.
        if (!seen.first(type))
            return error::duplicate_extension;
        out.present.push_back(type);
        // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension of a ClientHello.
        if (in == extensions_in::client_hello && is_pre_shared_key(type) && !r.empty())
            return error::illegal_parameter;
        if (auto ec = parse_one(type, data, in, out))
            return ec;
    }
    return {};
}

error_code encode_extensions(writer& w, const hello_extensions& ext, extensions_in in)
{
    // RFC 8446 §4.2.11: pre_shared_key goes last in a ClientHello.
    const auto psk = std::find_if(ext.present.begin(), ext.present.end(), is_pre_shared_key);
    if (in == extensions_in::client_hello && psk != ext.present.end() && psk + 1 != ext.present.end())
        return error::internal_error;
    bool complete = true;
    std::size_t next_other = 0; // `other` is in block order: one pass over it
    w.prefixed(2, [&] {
        for (auto type : ext.present) {
            w.u16(type);
            w.prefixed(2, [&] {
                if (next_other < ext.other.size() && ext.other[next_other].type == type)
                    w.bytes(ext.other[next_other++].body);
                else
                    complete = encode_one(w, type, ext, in) && complete;
            });
        }
    });
    return complete && !w.overflowed() ? error_code{} : error::internal_error;
}

} // namespace mtls::wire
