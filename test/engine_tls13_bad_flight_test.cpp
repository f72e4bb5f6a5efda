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
// This file: the encrypted handshake flights, post-handshake messages and
// the client certificate.

#define BOOST_TEST_MODULE engine_tls13_bad_flight
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
