// mtls::engine against malformed and hostile TLS 1.3 input, engine to engine
// in memory. A man in the middle (support/tls13_mitm.hpp) decrypts each
// flight with the secrets the engines log, lets a test change, drop, add or
// reorder handshake messages and records, and protects them again with the
// keys the receiver expects, so the check under test is reached and not a
// MAC failure in front of it. Each case checks both ends: the one that detects the
// problem fails with the error naming the cause and sends the alert RFC 8446
// requires (seen on the wire, decrypted when protected); the other end
// reports that alert.
//
// This file: the hellos (ClientHello, ServerHello, HelloRetryRequest), and
// that the man in the middle itself changes nothing.

#define BOOST_TEST_MODULE engine_tls13_bad_hello
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"
#include "support/tls13_bad_input.hpp"
#include "support/tls13_mitm.hpp"

#include <string>
#include <string_view>

using namespace mtls;
using namespace mtls::test;
using namespace mtls::test::mitm;
namespace data = boost::unit_test::data;

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
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { add_extension(m, ext::server_name, {}); }));
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
                BOOST_TEST(remove_extension(m, ext::cookie));
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

BOOST_AUTO_TEST_CASE(tls12_server_hello_after_hello_retry_request)
{
    // §4.1.4: a HelloRetryRequest settles TLS 1.3; a ServerHello after it
    // without supported_versions speaks TLS 1.2, which the client refuses.
    mitm_pair p(client_context(), hrr_server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (is(f, to_client, 1))
            BOOST_TEST(f.edit(msg::server_hello,
                              [](bytes& m) { BOOST_TEST(remove_extension(m, ext::supported_versions)); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::version_not_offered, alert::illegal_parameter, "version");
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
                auto cookie = extension_data(m, ext::cookie);
                BOOST_TEST_REQUIRE(cookie.has_value());
                flip_last_byte(*cookie);
                BOOST_TEST(replace_extension(m, ext::cookie, *cookie));
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
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) { BOOST_TEST(remove_extension(m, ext::cookie)); }));
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
