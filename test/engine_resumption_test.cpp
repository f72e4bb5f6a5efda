// Session resumption between two engines: TLS 1.2 by session id and by ticket
// (RFC 5246 §7.3, RFC 5077), TLS 1.3 by ticket and PSK (RFC 8446 §2.2,
// §4.2.11, §4.6.1), and every case in which a session must not be resumed.

#define BOOST_TEST_MODULE engine_resumption
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "crypto/pki.hpp"
#include "session/client_cache.hpp"
#include "session/session_state.hpp"
#include "session/ticket_keys.hpp"

#include <chrono>

using namespace mtls;
using namespace mtls::test;

namespace {

const bytes ping = pattern(100, 1);
const bytes pong = pattern(200, 2);

/// `s` with its state changed by `change`, as a client would hold it.
session modified(const session& s, const std::function<void(detail::session_state&)>& change)
{
    auto state = std::make_shared<detail::session_state>(*s.state());
    change(*state);
    return session(std::move(state));
}

/// Appends an extension to a hello, fixing the block and message lengths.
void append_extension(bytes& hello, std::uint16_t type, const bytes& data)
{
    const auto block = layout_of(hello).extensions;
    bytes e;
    e.resize(4);
    set16(e, 0, type);
    set16(e, 2, data.size());
    e.insert(e.end(), data.begin(), data.end());
    set16(hello, block, get16(hello, block) + e.size());
    hello.insert(hello.end(), e.begin(), e.end());
    fix_handshake_length(hello);
}

/// 48-byte ticket key records, each name and key filled with `fill`.
bytes ticket_keys(std::initializer_list<std::uint8_t> fills)
{
    bytes out;
    for (auto f : fills)
        out.insert(out.end(), 48, std::byte{f});
    return out;
}

/// The client's and server's view of one connection.
struct outcome {
    bool ok = false;
    bool client_resumed = false;
    bool server_resumed = false;
    std::uint64_t public_key_operations = 0;
    connection_info client_info;
    connection_info server_info;
    error_code client_error;
    error_code server_error;
    session next; // what the client can resume with afterwards
};

/// One connection: handshake, then data both ways so that TLS 1.3 tickets,
/// which the server sends with its first data, reach the client.
outcome connect(const context& client_ctx, const context& server_ctx, const session& offer = {},
                engine_test_hooks client_hooks = {}, engine_test_hooks server_hooks = {},
                std::string host = "localhost")
{
    engine_pair p(client_ctx, server_ctx, std::move(client_hooks), std::move(server_hooks));
    p.client.set_host_name(std::move(host));
    if (offer)
        p.client.set_session(offer);
    const auto before = crypto::public_key_operations();
    outcome o;
    p.start();
    p.pump();
    o.public_key_operations = crypto::public_key_operations() - before;
    o.ok = p.handshake_ok() && p.exchange(ping, pong);
    o.client_info = p.client.info();
    o.server_info = p.server.info();
    o.client_resumed = o.client_info.resumed;
    o.server_resumed = o.server_info.resumed;
    o.client_error = p.client.error();
    o.server_error = p.server.error();
    o.next = p.client.session();
    return o;
}

/// A client and a server that authenticate each other, in version `v`.
struct mutual {
    explicit mutual(tls_version v, std::string_view server_credential = "server-ecdsa")
        : client(versioned(client_context("client-ecdsa"), v)),
          server(versioned(server_context_requiring_client_cert(server_credential), v))
    {
    }
    context client;
    context server;
};

void check_resumes(tls_version v, const context& client, const context& server)
{
    auto full = connect(client, server);
    BOOST_TEST_REQUIRE(full.ok);
    BOOST_TEST(!full.client_resumed);
    BOOST_TEST(!full.server_resumed);
    BOOST_TEST(full.public_key_operations > 0u);
    BOOST_TEST_REQUIRE(!full.next.empty());
    BOOST_TEST((full.next.version() == v));

    auto resumed = connect(client, server, full.next);
    BOOST_TEST_REQUIRE(resumed.ok);
    BOOST_TEST(resumed.client_resumed);
    BOOST_TEST(resumed.server_resumed);
    // No certificate is verified and nothing is signed in a resumed handshake.
    BOOST_TEST(resumed.public_key_operations == 0u);
    BOOST_TEST((resumed.client_info.version == v));
    BOOST_TEST((resumed.client_info.suite == full.client_info.suite));
    // Both ends still know who the other is: the full handshake's chains.
    BOOST_TEST(!resumed.client_info.peer_certificates.empty());
    BOOST_TEST((resumed.client_info.peer_certificates == full.client_info.peer_certificates));
    BOOST_TEST((resumed.server_info.peer_certificates == full.server_info.peer_certificates));
    BOOST_TEST(resumed.server_info.peer_subject == full.server_info.peer_subject);
    BOOST_TEST(!resumed.server_info.peer_subject.empty());
    BOOST_TEST(resumed.server_info.server_name == "localhost");
    // A resumed connection hands out a session to resume again.
    BOOST_TEST_REQUIRE(!resumed.next.empty());
    auto again = connect(client, server, resumed.next);
    BOOST_TEST(again.ok);
    BOOST_TEST(again.server_resumed);
    BOOST_TEST((again.server_info.peer_certificates == full.server_info.peer_certificates));
}

} // namespace

BOOST_AUTO_TEST_SUITE(resumes)

BOOST_AUTO_TEST_CASE(tls13_by_ticket_with_mutual_authentication)
{
    mutual m(tls_version::tls13);
    check_resumes(tls_version::tls13, m.client, m.server);
}

BOOST_AUTO_TEST_CASE(tls12_by_ticket_with_mutual_authentication)
{
    mutual m(tls_version::tls12);
    m.server.set_session_store(nullptr); // only the ticket can resume it
    check_resumes(tls_version::tls12, m.client, m.server);
}

BOOST_AUTO_TEST_CASE(tls12_by_session_id_with_mutual_authentication)
{
    mutual m(tls_version::tls12);
    m.server.set_session_tickets(false);
    auto full = connect(m.client, m.server);
    BOOST_TEST_REQUIRE(full.ok);
    check_resumes(tls_version::tls12, m.client, m.server);
}

BOOST_AUTO_TEST_CASE(tls12_by_session_id_needs_the_store)
{
    mutual m(tls_version::tls12);
    m.server.set_session_tickets(false);
    auto full = connect(m.client, m.server);
    BOOST_TEST_REQUIRE(!full.next.empty());
    m.server.set_session_store(make_memory_session_store()); // forgets every session
    auto second = connect(m.client, m.server, full.next);
    BOOST_TEST(second.ok);
    BOOST_TEST(!second.server_resumed);
    BOOST_TEST(!second.client_resumed);
}

BOOST_AUTO_TEST_CASE(every_suite_family)
{
    for (auto suite : {cipher_suite::tls_aes_128_gcm_sha256, cipher_suite::tls_aes_256_gcm_sha384,
                       cipher_suite::tls_chacha20_poly1305_sha256}) {
        BOOST_TEST_CONTEXT("TLS 1.3 " << to_string(suite))
        {
            mutual m(tls_version::tls13);
            m.server.set_cipher_suites({suite});
            check_resumes(tls_version::tls13, m.client, m.server);
        }
    }
    for (auto suite : {cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, cipher_suite::tls_ecdhe_ecdsa_with_aes_256_gcm_sha384,
                       cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256,
                       cipher_suite::tls_ecdhe_rsa_with_aes_128_gcm_sha256, cipher_suite::tls_ecdhe_rsa_with_aes_256_gcm_sha384,
                       cipher_suite::tls_ecdhe_rsa_with_chacha20_poly1305_sha256}) {
        BOOST_TEST_CONTEXT("TLS 1.2 " << to_string(suite))
        {
            const bool rsa = to_string(suite).find("_RSA_") != std::string_view::npos;
            mutual m(tls_version::tls12, rsa ? "server-rsa" : "server-ecdsa");
            m.server.set_cipher_suites({suite});
            check_resumes(tls_version::tls12, m.client, m.server);
        }
    }
}

BOOST_AUTO_TEST_CASE(tls13_after_hello_retry_request)
{
    mutual m(tls_version::tls13);
    m.client.set_groups({named_group::x25519, named_group::secp256r1});
    m.server.set_groups({named_group::secp256r1});
    auto full = connect(m.client, m.server);
    BOOST_TEST_REQUIRE(full.ok);
    BOOST_TEST(full.client_info.hello_retry);
    auto resumed = connect(m.client, m.server, full.next);
    BOOST_TEST(resumed.ok);
    BOOST_TEST(resumed.client_info.hello_retry);
    BOOST_TEST(resumed.server_resumed);
    BOOST_TEST(resumed.client_resumed);
    BOOST_TEST(resumed.public_key_operations == 0u);
}

BOOST_AUTO_TEST_CASE(from_serialised_bytes)
{
    for (auto v : {tls_version::tls12, tls_version::tls13}) {
        mutual m(v);
        auto full = connect(m.client, m.server);
        BOOST_TEST_REQUIRE(!full.next.empty());
        auto restored = session::from_bytes(full.next.to_bytes());
        BOOST_TEST(restored.server_name() == "localhost");
        auto resumed = connect(m.client, m.server, restored);
        BOOST_TEST(resumed.ok);
        BOOST_TEST(resumed.server_resumed);
    }
}

BOOST_AUTO_TEST_CASE(a_fleet_sharing_ticket_keys)
{
    for (auto v : {tls_version::tls12, tls_version::tls13}) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual first(v);
            mutual second(v);
            mutual stranger(v);
            first.server.set_ticket_keys(ticket_keys({1}));
            second.server.set_ticket_keys(ticket_keys({1}));
            stranger.server.set_ticket_keys(ticket_keys({2}));
            for (auto* m : {&first, &second, &stranger})
                m->server.set_session_store(nullptr);
            auto full = connect(first.client, first.server);
            BOOST_TEST_REQUIRE(!full.next.empty());
            auto on_second = connect(first.client, second.server, full.next);
            BOOST_TEST(on_second.ok);
            BOOST_TEST(on_second.server_resumed);
            auto on_stranger = connect(first.client, stranger.server, full.next);
            BOOST_TEST(on_stranger.ok);
            BOOST_TEST(!on_stranger.server_resumed);
            BOOST_TEST(!on_stranger.client_resumed);
        }
    }
}

BOOST_AUTO_TEST_CASE(tickets_come_with_the_servers_first_data)
{
    mutual m(tls_version::tls13);
    m.server.set_tls13_ticket_count(3);
    engine_pair p(m.client, m.server);
    BOOST_TEST_REQUIRE(p.handshake());
    // Nothing follows the client's Finished: no extra flight, no ticket yet.
    BOOST_TEST(p.server.output().empty());
    BOOST_TEST(p.client.session().empty());
    const auto records_before = p.log(direction::to_client).size();
    BOOST_TEST(p.exchange(ping, pong));
    // Three tickets and the data, in one flight.
    BOOST_TEST(p.log(direction::to_client).size() - records_before == 4u);
    BOOST_TEST(!p.client.session().empty());
}

BOOST_AUTO_TEST_CASE(through_the_client_session_cache)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            m.client.set_client_session_cache(10);
            auto cached = [&](std::uint16_t port) {
                engine_pair p(m.client, m.server);
                p.client.set_host_name("localhost", port);
                p.start();
                p.pump();
                BOOST_TEST(p.exchange(ping, pong));
                return p.client.info().resumed && p.server.info().resumed;
            };
            BOOST_TEST(!cached(443));
            BOOST_TEST(cached(443));
            BOOST_TEST(cached(443));
            BOOST_TEST(!cached(8443)); // another server
        }
    }
}

BOOST_AUTO_TEST_CASE(no_tickets_when_the_count_is_zero)
{
    mutual m(tls_version::tls13);
    m.server.set_tls13_ticket_count(0);
    auto full = connect(m.client, m.server);
    BOOST_TEST(full.ok);
    BOOST_TEST(full.next.empty());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

using clock_type = std::chrono::system_clock;

/// A clock for the hooks that stands at `t` until moved.
struct fake_clock {
    std::shared_ptr<clock_type::time_point> now = std::make_shared<clock_type::time_point>(clock_type::now());
    engine_test_hooks hooks() const
    {
        engine_test_hooks h;
        h.clock = [now = now] { return *now; };
        return h;
    }
    void advance(std::chrono::seconds s) const { *now += s; }
};

/// The extension types of the ClientHello a client sends, observed through its hook.
engine_test_hooks watch_client_hello(std::shared_ptr<bytes> seen, engine_test_hooks h = {})
{
    h.edit_client_hello = [seen](std::vector<std::byte>& hello) { *seen = hello; };
    return h;
}

/// A full handshake, then the session it gave the client.
session first_session(const context& client, const context& server, engine_test_hooks client_hooks = {},
                      engine_test_hooks server_hooks = {})
{
    auto full = connect(client, server, {}, std::move(client_hooks), std::move(server_hooks));
    BOOST_TEST_REQUIRE(full.ok);
    BOOST_TEST_REQUIRE(!full.next.empty());
    return full.next;
}

/// A second connection that must complete as a full handshake.
void check_full_handshake(const outcome& o)
{
    BOOST_TEST(o.ok);
    BOOST_TEST(!o.client_resumed);
    BOOST_TEST(!o.server_resumed);
    BOOST_TEST(o.public_key_operations > 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(falls_back_to_a_full_handshake)

BOOST_AUTO_TEST_CASE(expired_on_the_server)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            m.server.set_session_lifetime(std::chrono::seconds(60));
            fake_clock server_clock;
            auto s = first_session(m.client, m.server, {}, server_clock.hooks());
            server_clock.advance(std::chrono::seconds(59));
            BOOST_TEST(connect(m.client, m.server, s, {}, server_clock.hooks()).server_resumed);
            server_clock.advance(std::chrono::seconds(1));
            check_full_handshake(connect(m.client, m.server, s, {}, server_clock.hooks()));
        }
    }
}

BOOST_AUTO_TEST_CASE(expired_on_the_client_is_not_offered)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            fake_clock client_clock;
            auto s = first_session(m.client, m.server, client_clock.hooks());
            client_clock.advance(std::chrono::hours(2));
            auto hello = std::make_shared<bytes>();
            auto o = connect(m.client, m.server, s, watch_client_hello(hello, client_clock.hooks()));
            check_full_handshake(o);
            BOOST_TEST(!find_extension(*hello, wire_value(wire::extension_type::pre_shared_key)));
            const auto ticket = extension_data(*hello, wire_value(wire::extension_type::session_ticket));
            BOOST_TEST((!ticket || ticket->empty()));
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_ticket)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            auto s = first_session(m.client, m.server);
            mutual other(v); // its own random ticket keys and session store
            check_full_handshake(connect(m.client, other.server, s));
        }
    }
}

BOOST_AUTO_TEST_CASE(ticket_from_a_rotated_out_key)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            m.server.set_session_store(nullptr);
            m.server.set_ticket_keys(ticket_keys({1}));
            auto s = first_session(m.client, m.server);
            // A new key seals; the old one still opens.
            m.server.set_ticket_keys(ticket_keys({2, 1}));
            BOOST_TEST(connect(m.client, m.server, s).server_resumed);
            // The old key is gone.
            m.server.set_ticket_keys(ticket_keys({2}));
            check_full_handshake(connect(m.client, m.server, s));
        }
    }
}

BOOST_AUTO_TEST_CASE(another_server_name)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            auto s = first_session(m.client, m.server);
            // The client does not offer a session made with another server.
            auto hello = std::make_shared<bytes>();
            m.client.set_verify_mode(verify_none);
            auto o = connect(m.client, m.server, s, watch_client_hello(hello), {}, "other.example");
            check_full_handshake(o);
            BOOST_TEST(!find_extension(*hello, wire_value(wire::extension_type::pre_shared_key)));
            // Nor does the server resume one for another name (RFC 6066 §3),
            // even when the client offers it.
            engine_test_hooks rename;
            rename.edit_client_hello = [](std::vector<std::byte>& hello) {
                auto name = extension_data(hello, ext::server_name);
                BOOST_REQUIRE(name && name->back() == std::byte{'t'});
                name->back() = std::byte{'x'}; // "localhosx"
                replace_extension(hello, ext::server_name, *name);
            };
            auto renamed = connect(m.client, m.server, s, rename);
            BOOST_TEST(!renamed.server_resumed);
            BOOST_TEST(renamed.server_info.server_name == "localhosx");
        }
    }
}

BOOST_AUTO_TEST_CASE(suite_the_server_no_longer_allows)
{
    mutual m13(tls_version::tls13);
    m13.server.set_cipher_suites({cipher_suite::tls_aes_128_gcm_sha256});
    auto s13 = first_session(m13.client, m13.server);
    // SHA-384: a PSK made under SHA-256 does not fit (RFC 8446 §4.2.11).
    m13.server.set_cipher_suites({cipher_suite::tls_aes_256_gcm_sha384});
    check_full_handshake(connect(m13.client, m13.server, s13));

    mutual m12(tls_version::tls12);
    m12.server.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    auto s12 = first_session(m12.client, m12.server);
    m12.server.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256});
    check_full_handshake(connect(m12.client, m12.server, s12));
}

BOOST_AUTO_TEST_CASE(suite_the_client_no_longer_allows_is_not_offered)
{
    mutual m(tls_version::tls13);
    m.server.set_cipher_suites({cipher_suite::tls_aes_256_gcm_sha384});
    auto s = first_session(m.client, m.server);
    m.client.set_cipher_suites({cipher_suite::tls_aes_128_gcm_sha256, cipher_suite::tls_chacha20_poly1305_sha256});
    m.server.set_cipher_suites({cipher_suite::tls_aes_256_gcm_sha384, cipher_suite::tls_aes_128_gcm_sha256});
    auto hello = std::make_shared<bytes>();
    check_full_handshake(connect(m.client, m.server, s, watch_client_hello(hello)));
    BOOST_TEST(!find_extension(*hello, wire_value(wire::extension_type::pre_shared_key)));
}

BOOST_AUTO_TEST_CASE(session_without_a_client_certificate_on_a_server_that_requires_one)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            auto lenient = versioned(server_context(), v); // asks for no certificate
            for (auto* ctx : {&m.server, &lenient}) {
                ctx->set_ticket_keys(ticket_keys({7}));
                ctx->set_session_store(nullptr);
            }
            auto anonymous = first_session(m.client, lenient);
            auto o = connect(m.client, m.server, anonymous);
            check_full_handshake(o);
            BOOST_TEST(!o.server_info.peer_certificates.empty()); // authenticated afresh
            // The other way round is fine: the session had a certificate.
            auto authenticated = first_session(m.client, m.server);
            BOOST_TEST(connect(m.client, lenient, authenticated).server_resumed);
        }
    }
}

BOOST_AUTO_TEST_CASE(psk_ke_alone_is_not_accepted)
{
    mutual m(tls_version::tls13);
    auto s = first_session(m.client, m.server);
    engine_test_hooks only_psk_ke;
    only_psk_ke.edit_client_hello = [](std::vector<std::byte>& hello) {
        // ke_modes<1..255> = { psk_ke }: no forward secrecy, so no resumption.
        BOOST_REQUIRE(replace_extension(hello, wire_value(wire::extension_type::psk_key_exchange_modes),
                                        bytes{std::byte{1}, std::byte{0}}));
    };
    check_full_handshake(connect(m.client, m.server, s, only_psk_ke));
}

BOOST_AUTO_TEST_CASE(suite_the_tls12_client_no_longer_allows_is_not_offered)
{
    mutual m(tls_version::tls12);
    m.server.set_session_store(nullptr);
    auto s = first_session(m.client, m.server);
    BOOST_TEST((s.suite() == cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256));
    m.client.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256});
    auto hello = std::make_shared<bytes>();
    check_full_handshake(connect(m.client, m.server, s, watch_client_hello(hello)));
    BOOST_TEST(extension_data(*hello, wire_value(wire::extension_type::session_ticket)).value().empty());
}

BOOST_AUTO_TEST_CASE(session_of_the_other_version)
{
    // A client holding a ticket with its secret can present it in the other
    // version's form; the server only resumes it in the version it was made in.
    mutual m12(tls_version::tls12);
    mutual m13(tls_version::tls13);
    for (auto* ctx : {&m12.server, &m13.server}) {
        ctx->set_ticket_keys(ticket_keys({3}));
        ctx->set_session_store(nullptr);
    }
    auto s12 = first_session(m12.client, m12.server);
    auto as13 = modified(s12, [](detail::session_state& s) {
        s.version = tls_version::tls13;
        s.suite = cipher_suite::tls_aes_128_gcm_sha256;
    });
    check_full_handshake(connect(m13.client, m13.server, as13));

    auto s13 = first_session(m13.client, m13.server);
    auto as12 = modified(s13, [](detail::session_state& s) {
        s.version = tls_version::tls12;
        s.suite = cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256;
        s.extended_master_secret = true;
    });
    check_full_handshake(connect(m12.client, m12.server, as12));
}

BOOST_AUTO_TEST_CASE(ticket_of_a_session_without_extended_master_secret)
{
    // mtls seals no such ticket; one sealed under the same keys (another
    // server of the fleet, configured otherwise) is still not resumed.
    mutual m(tls_version::tls12);
    m.server.set_ticket_keys(ticket_keys({4}));
    m.server.set_session_store(nullptr);
    auto s = first_session(m.client, m.server);
    detail::session_state inner;
    BOOST_REQUIRE(!detail::parse_session(s.to_bytes(), inner));
    inner.ticket.clear();
    inner.session_id.clear();
    inner.extended_master_secret = false;
    bytes plain;
    detail::encode_session(plain, inner);
    detail::ticket_keys fleet(crypto::mbedtls_provider(), 3600);
    BOOST_REQUIRE(!fleet.set(ticket_keys({4})));
    bytes ticket;
    fleet.seal(plain, ticket, inner.issued);
    auto forged = modified(s, [&](detail::session_state& st) { st.ticket = ticket; });
    check_full_handshake(connect(m.client, m.server, forged));
}

BOOST_AUTO_TEST_CASE(session_without_extended_master_secret_is_not_offered)
{
    mutual m(tls_version::tls12);
    auto s = modified(first_session(m.client, m.server),
                      [](detail::session_state& st) { st.extended_master_secret = false; });
    auto hello = std::make_shared<bytes>();
    check_full_handshake(connect(m.client, m.server, s, watch_client_hello(hello)));
    BOOST_TEST(extension_data(*hello, wire_value(wire::extension_type::session_ticket)).value().empty());
    BOOST_TEST((extension_data(*hello, ext::server_name).has_value()));
}

BOOST_AUTO_TEST_CASE(psk_of_another_hash_is_dropped_after_hello_retry_request)
{
    mutual m(tls_version::tls13);
    m.server.set_cipher_suites({cipher_suite::tls_aes_128_gcm_sha256});
    auto s = first_session(m.client, m.server);
    // The retry picks a SHA-384 suite: the PSK cannot be used (RFC 8446 §4.1.2).
    m.server.set_cipher_suites({cipher_suite::tls_aes_256_gcm_sha384});
    m.client.set_groups({named_group::x25519, named_group::secp256r1});
    m.server.set_groups({named_group::secp256r1});
    auto hellos = std::make_shared<std::vector<bytes>>();
    engine_test_hooks watch;
    watch.edit_client_hello = [hellos](std::vector<std::byte>& hello) { hellos->push_back(hello); };
    check_full_handshake(connect(m.client, m.server, s, watch));
    BOOST_REQUIRE(hellos->size() == 2u);
    BOOST_TEST(find_extension(hellos->front(), wire_value(wire::extension_type::pre_shared_key)).has_value());
    BOOST_TEST(!find_extension(hellos->back(), wire_value(wire::extension_type::pre_shared_key)).has_value());
}

BOOST_AUTO_TEST_CASE(overlong_server_name_is_not_kept)
{
    // RFC 6066 §3 allows host names of 2^16-1 bytes, a session keeps 255:
    // neither end keeps such a session, and nothing fails.
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            m.client.set_verify_mode(verify_none);
            auto o = connect(m.client, m.server, {}, {}, {}, std::string(300, 'a'));
            BOOST_TEST(o.ok);
            BOOST_TEST(o.server_info.server_name.size() == 300u);
            BOOST_TEST(o.next.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(tickets_off_on_the_server)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            mutual m(v);
            auto s = first_session(m.client, m.server);
            m.server.set_session_tickets(false);
            m.server.set_session_store(nullptr);
            auto o = connect(m.client, m.server, s);
            check_full_handshake(o);
            BOOST_TEST(o.next.empty()); // nothing to resume by
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(refused)

BOOST_AUTO_TEST_CASE(wrong_binder)
{
    mutual m(tls_version::tls13);
    auto s = first_session(m.client, m.server);
    engine_test_hooks flip;
    flip.edit_client_hello = [](std::vector<std::byte>& hello) { hello.back() ^= std::byte{1}; };
    engine_pair p(m.client, m.server, flip);
    p.client.set_session(s);
    p.start();
    p.pump();
    BOOST_TEST(error_cause(p.server.error()) == error::bad_psk_binder);
    BOOST_TEST(last_fatal_alert(p, direction::to_client) == static_cast<int>(alert::decrypt_error));
}

BOOST_AUTO_TEST_CASE(psk_without_key_exchange_modes)
{
    mutual m(tls_version::tls13);
    auto s = first_session(m.client, m.server);
    engine_test_hooks strip;
    strip.edit_client_hello = [](std::vector<std::byte>& hello) {
        BOOST_REQUIRE(remove_extension(hello, wire_value(wire::extension_type::psk_key_exchange_modes)));
    };
    engine_pair p(m.client, m.server, strip);
    p.client.set_session(s);
    p.start();
    p.pump();
    BOOST_TEST(error_cause(p.server.error()) == error::missing_extension); // RFC 8446 §4.2.9
}

BOOST_AUTO_TEST_CASE(extended_master_secret_session_resumed_without_the_extension)
{
    mutual m(tls_version::tls12);
    m.server.set_require_extended_master_secret(false);
    auto s = first_session(m.client, m.server);
    engine_test_hooks strip;
    strip.edit_client_hello = [](std::vector<std::byte>& hello) {
        BOOST_REQUIRE(remove_extension(hello, ext::extended_master_secret));
    };
    engine_pair p(m.client, m.server, strip);
    p.client.set_session(s);
    p.start();
    p.pump();
    BOOST_TEST(error_cause(p.server.error()) == error::ems_resumption_without_ems); // RFC 7627 §5.3
    BOOST_TEST(last_fatal_alert(p, direction::to_client) == static_cast<int>(alert::handshake_failure));
}

BOOST_AUTO_TEST_CASE(session_without_extended_master_secret_is_never_kept)
{
    mutual m(tls_version::tls12);
    m.server.set_require_extended_master_secret(false);
    m.client.set_require_extended_master_secret(false);
    engine_test_hooks strip;
    strip.edit_client_hello = [](std::vector<std::byte>& hello) {
        BOOST_REQUIRE(remove_extension(hello, ext::extended_master_secret));
    };
    auto o = connect(m.client, m.server, {}, strip);
    BOOST_TEST(o.ok);
    BOOST_TEST(!o.client_info.extended_master_secret);
    BOOST_TEST(o.next.empty());
}

namespace {

/// An engine pair whose client offers `s`; `edit` changes the server's first
/// flight (ServerHello onwards) before the client reads it.
void run_with_server_hello_edit(engine_pair& p, const session& s, std::function<void(flight&)> edit)
{
    p.client.set_session(s);
    p.tamper = [edit = std::move(edit)](flight& f) {
        if (f.dir == direction::to_client && f.index == 0)
            edit(f);
    };
    p.start();
    p.pump();
}

void edit_server_hello(flight& f, const std::function<void(bytes&)>& fn)
{
    BOOST_REQUIRE(f.edit(msg::server_hello, fn));
}

} // namespace

BOOST_AUTO_TEST_CASE(server_selects_a_psk_identity_not_offered)
{
    mutual m(tls_version::tls13);
    auto s = first_session(m.client, m.server);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, s, [](flight& f) {
        edit_server_hello(f, [](bytes& sh) {
            BOOST_REQUIRE(replace_extension(sh, wire_value(wire::extension_type::pre_shared_key),
                                            bytes{std::byte{0}, std::byte{1}}));
        });
    });
    MTLS_CHECK_FAILURE(p.client, error::psk_not_offered, p.server, alert::illegal_parameter);
}

/// The server's resumed ServerHello names `swapped` instead of the session's suite.
void check_resumption_under_another_suite(tls_version v, std::vector<cipher_suite> server_suites,
                                          cipher_suite swapped)
{
    mutual m(v);
    m.server.set_cipher_suites(std::move(server_suites));
    auto s = first_session(m.client, m.server);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, s, [swapped](flight& f) {
        edit_server_hello(f, [swapped](bytes& sh) { set16(sh, layout_of(sh).suites, wire_value(swapped)); });
    });
    MTLS_CHECK_FAILURE(p.client, error::resumption_mismatch, p.server, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(server_resumes_a_psk_under_a_suite_of_another_hash)
{
    check_resumption_under_another_suite(tls_version::tls13, {cipher_suite::tls_aes_128_gcm_sha256},
                                         cipher_suite::tls_aes_256_gcm_sha384);
}

BOOST_AUTO_TEST_CASE(tls12_server_resumes_under_another_suite)
{
    check_resumption_under_another_suite(tls_version::tls12,
                                         {cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256,
                                          cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256},
                                         cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256);
}

BOOST_AUTO_TEST_CASE(tls12_resumed_server_hello_without_extended_master_secret)
{
    mutual m(tls_version::tls12);
    m.client.set_require_extended_master_secret(false);
    auto s = first_session(m.client, m.server);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, s, [](flight& f) {
        edit_server_hello(f, [](bytes& sh) { BOOST_REQUIRE(remove_extension(sh, ext::extended_master_secret)); });
    });
    MTLS_CHECK_FAILURE(p.client, error::ems_required, p.server, alert::handshake_failure); // RFC 7627 §5.3
}

BOOST_AUTO_TEST_CASE(tls12_announced_ticket_that_never_comes)
{
    mutual m(tls_version::tls12);
    auto s = first_session(m.client, m.server);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, s, [](flight& f) {
        BOOST_REQUIRE(f.edit_messages([](std::vector<bytes>& ms) {
            auto it = std::find_if(ms.begin(), ms.end(),
                                   [](const bytes& m) { return message_type(m) == msg::new_session_ticket; });
            if (it == ms.end())
                return false;
            ms.erase(it);
            return true;
        }));
    });
    // RFC 5077 §3.3: announced in the ServerHello, so it must come.
    MTLS_CHECK_FAILURE(p.client, error::unexpected_message, p.server, alert::unexpected_message);
    BOOST_TEST(contains(p.client.error().message(), "NewSessionTicket"));
}

BOOST_AUTO_TEST_CASE(tls12_ticket_that_was_not_announced)
{
    mutual m(tls_version::tls12);
    auto s = first_session(m.client, m.server);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, s, [](flight& f) {
        edit_server_hello(f, [](bytes& sh) {
            BOOST_REQUIRE(remove_extension(sh, wire_value(wire::extension_type::session_ticket)));
        });
    });
    BOOST_TEST(error_cause(p.client.error()) == error::unexpected_message);
}

BOOST_AUTO_TEST_CASE(tls12_ticket_announced_to_a_client_that_asked_for_none)
{
    mutual m(tls_version::tls12);
    m.client.set_session_tickets(false);
    engine_pair p(m.client, m.server);
    run_with_server_hello_edit(p, {}, [](flight& f) {
        edit_server_hello(f, [](bytes& sh) { append_extension(sh, wire_value(wire::extension_type::session_ticket), {}); });
    });
    MTLS_CHECK_FAILURE(p.client, error::unsupported_extension, p.server, alert::unsupported_extension);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_session_cache)

std::shared_ptr<const detail::session_state> made(tls_version v, std::uint64_t issued, std::uint8_t mark)
{
    auto s = std::make_shared<detail::session_state>();
    s->version = v;
    s->issued = issued;
    s->lifetime = 100;
    s->ticket.assign(1, std::byte{mark});
    return s;
}

BOOST_AUTO_TEST_CASE(tls13_tickets_are_taken_once_newest_first)
{
    detail::client_session_cache cache(8);
    cache.put("a:443", made(tls_version::tls13, 1000, 1));
    cache.put("a:443", made(tls_version::tls13, 1000, 2));
    BOOST_TEST((cache.take("a:443", 1001)->ticket.front() == std::byte{2}));
    BOOST_TEST((cache.take("a:443", 1001)->ticket.front() == std::byte{1}));
    BOOST_TEST(!cache.take("a:443", 1001));
}

BOOST_AUTO_TEST_CASE(a_tls12_session_is_used_again)
{
    detail::client_session_cache cache(8);
    cache.put("a:443", made(tls_version::tls12, 1000, 1));
    BOOST_TEST((cache.take("a:443", 1001)->ticket.front() == std::byte{1}));
    BOOST_TEST((cache.take("a:443", 1001)->ticket.front() == std::byte{1}));
}

BOOST_AUTO_TEST_CASE(expired_sessions_are_dropped)
{
    detail::client_session_cache cache(8);
    cache.put("a:443", made(tls_version::tls12, 1000, 1));
    BOOST_TEST(!cache.take("a:443", 1100));
    BOOST_TEST(!cache.take("a:443", 1000)); // gone, not merely skipped
}

BOOST_AUTO_TEST_CASE(bounded_per_server_and_in_servers)
{
    detail::client_session_cache cache(2);
    for (std::uint8_t i = 0; i < 6; ++i)
        cache.put("a:443", made(tls_version::tls13, 1000, i));
    std::size_t kept = 0;
    while (kept <= 6 && cache.take("a:443", 1001)) // bounded: a cache that never lets go must not hang
        ++kept;
    BOOST_TEST(kept == detail::client_session_cache::sessions_per_server);
    cache.put("a:443", made(tls_version::tls12, 1000, 1));
    cache.put("b:443", made(tls_version::tls12, 1000, 2));
    BOOST_TEST(cache.take("a:443", 1001)); // a is now the most recently used
    cache.put("c:443", made(tls_version::tls12, 1000, 3));
    BOOST_TEST(!cache.take("b:443", 1001)); // the least recently used went
    BOOST_TEST(cache.take("a:443", 1001));
    BOOST_TEST(cache.take("c:443", 1001));
}

BOOST_AUTO_TEST_SUITE_END()
