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
// This file: protected records, ChangeCipherSpec and key changes.

#define BOOST_TEST_MODULE engine_tls13_bad_records
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

// =================================================================== records

namespace {

/// A server whose first write carries only its data: the tests below count
/// the records of a write, and tickets would ride ahead of it (RFC 8446 §4.6.1).
context server_without_tickets()
{
    auto ctx = server_context();
    ctx.set_session_tickets(false);
    return ctx;
}

} // namespace

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
    mitm_pair p(client_context(), server_without_tickets());
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
    mitm_pair p(client_context(), server_without_tickets());
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
