// mtls::engine against malformed and hostile TLS 1.3 input, engine to engine
// in memory. A man in the middle (tls13_mitm.hpp) decrypts each flight with
// the secrets the engines log, lets a test change, drop, add or reorder
// handshake messages and records, and protects them again with the keys the
// receiver expects, so the check under test is reached and not a MAC failure
// in front of it. Each case checks both ends: the one that detects the
// problem fails with the error naming the cause and sends the alert RFC 8446
// requires (seen on the wire, decrypted when protected); the other end
// reports that alert.

#define BOOST_TEST_MODULE engine_tls13_bad_input
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "tls13_mitm.hpp"

#include <string>
#include <string_view>

using namespace mtls;
using namespace mtls::test;
using namespace mtls::test::mitm;
namespace data = boost::unit_test::data;

namespace {

constexpr auto to_server = direction::to_server;
constexpr auto to_client = direction::to_client;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

bool is(const clear_flight& f, direction d, std::size_t index) { return f.dir == d && f.index == index; }

/// The role of the engine that receives direction `d`.
role receiver_of(direction d) { return d == to_server ? role::server : role::client; }

/// The flight in direction `d` that carries the sender's Finished: the
/// server's first; the client's second (its first is the ClientHello).
bool finished_flight(const clear_flight& f, direction d) { return is(f, d, d == to_client ? 0 : 1); }

context only_tls13(context ctx)
{
    ctx.set_min_version(tls_version::tls13);
    ctx.set_max_version(tls_version::tls13);
    return ctx;
}

/// A server that answers the default client's x25519 share with a
/// HelloRetryRequest for secp256r1 (RFC 8446 §4.1.4).
context hrr_server_context()
{
    auto ctx = server_context();
    ctx.set_groups({named_group::secp256r1});
    return ctx;
}

void flip_last_byte(bytes& m) { m.back() ^= std::byte{0x01}; }

void append_byte(bytes& m)
{
    m.push_back(std::byte{0});
    fix_handshake_length(m);
}

bytes ccs_body(std::initializer_list<int> v)
{
    bytes b;
    for (int x : v)
        put8(b, static_cast<std::size_t>(x));
    return b;
}

bytes key_update_message(int request) { return make_handshake(msg::key_update, ccs_body({request})); }

/// A well-formed NewSessionTicket (RFC 8446 §4.6.1) with `extensions` (the
/// block's content).
bytes new_session_ticket(const bytes& extensions = {})
{
    bytes b;
    put16(b, 0);
    put16(b, 7200);        // ticket_lifetime
    put16(b, 0x1234);
    put16(b, 0x5678);      // ticket_age_add
    put8(b, 1);
    put8(b, 0);            // ticket_nonce
    auto ticket = pattern(48, 3);
    put16(b, ticket.size());
    b.insert(b.end(), ticket.begin(), ticket.end());
    put16(b, extensions.size());
    b.insert(b.end(), extensions.begin(), extensions.end());
    return make_handshake(msg::new_session_ticket, b);
}

} // namespace

// ====================================================================== mitm

BOOST_AUTO_TEST_SUITE(man_in_the_middle)

// Controls: the man in the middle that re-protects every record changes
// nothing by itself, so the failures below come from the edits alone.

BOOST_AUTO_TEST_CASE(is_transparent)
{
    mitm_pair p(client_context("client-ecdsa"), server_context_requiring_client_cert());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST(p.pair.client.info().version == tls_version::tls13);
    BOOST_TEST(p.mitm.messages(to_client, msg::encrypted_extensions).size() == 1u);
    BOOST_TEST(p.mitm.messages(to_client, msg::certificate_request).size() == 1u);
    BOOST_TEST(p.mitm.messages(to_client, msg::finished).size() == 1u);
    BOOST_TEST(p.mitm.messages(to_server, msg::certificate_verify).size() == 1u);
    BOOST_TEST(p.mitm.messages(to_server, msg::finished).size() == 1u);
    BOOST_TEST(p.pair.exchange(pattern(3000, 1), pattern(5000, 2)));
    // KeyUpdate both ways (RFC 8446 §4.6.3), then data under generation 1.
    BOOST_TEST(p.pair.client.update_keys(true));
    BOOST_TEST(p.pair.pump());
    BOOST_TEST(p.mitm.messages(to_server, msg::key_update).size() == 1u);
    BOOST_TEST(p.mitm.messages(to_client, msg::key_update).size() == 1u);
    BOOST_TEST(p.pair.exchange(pattern(20000, 3), pattern(100, 4)));
    BOOST_TEST(p.mitm.clean(), p.mitm.problems());
}

BOOST_AUTO_TEST_CASE(is_transparent_across_hello_retry)
{
    mitm_pair p(client_context(), hrr_server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST(p.pair.client.info().hello_retry);
    BOOST_TEST(p.mitm.messages(to_server, msg::client_hello).size() == 2u);
    BOOST_TEST(p.pair.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_CASE(injected_records_keep_both_ends_in_step)
{
    // A record the man in the middle adds takes a sequence number (§5.3);
    // the sender's later records are renumbered, so both ends stay in step.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(to_server, protected_record(content::application_data, pattern(10, 7))));
    BOOST_TEST_REQUIRE(p.inject(to_client, protected_record(content::application_data, pattern(20, 8), 30)));
    BOOST_TEST((p.pair.received(to_server) == pattern(10, 7)));
    BOOST_TEST((p.pair.received(to_client) == pattern(20, 8)));
    BOOST_TEST(p.pair.exchange(pattern(100, 1), pattern(100, 2)));
    BOOST_TEST(!p.pair.client.failed());
    BOOST_TEST(!p.pair.server.failed());
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================== ServerHello

BOOST_AUTO_TEST_SUITE(server_hello)

BOOST_DATA_TEST_CASE(selected_version_not_offered_or_below_tls13, data::make({0x0305, 0x0303, 0x0302}), version)
{
    // RFC 8446 §4.2.1: "If the "supported_versions" extension in the
    // ServerHello contains a version not offered by the client or contains
    // a version prior to TLS 1.3, the client MUST abort the handshake with
    // an "illegal_parameter" alert."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [version](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                BOOST_TEST(replace_extension(m, ext::supported_versions, u16_bytes(version)));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::version_not_offered, alert::illegal_parameter, "version");
}

BOOST_DATA_TEST_CASE(cipher_suite_not_offered, data::make({0x1302, 0xC02B}), suite)
{
    // §4.1.3: "A client which receives a cipher suite that was not offered
    // MUST abort the handshake with an "illegal_parameter" alert." The
    // client offers TLS_AES_128_GCM_SHA256 only for TLS 1.3; 0xC02B is a
    // TLS 1.2 suite (offered for 1.2), never valid in a TLS 1.3 ServerHello.
    auto client_ctx = client_context();
    client_ctx.set_cipher_suites(
        {cipher_suite::tls_aes_128_gcm_sha256, cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    mitm_pair p(client_ctx, server_context());
    p.mitm.edit = [suite](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                auto at = layout_of(m).suites;
                BOOST_TEST_REQUIRE(get16(m, at) == 0x1301u);
                set16(m, at, static_cast<std::size_t>(suite));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::suite_not_offered, alert::illegal_parameter, "cipher suite");
}

BOOST_DATA_TEST_CASE(key_share_for_another_group, data::make({group_secp256r1, group_x448}), group)
{
    // §4.2.8: the server's KeyShareEntry "MUST be in the same group as the
    // KeyShareEntry value offered by the client that the server has
    // selected"; a violation is an "illegal_parameter". The client sent an
    // x25519 share; secp256r1 it supports but sent no share for, x448 it
    // never offered.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [group](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                auto share = extension_data(m, ext::key_share);
                BOOST_TEST_REQUIRE(share.has_value());
                BOOST_TEST_REQUIRE(get16(*share, 0) == std::size_t{group_x25519});
                set16(*share, 0, group);
                BOOST_TEST(replace_extension(m, ext::key_share, *share));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_key_share, alert::illegal_parameter, "key share");
}

BOOST_AUTO_TEST_CASE(key_share_missing)
{
    // §4.1.3: a ServerHello without a PSK carries "key_share"; §6.2:
    // "missing_extension: Sent by endpoints that receive a handshake message
    // not containing an extension that is mandatory to send for the offered
    // TLS version or other negotiated parameters."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { BOOST_TEST(remove_extension(m, ext::key_share)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::missing_extension, alert::missing_extension, "required extension");
}

BOOST_AUTO_TEST_CASE(supported_versions_missing_at_tls13_only_client)
{
    // Without supported_versions the ServerHello negotiates TLS 1.2
    // (§4.2.1), which this client does not allow: Appendix D.1, "If the
    // version chosen by the server is not supported by the client (or is not
    // acceptable), the client MUST abort the handshake with a
    // "protocol_version" alert."
    mitm_pair p(only_tls13(client_context()), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello,
                              [](bytes& m) { BOOST_TEST(remove_extension(m, ext::supported_versions)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::protocol_version, alert::protocol_version, "version");
}

BOOST_DATA_TEST_CASE(supported_versions_malformed, data::make({0, 1, 3}), length)
{
    // §4.2.1: in a ServerHello the extension is exactly one ProtocolVersion;
    // §6.2: "decode_error: A message could not be decoded because some field
    // was out of the specified range or the length of the message was
    // incorrect." Three bytes decode, but leave one over.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [length](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                bytes v{std::byte{0x03}, std::byte{0x04}, std::byte{0x00}};
                v.resize(static_cast<std::size_t>(length));
                BOOST_TEST(replace_extension(m, ext::supported_versions, v));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    if (length == 3)
        MTLS_CHECK_DETECTED(p, role::client, error::trailing_data, alert::decode_error, "trailing");
    else
        MTLS_CHECK_DETECTED(p, role::client, error::decode_error, alert::decode_error, "malformed");
}

BOOST_DATA_TEST_CASE(legacy_session_id_not_echoed, data::make({0, 1}), variant)
{
    // §4.1.3: "A client which receives a legacy_session_id_echo field that
    // does not match what it sent in the ClientHello MUST abort the
    // handshake with an "illegal_parameter" alert." Variant 0 changes a
    // byte, variant 1 echoes an empty id.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [variant](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                const auto at = layout_of(m).session_id;
                BOOST_TEST_REQUIRE(std::to_integer<int>(m.at(at)) == 32); // middlebox compatibility (§D.4)
                if (variant == 0) {
                    m.at(at + 5) ^= std::byte{0x40};
                } else {
                    m.erase(m.begin() + static_cast<std::ptrdiff_t>(at + 1),
                            m.begin() + static_cast<std::ptrdiff_t>(at + 33));
                    m.at(at) = std::byte{0};
                    fix_handshake_length(m);
                }
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::session_id_not_echoed, alert::illegal_parameter, "legacy_session_id");
}

BOOST_AUTO_TEST_CASE(extension_the_client_did_not_send)
{
    // §4.2: "Implementations MUST NOT send extension responses if the remote
    // endpoint did not send the corresponding extension requests ... Upon
    // receiving such an extension, an endpoint MUST abort the handshake with
    // an "unsupported_extension" alert." The client sent no ALPN.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                add_extension(m, ext_alpn, {std::byte{0}, std::byte{3}, std::byte{2}, std::byte{'h'}, std::byte{'2'}});
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unsupported_extension, alert::unsupported_extension,
                        "may not send");
}

BOOST_AUTO_TEST_CASE(extension_not_allowed_in_server_hello)
{
    // §4.2: "If an implementation receives an extension which it recognizes
    // and which is not specified for the message in which it appears, it
    // MUST abort the handshake with an "illegal_parameter" alert."
    // server_name was sent, but its answer belongs in EncryptedExtensions.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { add_extension(m, ext_server_name, {}); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::forbidden_extension, alert::illegal_parameter, "not allowed");
}

BOOST_DATA_TEST_CASE(downgrade_sentinel_in_tls12_server_hello, data::make({1, 0}), last_byte)
{
    // §4.1.3: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or
    // below MUST check that the last 8 bytes are not equal to either of
    // these values. ... If a match is found, the client MUST abort the
    // handshake with an "illegal_parameter" alert." The server is pinned to
    // TLS 1.2; its random is given the sentinel in transit (the check comes
    // before anything that would notice the changed transcript).
    auto server_ctx = server_context();
    server_ctx.set_max_version(tls_version::tls12);
    mitm_pair p(client_context(), server_ctx);
    p.mitm.edit = [last_byte](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                BOOST_TEST_REQUIRE(!find_extension(m, ext::supported_versions).has_value());
                const char sentinel[] = "DOWNGRD";
                const std::size_t at = handshake_header_size + 2 + 32 - 8;
                for (std::size_t i = 0; i < 7; ++i)
                    m.at(at + i) = std::byte(static_cast<std::uint8_t>(sentinel[i]));
                m.at(at + 7) = std::byte(static_cast<std::uint8_t>(last_byte));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::downgrade_detected, alert::illegal_parameter, "downgrade");
}

BOOST_AUTO_TEST_CASE(supported_versions_stripped_from_client_hello)
{
    // The attack the sentinel is for: supported_versions is removed in
    // transit, so a TLS 1.3 server negotiates TLS 1.2 (§4.2.1) and marks its
    // random (§4.1.3), which the client must refuse.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 0))
            BOOST_TEST(f.edit(msg::client_hello,
                              [](bytes& m) { BOOST_TEST(remove_extension(m, ext::supported_versions)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    auto sh = p.mitm.messages(to_client, msg::server_hello);
    BOOST_TEST_REQUIRE(sh.size() == 1u);
    const auto random = hello_random(sh.front());
    const bytes tail(random.end() - 8, random.end());
    const bytes sentinel{std::byte{0x44}, std::byte{0x4F}, std::byte{0x57}, std::byte{0x4E},
                         std::byte{0x47}, std::byte{0x52}, std::byte{0x44}, std::byte{0x01}};
    BOOST_TEST((tail == sentinel));
    MTLS_CHECK_DETECTED(p, role::client, error::downgrade_detected, alert::illegal_parameter, "downgrade");
}

BOOST_AUTO_TEST_SUITE_END()

// ========================================================= HelloRetryRequest

BOOST_AUTO_TEST_SUITE(hello_retry_request)

BOOST_AUTO_TEST_CASE(second_hello_retry_request)
{
    // §4.1.4: "If a client receives a second HelloRetryRequest in the same
    // connection ..., it MUST abort the handshake with an
    // "unexpected_message" alert." The server's second flight is replaced by
    // its first HelloRetryRequest.
    mitm_pair p(client_context(), hrr_server_context());
    bytes hrr;
    p.mitm.edit = [&](clear_flight& f) {
        if (is(f, to_client, 0)) {
            hrr = f.find(msg::server_hello).value();
            BOOST_TEST_REQUIRE((hello_random(hrr) == hello_retry_random()));
        } else if (is(f, to_client, 1)) {
            f.records = {plaintext_record(content::handshake, hrr)};
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_message, alert::unexpected_message, "expected ServerHello, got ServerHello");
}

BOOST_DATA_TEST_CASE(selected_group_not_usable, data::make({group_x448, group_x25519}), group)
{
    // §4.2.8: the client "MUST verify that (1) the selected_group field
    // corresponds to a group which was provided in the "supported_groups"
    // extension in the original ClientHello and (2) the selected_group field
    // does not correspond to a group which was provided in the "key_share"
    // extension in the original ClientHello. If either of these checks
    // fails, then the client MUST abort the handshake with an
    // "illegal_parameter" alert." x448 was not offered; x25519 was shared.
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [group](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [&](bytes& m) {
                BOOST_TEST(replace_extension(m, ext::key_share, u16_bytes(group)));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_hello_retry, alert::illegal_parameter, "HelloRetryRequest");
}

BOOST_AUTO_TEST_CASE(hello_retry_that_changes_nothing)
{
    // §4.1.4: "Clients MUST abort the handshake with an "illegal_parameter"
    // alert if the HelloRetryRequest would not result in any change in the
    // ClientHello." Without key_share and cookie it asks for nothing.
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                BOOST_TEST(remove_extension(m, ext::key_share));
                BOOST_TEST(remove_extension(m, ext_cookie));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_hello_retry, alert::illegal_parameter, "HelloRetryRequest");
}

BOOST_AUTO_TEST_CASE(server_hello_changes_the_suite)
{
    // §4.1.4: "Upon receiving the ServerHello, clients MUST check that the
    // cipher suite supplied in the ServerHello is the same as that in the
    // HelloRetryRequest and otherwise abort the handshake with an
    // "illegal_parameter" alert." Both suites were offered.
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 1))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                auto at = layout_of(m).suites;
                BOOST_TEST_REQUIRE(get16(m, at) == 0x1301u);
                set16(m, at, 0x1302);
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::hello_retry_mismatch, alert::illegal_parameter, "HelloRetryRequest");
}

BOOST_AUTO_TEST_CASE(server_hello_share_not_for_the_group_asked_for)
{
    // §4.2.8: after a HelloRetryRequest with key_share "the client MUST
    // verify that the selected NamedGroup in the ServerHello is the same as
    // that in the HelloRetryRequest. If this check fails, the client MUST
    // abort the handshake with an "illegal_parameter" alert."
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 1))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                auto share = extension_data(m, ext::key_share);
                BOOST_TEST_REQUIRE(get16(share.value(), 0) == std::size_t{group_secp256r1});
                set16(*share, 0, group_x25519);
                BOOST_TEST(replace_extension(m, ext::key_share, *share));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_key_share, alert::illegal_parameter, "key share");
}

BOOST_AUTO_TEST_CASE(second_client_hello_with_changed_cookie)
{
    // §4.2.2: "When sending the new ClientHello, the client MUST copy the
    // contents of the extension received in the HelloRetryRequest into a
    // "cookie" extension in the new ClientHello." A different cookie is a
    // field with a value that is not allowed (§6.2, illegal_parameter).
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                auto cookie = extension_data(m, ext_cookie);
                BOOST_TEST_REQUIRE(cookie.has_value());
                flip_last_byte(*cookie);
                BOOST_TEST(replace_extension(m, ext_cookie, *cookie));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::cookie_mismatch, alert::illegal_parameter, "cookie");
}

BOOST_AUTO_TEST_CASE(second_client_hello_without_cookie)
{
    // §4.2.2 (the cookie MUST be copied) and §6.2 (missing_extension).
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) { BOOST_TEST(remove_extension(m, ext_cookie)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::missing_extension, alert::missing_extension, "required extension");
}

BOOST_AUTO_TEST_CASE(second_client_hello_shares_another_group)
{
    // §4.1.2: the second ClientHello replaces "the list of shares with a list
    // containing a single KeyShareEntry from the indicated group"; here it
    // carries the first ClientHello's x25519 share instead of secp256r1.
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [&](clear_flight& f) {
        if (is(f, to_server, 1)) {
            auto first = p.mitm.messages(to_server, msg::client_hello).at(0);
            auto share = extension_data(first, ext::key_share).value();
            BOOST_TEST(f.edit(msg::client_hello,
                              [&](bytes& m) { BOOST_TEST(replace_extension(m, ext::key_share, share)); }));
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::bad_key_share, alert::illegal_parameter, "key share");
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================== ClientHello

BOOST_AUTO_TEST_SUITE(client_hello)

BOOST_AUTO_TEST_CASE(key_share_for_group_not_in_supported_groups)
{
    // §4.2.8: "Clients MUST NOT offer any KeyShareEntry values for groups not
    // listed in the client's "supported_groups" extension. Servers MAY check
    // for violations of these rules and abort the handshake with an
    // "illegal_parameter" alert if one is violated."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 0))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                bytes groups;
                put16(groups, 4);
                put16(groups, group_secp256r1);
                put16(groups, group_secp384r1);
                BOOST_TEST(replace_extension(m, ext::supported_groups, groups));
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::bad_key_share, alert::illegal_parameter, "key share");
}

BOOST_DATA_TEST_CASE(mandatory_extension_missing,
                     data::make({ext::key_share, ext::supported_groups, ext::signature_algorithms}), type)
{
    // §9.2: a TLS 1.3 ClientHello without pre_shared_key "MUST contain both
    // a "signature_algorithms" extension and a "supported_groups"
    // extension", and key_share with supported_groups and vice versa.
    // "Servers receiving a ClientHello which does not conform to these
    // requirements MUST abort the handshake with a "missing_extension" alert."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [type](clear_flight& f) {
        if (is(f, to_server, 0))
            BOOST_TEST(f.edit(msg::client_hello, [&](bytes& m) { BOOST_TEST(remove_extension(m, type)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::missing_extension, alert::missing_extension, "required extension");
}

BOOST_DATA_TEST_CASE(compression_other_than_null, data::make({0, 1}), variant)
{
    // §4.1.2: "For every TLS 1.3 ClientHello, this vector MUST contain
    // exactly one byte, set to zero ... If a TLS 1.3 ClientHello is received
    // with any other value in this field, the server MUST abort the
    // handshake with an "illegal_parameter" alert." Variant 0: {1};
    // variant 1: {0, 1}.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [variant](clear_flight& f) {
        if (is(f, to_server, 0))
            BOOST_TEST(f.edit(msg::client_hello, [&](bytes& m) {
                const auto at = layout_of(m).compression;
                BOOST_TEST_REQUIRE(std::to_integer<int>(m.at(at)) == 1);
                if (variant == 0) {
                    m.at(at + 1) = std::byte{1};
                } else {
                    m.at(at) = std::byte{2};
                    m.insert(m.begin() + static_cast<std::ptrdiff_t>(at + 2), std::byte{1});
                    fix_handshake_length(m);
                }
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::compression_not_null, alert::illegal_parameter, "compression");
}

BOOST_AUTO_TEST_SUITE_END()

// ========================================================== encrypted flight

BOOST_AUTO_TEST_SUITE(encrypted_flight)

BOOST_DATA_TEST_CASE(encrypted_extensions_with_forbidden_extension,
                     data::make({ext::key_share, ext::supported_versions}), type)
{
    // §4.3.1: "The client MUST check EncryptedExtensions for the presence of
    // any forbidden extensions and if any are found MUST abort the handshake
    // with an "illegal_parameter" alert." Both were sent by the client, so
    // this is not an unsolicited response; they belong in the ServerHello.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [type](clear_flight& f) {
        if (!is(f, to_client, 0))
            return;
        bytes value;
        if (type == ext::key_share) {
            put16(value, group_x25519);
            put16(value, 32);
            auto key = pattern(32, 9);
            value.insert(value.end(), key.begin(), key.end());
        } else {
            put16(value, 0x0304);
        }
        BOOST_TEST(f.edit(msg::encrypted_extensions, [&](bytes& m) { add_encrypted_extension(m, type, value); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::forbidden_extension, alert::illegal_parameter, "not allowed");
    BOOST_TEST(!p.pair.client.handshake_done());
}

BOOST_AUTO_TEST_CASE(encrypted_extensions_with_unsolicited_extension)
{
    // §4.2: an extension response the client did not ask for (ALPN here) is
    // an "unsupported_extension".
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::encrypted_extensions, [](bytes& m) {
                add_encrypted_extension(m, ext_alpn,
                                        {std::byte{0}, std::byte{3}, std::byte{2}, std::byte{'h'}, std::byte{'2'}});
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unsupported_extension, alert::unsupported_extension,
                        "may not send");
}

BOOST_AUTO_TEST_CASE(certificate_before_encrypted_extensions)
{
    // §4: "A peer which receives a handshake message in an unexpected order
    // MUST abort the handshake with an "unexpected_message" alert."; §4.3.1:
    // EncryptedExtensions comes immediately after the ServerHello.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.swap(msg::encrypted_extensions, msg::certificate));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_message, alert::unexpected_message, "expected EncryptedExtensions, got Certificate");
}

BOOST_AUTO_TEST_CASE(encrypted_extensions_missing)
{
    // §4.3.1: "In all handshakes, the server MUST send the
    // EncryptedExtensions message immediately after the ServerHello".
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.drop(msg::encrypted_extensions));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_message, alert::unexpected_message, "expected EncryptedExtensions, got Certificate");
}

BOOST_AUTO_TEST_CASE(finished_before_certificate_verify)
{
    // §4 (order) and §4.4.3: a certificate is always followed by its
    // CertificateVerify.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.swap(msg::certificate_verify, msg::finished));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_message, alert::unexpected_message, "expected CertificateVerify, got Finished");
}

BOOST_AUTO_TEST_CASE(second_server_certificate)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.insert_after(msg::certificate, f.find(msg::certificate).value()));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_message, alert::unexpected_message, "expected CertificateVerify, got Certificate");
}

BOOST_AUTO_TEST_CASE(empty_server_certificate)
{
    // §4.4.2.4: "If the server supplies an empty Certificate message, the
    // client MUST abort the handshake with a "decode_error" alert."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::certificate, [](bytes& m) {
                m = make_handshake(msg::certificate, bytes(4, std::byte{0})); // empty context, empty list
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::decode_error, alert::decode_error, "malformed");
}

BOOST_DATA_TEST_CASE(server_certificate_verify_corrupted,
                     data::make({std::string("server-ecdsa"), std::string("server-rsa")}), credential)
{
    // §4.4.3: "If the verification fails, the receiver MUST terminate the
    // handshake with a "decrypt_error" alert." The last byte of the message
    // is the last byte of the signature.
    mitm_pair p(client_context(), server_context(credential));
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::certificate_verify, flip_last_byte));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_certificate_verify, alert::decrypt_error, "CertificateVerify");
}

BOOST_DATA_TEST_CASE(client_certificate_verify_corrupted,
                     data::make({std::string("client-ecdsa"), std::string("client-rsa")}), credential)
{
    // §4.4.3, the client's signature at the server.
    mitm_pair p(client_context(credential), server_context_requiring_client_cert());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1))
            BOOST_TEST(f.edit(msg::certificate_verify, flip_last_byte));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::bad_certificate_verify, alert::decrypt_error, "CertificateVerify");
}

BOOST_AUTO_TEST_CASE(server_finished_corrupted)
{
    // §4.4.4: "Recipients of Finished messages MUST verify that the contents
    // are correct and if incorrect MUST terminate the connection with a
    // "decrypt_error" alert."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(msg::finished, flip_last_byte));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_finished, alert::decrypt_error, "Finished");
    BOOST_TEST(!p.pair.client.handshake_done());
}

BOOST_AUTO_TEST_CASE(client_finished_corrupted)
{
    // §4.4.4 at the server. The client has completed by then; the alert
    // reaches it under the server's application traffic key.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1))
            BOOST_TEST(f.edit(msg::finished, flip_last_byte));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::bad_finished, alert::decrypt_error, "Finished");
    BOOST_TEST(!p.pair.server.handshake_done());
    BOOST_TEST(p.pair.client.handshake_done());
}

BOOST_DATA_TEST_CASE(trailing_bytes,
                     data::make({int{msg::encrypted_extensions}, int{msg::certificate}, int{msg::certificate_verify},
                                 int{msg::finished}}),
                     type_number)
{
    // §6.2: "decode_error: ... the length of the message was incorrect."
    // Finished is exactly Hash.length bytes (§4.4.4).
    const auto type = static_cast<std::uint8_t>(type_number);
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [type](clear_flight& f) {
        if (is(f, to_client, 0))
            BOOST_TEST(f.edit(type, append_byte));
    };
    BOOST_TEST(!p.pair.handshake());
    if (type == msg::finished)
        MTLS_CHECK_DETECTED(p, role::client, error::decode_error, alert::decode_error, "malformed");
    else
        MTLS_CHECK_DETECTED(p, role::client, error::trailing_data, alert::decode_error, "trailing");
}

BOOST_DATA_TEST_CASE(key_update_before_finished, data::make({to_client, to_server}), d)
{
    // §4.6.3: "Implementations that receive a KeyUpdate message prior to
    // receiving a Finished message MUST terminate the connection with an
    // "unexpected_message" alert."
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [d](clear_flight& f) {
        if (finished_flight(f, d))
            BOOST_TEST(f.insert_before(msg::finished, key_update_message(0)));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_message, alert::unexpected_message, "expected Finished, got KeyUpdate");
}

BOOST_DATA_TEST_CASE(application_data_before_finished, data::make({to_client, to_server}), d)
{
    // §4.4.4: "Servers MAY send data after sending their first flight" and
    // clients after their Finished; no application data is accepted before
    // the peer's Finished (§2, §5: unexpected record type).
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [d](clear_flight& f) {
        if (finished_flight(f, d)) {
            auto at = f.record_of(msg::finished).value();
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(at),
                             protected_record(content::application_data, pattern(10)));
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_record, alert::unexpected_message, "not allowed");
    BOOST_TEST(p.pair.received(d).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// =================================================================== records

BOOST_AUTO_TEST_SUITE(records)

BOOST_DATA_TEST_CASE(protected_record_over_2_14_plus_256, data::make({to_server, to_client}), d)
{
    // §5.2: "An endpoint that receives a record from its peer with
    // TLSCiphertext.length larger than 2^14 + 256 octets MUST terminate the
    // connection with a "record_overflow" alert." The header alone decides.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    bytes header;
    put8(header, content::application_data);
    put16(header, 0x0303);
    put16(header, max_plaintext + 256 + 1);
    p.pair.inject(d, header);
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::record_overflow, alert::record_overflow, "maximum size");
}

BOOST_DATA_TEST_CASE(protected_record_of_2_14_plus_256_is_read, data::make({to_server, to_client}), d)
{
    // The limit itself is allowed (§5.2): a record of exactly 2^14 + 256
    // bytes is decrypted, and noise fails authentication instead.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.pair.inject(d, make_record(content::application_data, pattern(max_plaintext + 256, 5)));
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_record_mac, alert::bad_record_mac, "authentication");
}

BOOST_DATA_TEST_CASE(inner_plaintext_over_2_14_plus_1, data::make({to_server, to_client}), d)
{
    // §5.2/§5.4: "The length MUST NOT exceed 2^14 bytes" for the content,
    // and TLSInnerPlaintext (content, type, padding) may be at most
    // 2^14 + 1 bytes; a longer one is a "record_overflow". Here the content
    // is well below 2^14, the padding takes it one byte over.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(
        p.inject(d, protected_record(content::application_data, pattern(max_plaintext - 100, 6), 101)));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::record_overflow, alert::record_overflow, "maximum size");
    BOOST_TEST(p.pair.received(d).empty());
}

BOOST_DATA_TEST_CASE(inner_plaintext_of_2_14_plus_1_is_accepted, data::make({to_server, to_client}), d)
{
    // §5.4: padding up to the limit is allowed and stripped.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    const auto content = pattern(max_plaintext - 100, 6);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::application_data, content, 100)));
    BOOST_TEST(!p.pair.client.failed());
    BOOST_TEST(!p.pair.server.failed());
    BOOST_TEST((p.pair.received(d) == content));
}

BOOST_DATA_TEST_CASE(flipped_ciphertext_bit, data::make({to_server, to_client}), d)
{
    // §5.2: "If the decryption fails, the receiver MUST terminate the
    // connection with a "bad_record_mac" alert."
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit_sealed = [d](flight& f) {
        if (f.dir == d)
            f.records.at(0).body.at(3) ^= std::byte{0x10};
    };
    BOOST_TEST(p.pair.sender(d).write(pattern(100)) == 100u);
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_record_mac, alert::bad_record_mac, "authentication");
    BOOST_TEST(p.pair.received(d).empty());
}

BOOST_AUTO_TEST_CASE(flipped_bit_in_encrypted_extensions)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit_sealed = [](flight& f) {
        if (f.dir == to_client && f.index == 0) {
            auto i = std::find_if(f.records.begin(), f.records.end(),
                                  [](const mtls::test::record& r) { return r.encrypted; });
            BOOST_TEST_REQUIRE((i != f.records.end()));
            i->body.back() ^= std::byte{0x01};
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_record_mac, alert::bad_record_mac, "authentication");
}

BOOST_DATA_TEST_CASE(replayed_record, data::make({to_server, to_client}), d)
{
    // §5.3: each record's nonce comes from its sequence number, so the same
    // record a second time fails to authenticate.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit_sealed = [d](flight& f) {
        if (f.dir == d)
            f.records.push_back(f.records.at(0));
    };
    BOOST_TEST(p.pair.sender(d).write(pattern(100)) == 100u);
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_record_mac, alert::bad_record_mac, "authentication");
    BOOST_TEST((p.pair.received(d) == pattern(100)));
}

BOOST_DATA_TEST_CASE(reordered_records, data::make({to_server, to_client}), d)
{
    // §5.3: records are numbered implicitly; two swapped records fail.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit_sealed = [d](flight& f) {
        if (f.dir == d) {
            BOOST_TEST_REQUIRE(f.records.size() == 2u);
            std::swap(f.records[0], f.records[1]);
        }
    };
    BOOST_TEST(p.pair.sender(d).write(pattern(max_plaintext + 100)) == max_plaintext + 100);
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_record_mac, alert::bad_record_mac, "authentication");
    BOOST_TEST(p.pair.received(d).empty());
}

BOOST_DATA_TEST_CASE(inner_plaintext_all_zeros, data::make({to_server, to_client}), d)
{
    // §5.4: "If a receiving implementation does not find a non-zero octet in
    // the cleartext, it MUST terminate the connection with an
    // "unexpected_message" alert."
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(0, {}, 12)));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::no_inner_content_type, alert::unexpected_message, "padding");
}

BOOST_AUTO_TEST_CASE(inner_plaintext_all_zeros_during_handshake)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0)) {
            auto at = f.record_of(msg::encrypted_extensions).value();
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(at), protected_record(0, {}, 1));
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::no_inner_content_type, alert::unexpected_message, "padding");
}

BOOST_DATA_TEST_CASE(protected_handshake_record_without_content, data::make({to_server, to_client}), d)
{
    // §5.4: "Implementations MUST NOT send Handshake and Alert records that
    // have a zero-length TLSInnerPlaintext.content; if such a message is
    // received, the receiving implementation MUST terminate the connection
    // with an "unexpected_message" alert."
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::handshake, {}, 4)));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::empty_record, alert::unexpected_message, "empty record");
}

BOOST_DATA_TEST_CASE(protected_alert_record_without_content, data::make({to_server, to_client}), d)
{
    // §5.4, as above, for an Alert record: "unexpected_message".
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::alert, {}, 4)));
    BOOST_TEST(p.pair.receiver(d).failed());
    BOOST_TEST(describe(p.pair.sender(d).error()) == describe(make_error_code(alert::unexpected_message)));
    BOOST_TEST(p.mitm.last_fatal_alert(d == to_server ? to_client : to_server) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(unprotected_encrypted_extensions)
{
    // §5.1: "Once record protection has started, TLSPlaintext records are
    // protected"; §5: "If a TLS implementation receives an unexpected
    // record type, it MUST terminate the connection with an
    // "unexpected_message" alert." EncryptedExtensions goes out in the clear.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            f.records.at(f.record_of(msg::encrypted_extensions).value()).protect = false;
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_record, alert::unexpected_message, "not allowed");
}

BOOST_AUTO_TEST_CASE(unprotected_client_finished)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1))
            f.records.at(f.record_of(msg::finished).value()).protect = false;
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::unexpected_record, alert::unexpected_message, "not allowed");
}

BOOST_DATA_TEST_CASE(unprotected_handshake_record_after_handshake, data::make({to_server, to_client}), d)
{
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, plaintext_record(content::handshake, key_update_message(0))));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_record, alert::unexpected_message, "not allowed");
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================= ChangeCipherSpec

BOOST_AUTO_TEST_SUITE(change_cipher_spec)

BOOST_DATA_TEST_CASE(protected_change_cipher_spec, data::make({to_server, to_client}), d)
{
    // §5: "An implementation which receives ... a protected
    // change_cipher_spec record MUST abort the handshake with an
    // "unexpected_message" alert."
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::change_cipher_spec, ccs_body({1}))));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_DATA_TEST_CASE(protected_change_cipher_spec_during_handshake, data::make({to_server, to_client}), d)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [d](clear_flight& f) {
        if (finished_flight(f, d))
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(f.record_of(msg::finished).value()),
                             protected_record(content::change_cipher_spec, ccs_body({1})));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_DATA_TEST_CASE(change_cipher_spec_after_handshake, data::make({to_server, to_client}), d)
{
    // §5: "If an implementation detects a change_cipher_spec record received
    // ... after the peer's Finished message, it MUST be treated as an
    // unexpected record type".
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, plaintext_record(content::change_cipher_spec, ccs_body({1}))));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_DATA_TEST_CASE(change_cipher_spec_right_after_peer_finished, data::make({to_server, to_client}), d)
{
    // The same rule at its edge: in the flight that carries the Finished,
    // right behind it.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [d](clear_flight& f) {
        if (finished_flight(f, d))
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(f.record_of(msg::finished).value()) + 1,
                             plaintext_record(content::change_cipher_spec, ccs_body({1})));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_DATA_TEST_CASE(change_cipher_spec_other_than_one,
                     data::make({to_server, to_client}) * data::make({0, 1}), d, variant)
{
    // §5: "An implementation which receives any other change_cipher_spec
    // value ... MUST abort the handshake with an "unexpected_message"
    // alert." The dummy ChangeCipherSpec in its allowed place becomes {2}
    // (variant 0) or {1, 1} (variant 1).
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [d, variant](clear_flight& f) {
        if (!finished_flight(f, d))
            return;
        auto i = f.find_record(content::change_cipher_spec, false);
        BOOST_TEST_REQUIRE(i.has_value());
        f.records[*i].content = variant == 0 ? ccs_body({2}) : ccs_body({1, 1});
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_change_cipher_spec, alert::unexpected_message,
                        "not the single byte 1");
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_before_client_hello)
{
    // §5: "If an implementation detects a change_cipher_spec record received
    // before the first ClientHello message ..., it MUST be treated as an
    // unexpected record type".
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 0))
            f.records.insert(f.records.begin(), plaintext_record(content::change_cipher_spec, ccs_body({1})));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_before_server_hello_at_dual_version_client)
{
    // A client offering TLS 1.2 and 1.3 does not know the version before
    // the ServerHello, and TLS 1.2 allows no ChangeCipherSpec there (RFC
    // 5246 §7.1, §7.4): refused as an unexpected record.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            f.records.insert(f.records.begin(), plaintext_record(content::change_cipher_spec, ccs_body({1})));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::unexpected_change_cipher_spec, alert::unexpected_message,
                        "ChangeCipherSpec");
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_before_server_hello_at_tls13_only_client)
{
    // §5: "An implementation may receive an unencrypted record of type
    // change_cipher_spec consisting of the single byte value 0x01 at any
    // time after the first ClientHello message has been sent or received
    // and before the peer's Finished message has been received and MUST
    // simply drop it without further processing." A TLS 1.3-only client has
    // sent its ClientHello, so the record is dropped.
    mitm_pair p(only_tls13(client_context()), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0))
            f.records.insert(f.records.begin(), plaintext_record(content::change_cipher_spec, ccs_body({1})));
    };
    const bool ok = p.pair.handshake();
    BOOST_TEST(ok, "client: " << describe(p.pair.client.error()) << "; server: " << describe(p.pair.server.error()));
}

BOOST_AUTO_TEST_CASE(dummy_change_cipher_spec_accepted_both_ways)
{
    // Appendix D.4: in middlebox compatibility mode each side sends one
    // dummy ChangeCipherSpec, which the peer drops (§5).
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST(p.mitm.count(to_server, content::change_cipher_spec, false) == 1u);
    BOOST_TEST(p.mitm.count(to_client, content::change_cipher_spec, false) == 1u);
    BOOST_TEST(p.pair.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_CASE(extra_change_cipher_spec_dropped_anywhere_allowed)
{
    // §5: dropped "at any time after the first ClientHello ... and before the
    // peer's Finished", even where protected records are expected. Without
    // compatibility mode the engines send none; here they arrive after the
    // ServerHello, between encrypted handshake messages, and in front of
    // the client's Finished.
    auto client_ctx = client_context("client-ecdsa");
    client_ctx.set_middlebox_compat(false);
    auto server_ctx = server_context_requiring_client_cert();
    server_ctx.set_middlebox_compat(false);
    mitm_pair p(client_ctx, server_ctx);
    const auto ccs = plaintext_record(content::change_cipher_spec, ccs_body({1}));
    p.mitm.edit = [&](clear_flight& f) {
        if (f.find_record(content::change_cipher_spec, false))
            BOOST_FAIL("the engines sent a ChangeCipherSpec without compatibility mode");
        auto before = [&](std::uint8_t type) {
            auto at = f.record_of(type).value();
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(at), ccs);
        };
        if (is(f, to_client, 0)) {
            before(msg::encrypted_extensions);
            before(msg::certificate);
            before(msg::certificate);
            before(msg::finished);
        } else if (is(f, to_server, 1)) {
            before(msg::certificate);
            before(msg::certificate_verify);
            before(msg::finished);
        }
    };
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST(p.mitm.count(to_client, content::change_cipher_spec, false) == 4u);
    BOOST_TEST(p.mitm.count(to_server, content::change_cipher_spec, false) == 3u);
    BOOST_TEST(p.pair.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_around_hello_retry_dropped)
{
    // §5 and §D.4: after a HelloRetryRequest, in front of the second
    // ClientHello and in front of the ServerHello.
    auto client_ctx = client_context();
    client_ctx.set_middlebox_compat(false);
    auto server_ctx = hrr_server_context();
    server_ctx.set_middlebox_compat(false);
    mitm_pair p(client_ctx, server_ctx);
    const auto ccs = plaintext_record(content::change_cipher_spec, ccs_body({1}));
    p.mitm.edit = [&](clear_flight& f) {
        if (is(f, to_client, 0))
            f.records.push_back(ccs); // behind the HelloRetryRequest
        else if (is(f, to_client, 1))
            f.records.insert(f.records.begin(), ccs); // in front of the ServerHello
        else if (is(f, to_server, 1))
            f.records.insert(f.records.begin(), ccs); // in front of the second ClientHello
    };
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST(p.pair.client.info().hello_retry);
    BOOST_TEST(p.mitm.count(to_client, content::change_cipher_spec, false) == 2u);
    BOOST_TEST(p.mitm.count(to_server, content::change_cipher_spec, false) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ================================================================ key change

BOOST_AUTO_TEST_SUITE(key_change)

// §5.1: "Handshake messages MUST NOT span key changes. Implementations MUST
// verify that all messages immediately preceding a key change align with a
// record boundary; if not, then they MUST terminate the connection with an
// "unexpected_message" alert. Because the ClientHello, EndOfEarlyData,
// ServerHello, Finished, and KeyUpdate messages can immediately precede a key
// change, implementations MUST send these messages in alignment with a record
// boundary."

BOOST_AUTO_TEST_CASE(server_hello_and_encrypted_extensions_in_one_record)
{
    // The first bytes of EncryptedExtensions travel in the ServerHello's
    // plaintext record.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0)) {
            auto ee = f.find(msg::encrypted_extensions).value();
            auto& sh = f.records.at(f.record_of(msg::server_hello).value());
            sh.content.insert(sh.content.end(), ee.begin(), ee.begin() + 3);
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::message_spans_key_change, alert::unexpected_message,
                        "key change");
}

BOOST_AUTO_TEST_CASE(client_hello_and_more_in_one_record)
{
    // The server's read key changes after the ClientHello.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 0)) {
            auto& ch = f.records.at(f.record_of(msg::client_hello).value());
            ch.content.push_back(std::byte{msg::finished});
            ch.content.push_back(std::byte{0});
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::message_spans_key_change, alert::unexpected_message,
                        "key change");
}

BOOST_AUTO_TEST_CASE(client_finished_and_key_update_fragment_in_one_record)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_server, 1)) {
            auto& fin = f.records.at(f.record_of(msg::finished).value());
            auto ku = key_update_message(0);
            fin.content.insert(fin.content.end(), ku.begin(), ku.begin() + 2);
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::message_spans_key_change, alert::unexpected_message,
                        "key change");
}

BOOST_AUTO_TEST_CASE(server_finished_and_more_in_one_record)
{
    // The client's read key changes after the server's Finished.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 0)) {
            auto& fin = f.records.at(f.record_of(msg::finished).value());
            auto nst = new_session_ticket();
            fin.content.insert(fin.content.end(), nst.begin(), nst.begin() + 5);
        }
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::message_spans_key_change, alert::unexpected_message,
                        "key change");
}

BOOST_DATA_TEST_CASE(key_update_and_more_in_one_record, data::make({to_server, to_client}), d)
{
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit = [d](clear_flight& f) {
        if (f.dir != d)
            return;
        auto& r = f.records.at(f.record_of(msg::key_update).value());
        auto more = key_update_message(0);
        r.content.insert(r.content.end(), more.begin(), more.end());
    };
    BOOST_TEST_REQUIRE(p.pair.sender(d).update_keys(false));
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::message_spans_key_change, alert::unexpected_message,
                        "key change");
}

BOOST_DATA_TEST_CASE(key_update_dropped, data::make({to_server, to_client}), d)
{
    // §4.6.3: "both sides MUST enforce that a KeyUpdate with the old key is
    // received before accepting any messages encrypted with the new key."
    // The KeyUpdate record is removed after sealing, so the data behind it
    // arrives under the next key and must not authenticate (§5.2).
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit_sealed = [d](flight& f) {
        if (f.dir == d) {
            BOOST_TEST_REQUIRE(f.records.size() == 2u);
            f.records.erase(f.records.begin());
        }
    };
    BOOST_TEST_REQUIRE(p.pair.sender(d).update_keys(false));
    BOOST_TEST(p.pair.sender(d).write(pattern(50)) == 50u);
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_record_mac, alert::bad_record_mac, "authentication");
    BOOST_TEST(p.pair.received(d).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ post-handshake

BOOST_AUTO_TEST_SUITE(post_handshake)

BOOST_DATA_TEST_CASE(key_update_with_invalid_request, data::make({to_server, to_client}) * data::make({2, 255}), d,
                     value)
{
    // §4.6.3: request_update is 0 or 1; "If an implementation receives any
    // other value, it MUST terminate the connection with an
    // "illegal_parameter" alert."
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit = [d, value](clear_flight& f) {
        if (f.dir == d)
            BOOST_TEST(f.edit(msg::key_update, [&](bytes& m) {
                m.at(handshake_header_size) = std::byte(static_cast<std::uint8_t>(value));
            }));
    };
    BOOST_TEST_REQUIRE(p.pair.sender(d).update_keys(false));
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::bad_key_update, alert::illegal_parameter, "KeyUpdate");
}

BOOST_DATA_TEST_CASE(key_update_of_wrong_length, data::make({to_server, to_client}) * data::make({0, 2}), d, length)
{
    // §4.6.3: KeyUpdate is one byte; §6.2 "decode_error" for a wrong length.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.mitm.edit = [d, length](clear_flight& f) {
        if (f.dir == d)
            BOOST_TEST(f.edit(msg::key_update, [&](bytes& m) {
                m.resize(handshake_header_size + static_cast<std::size_t>(length), std::byte{0});
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST_REQUIRE(p.pair.sender(d).update_keys(false));
    BOOST_TEST(p.pair.pump());
    if (length == 0)
        MTLS_CHECK_DETECTED(p, receiver_of(d), error::decode_error, alert::decode_error, "malformed");
    else
        MTLS_CHECK_DETECTED(p, receiver_of(d), error::trailing_data, alert::decode_error, "trailing");
}

namespace {

/// A CertificateRequest as sent after the handshake (§4.3.2): a non-empty
/// context and signature_algorithms.
bytes certificate_request()
{
    bytes b;
    put8(b, 1);
    put8(b, 0x42);  // certificate_request_context
    put16(b, 8);    // extensions
    put16(b, ext::signature_algorithms);
    put16(b, 4);
    put16(b, 2);
    put16(b, 0x0403);
    return make_handshake(msg::certificate_request, b);
}

/// After a completed handshake, `message` arrives protected at the receiver
/// of `d`, which must refuse it with "unexpected_message".
void expect_unexpected_after_handshake(direction d, const std::function<bytes(const tls13_mitm&)>& make)
{
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::handshake, make(p.mitm))));
    MTLS_CHECK_DETECTED(p, receiver_of(d), error::unexpected_message, alert::unexpected_message, "KeyUpdate, got");
}

} // namespace

BOOST_AUTO_TEST_CASE(certificate_request_without_post_handshake_auth)
{
    // §4.6.2: "A client that receives a CertificateRequest message without
    // having sent the "post_handshake_auth" extension MUST send an
    // "unexpected_message" fatal alert."
    expect_unexpected_after_handshake(to_client, [](const tls13_mitm&) { return certificate_request(); });
}

BOOST_AUTO_TEST_CASE(client_hello_after_handshake)
{
    // §4.1.2: "if a server has negotiated TLS 1.3 and receives a ClientHello
    // at any other time, it MUST terminate the connection with an
    // "unexpected_message" alert."
    expect_unexpected_after_handshake(
        to_server, [](const tls13_mitm& m) { return m.messages(to_server, msg::client_hello).at(0); });
}

BOOST_AUTO_TEST_CASE(server_hello_after_handshake)
{
    // §4: messages out of order are an "unexpected_message".
    expect_unexpected_after_handshake(
        to_client, [](const tls13_mitm& m) { return m.messages(to_client, msg::server_hello).at(0); });
}

BOOST_DATA_TEST_CASE(finished_after_handshake, data::make({to_server, to_client}), d)
{
    expect_unexpected_after_handshake(d, [d](const tls13_mitm& m) {
        return m.messages(d, msg::finished).at(0);
    });
}

BOOST_DATA_TEST_CASE(handshake_only_messages_after_handshake,
                     data::make({to_server, to_client}) *
                         data::make({int{msg::encrypted_extensions}, int{msg::certificate},
                                     int{msg::certificate_verify}}),
                     d, type_number)
{
    // §4: the server's handshake messages again, after the handshake, in
    // either direction.
    const auto type = static_cast<std::uint8_t>(type_number);
    expect_unexpected_after_handshake(d, [type](const tls13_mitm& m) { return m.messages(to_client, type).at(0); });
}

BOOST_AUTO_TEST_CASE(new_session_ticket_sent_to_the_server)
{
    // §4.6.1: only the server sends NewSessionTicket ("At any time after the
    // server has received the client Finished message, it MAY send").
    expect_unexpected_after_handshake(to_server, [](const tls13_mitm&) { return new_session_ticket(); });
}

BOOST_DATA_TEST_CASE(malformed_new_session_ticket, data::make({0, 1, 2}), variant)
{
    // §4.6.1: ticket<1..2^16-1>, then the extensions block; §6.2
    // "decode_error". Variant 0: empty ticket; 1: cut inside the ticket;
    // 2: a byte after the extensions.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    bytes nst = new_session_ticket();
    const std::size_t ticket_at = handshake_header_size + 4 + 4 + 2;
    if (variant == 0) {
        nst.erase(nst.begin() + static_cast<std::ptrdiff_t>(ticket_at + 2),
                  nst.begin() + static_cast<std::ptrdiff_t>(ticket_at + 2 + get16(nst, ticket_at)));
        set16(nst, ticket_at, 0);
    } else if (variant == 1) {
        nst.resize(ticket_at + 10);
    } else {
        nst.push_back(std::byte{0});
    }
    fix_handshake_length(nst);
    BOOST_TEST_REQUIRE(p.inject(to_client, protected_record(content::handshake, nst)));
    if (variant == 2)
        MTLS_CHECK_DETECTED(p, role::client, error::trailing_data, alert::decode_error, "trailing");
    else
        MTLS_CHECK_DETECTED(p, role::client, error::decode_error, alert::decode_error, "malformed");
}

BOOST_DATA_TEST_CASE(well_formed_new_session_ticket_is_accepted, data::make({0, 1}), with_extension)
{
    // §4.6.1: a client may keep or ignore a ticket; "Clients MUST ignore
    // unrecognized extensions." Nothing reaches the application, and the
    // connection goes on.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    bytes extensions;
    if (with_extension) {
        put16(extensions, 0x7A7A);
        put16(extensions, 3);
        put8(extensions, 1);
        put16(extensions, 2);
    }
    BOOST_TEST_REQUIRE(p.inject(to_client, protected_record(content::handshake, new_session_ticket(extensions))));
    BOOST_TEST_REQUIRE(p.inject(to_client, protected_record(content::handshake, new_session_ticket())));
    BOOST_TEST(!p.pair.client.failed(), describe(p.pair.client.error()));
    BOOST_TEST(p.pair.received(to_client).empty());
    BOOST_TEST(p.pair.exchange(pattern(100, 1), pattern(100, 2)));
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================== client certificate

BOOST_AUTO_TEST_SUITE(client_certificate)

BOOST_AUTO_TEST_CASE(required_but_not_sent)
{
    // §4.4.2.4: a server that requires a certificate and gets an empty
    // Certificate MAY "abort the handshake with a "certificate_required"
    // alert". The client has completed by then (its Finished is sent), so it
    // learns of it on its next read.
    mitm_pair p(client_context(), server_context_requiring_client_cert());
    p.pair.start();
    BOOST_TEST_REQUIRE(p.pair.send(to_server)); // ClientHello
    BOOST_TEST_REQUIRE(p.pair.send(to_client)); // ServerHello .. Finished, with CertificateRequest
    BOOST_TEST(p.pair.client.handshake_done());
    BOOST_TEST(!p.pair.client.failed());
    BOOST_TEST(p.pair.client.is_open());
    BOOST_TEST_REQUIRE(p.pair.send(to_server)); // empty Certificate, Finished
    auto cert = p.mitm.messages(to_server, msg::certificate);
    BOOST_TEST_REQUIRE(cert.size() == 1u);
    BOOST_TEST((cert.front() == make_handshake(msg::certificate, bytes(4, std::byte{0}))));
    BOOST_TEST(p.pair.server.failed());
    BOOST_TEST(!p.pair.server.handshake_done());
    BOOST_TEST(!p.pair.client.failed());
    BOOST_TEST_REQUIRE(p.pair.send(to_client)); // the alert, under the server's application key
    BOOST_TEST(p.pair.pump());
    MTLS_CHECK_DETECTED(p, role::server, error::peer_certificate_required, alert::certificate_required,
                        "certificate");
    BOOST_TEST(p.pair.client.handshake_done());
    BOOST_TEST(!p.pair.client.is_open());
    BOOST_TEST(p.pair.client.plaintext().empty());
}

BOOST_AUTO_TEST_SUITE_END()
