// Every handshake message decoder of src/wire/messages.hpp, the first input
// byte choosing which (fuzz::decoder), the rest being the message body. The
// parsed structures hold views into the body; beyond ASan's bounds checks,
// every view a successful parse returns must lie inside the body.

#include "fuzz_support.hpp"

#include "wire/messages.hpp"

using namespace mtls;

namespace {

struct view_check {
    fuzz::bytes_view body;

    void operator()(wire::bytes_view v) const
    {
        if (v.empty())
            return;
        const auto* lo = body.data();
        const auto* hi = body.data() + body.size();
        if (v.data() < lo || v.data() + v.size() > hi)
            fuzz::oracle_failure("a parsed view points outside the message body");
    }

    void operator()(const wire::hello_extensions& e) const
    {
        if (e.server_name)
            (*this)(wire::bytes_view{reinterpret_cast<const std::byte*>(e.server_name->data()), e.server_name->size()});
        if (e.ec_point_formats)
            (*this)(*e.ec_point_formats);
        if (e.renegotiation_info)
            (*this)(*e.renegotiation_info);
        if (e.key_shares)
            for (const auto& k : *e.key_shares)
                (*this)(k.key_exchange);
        if (e.key_share)
            (*this)(e.key_share->key_exchange);
        if (e.cookie)
            (*this)(*e.cookie);
        if (e.authorities)
            for (const auto& a : *e.authorities)
                (*this)(a);
        if (e.session_ticket)
            (*this)(*e.session_ticket);
        if (e.psks) {
            for (const auto& id : e.psks->identities)
                (*this)(id.identity);
            for (auto b : e.psks->binders)
                (*this)(b);
        }
    }
};

constexpr wire::extensions_in extension_places[] = {
    wire::extensions_in::client_hello,        wire::extensions_in::server_hello,
    wire::extensions_in::hello_retry_request, wire::extensions_in::encrypted_extensions,
    wire::extensions_in::certificate_request,
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const auto which = static_cast<fuzz::decoder>(data[0] % static_cast<unsigned>(fuzz::decoder::count));
    // An exact-size copy: ASan flags any read past the body.
    const fuzz::bytes body(reinterpret_cast<const std::byte*>(data + 1), reinterpret_cast<const std::byte*>(data + size));
    const view_check check{body};
    using d = fuzz::decoder;
    switch (which) {
    case d::client_hello: {
        wire::client_hello m;
        if (!wire::parse_client_hello(body, m)) {
            check(m.session_id);
            check(m.compression_methods);
            check(m.ext);
        }
        break;
    }
    case d::server_hello: {
        wire::server_hello m;
        if (!wire::parse_server_hello(body, m)) {
            check(m.session_id);
            check(m.ext);
        }
        break;
    }
    case d::extensions_client_hello:
    case d::extensions_server_hello:
    case d::extensions_hello_retry_request:
    case d::extensions_encrypted_extensions:
    case d::extensions_certificate_request: {
        const auto place = extension_places[static_cast<unsigned>(which) - static_cast<unsigned>(d::extensions_client_hello)];
        wire::hello_extensions e;
        if (!wire::parse_extensions(body, place, e))
            check(e);
        break;
    }
    case d::certificate13: {
        wire::certificate13 m;
        if (!wire::parse_certificate13(body, m)) {
            check(m.request_context);
            for (auto c : m.chain)
                check(c);
        }
        break;
    }
    case d::certificate12: {
        std::vector<wire::bytes_view> chain;
        if (!wire::parse_certificate12(body, chain))
            for (auto c : chain)
                check(c);
        break;
    }
    case d::certificate_request13: {
        wire::certificate_request13 m;
        if (!wire::parse_certificate_request13(body, m)) {
            check(m.request_context);
            check(m.ext);
        }
        break;
    }
    case d::certificate_request12: {
        wire::certificate_request12 m;
        if (!wire::parse_certificate_request12(body, m)) {
            check(m.certificate_types);
            for (auto a : m.authorities)
                check(a);
        }
        break;
    }
    case d::server_key_exchange: {
        wire::server_key_exchange m;
        if (!wire::parse_server_key_exchange(body, m)) {
            check(m.public_key);
            check(m.params);
            check(m.signature);
        }
        break;
    }
    case d::client_key_exchange: {
        wire::bytes_view key;
        if (!wire::parse_client_key_exchange(body, key))
            check(key);
        break;
    }
    case d::certificate_verify: {
        wire::signed_data m;
        if (!wire::parse_certificate_verify(body, m))
            check(m.signature);
        break;
    }
    case d::new_session_ticket: {
        // One decoder byte for both versions: the body goes through each.
        wire::new_session_ticket13 t;
        if (!wire::parse_new_session_ticket13(body, t)) {
            check(t.nonce);
            check(t.ticket);
        }
        wire::new_session_ticket12 t12;
        if (!wire::parse_new_session_ticket12(body, t12))
            check(t12.ticket);
        break;
    }
    case d::key_update: {
        wire::key_update_request r{};
        (void)wire::parse_key_update(body, r);
        break;
    }
    case d::encrypted_extensions: {
        wire::hello_extensions e;
        if (!wire::parse_encrypted_extensions(body, e))
            check(e);
        break;
    }
    case d::count:
        break;
    }
    return 0;
}
