// mtls::engine against malformed and hostile input: records and handshake
// messages changed, dropped, reordered or injected in flight between two
// engines. Each case checks both ends: the one that detects the problem fails
// with the error naming the cause and sends the matching alert; the other end
// reports that alert. Ends with a bit-flip sweep over whole flights that must
// always end in an error or a completed handshake, never a crash or a hang.

#define BOOST_TEST_MODULE engine_bad_input
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include <random>

using namespace mtls;
using namespace mtls::test;

// These tests drive the TLS 1.2 handshake message by message; TLS 1.3 has
// its own files.
BOOST_TEST_GLOBAL_FIXTURE(tls12_contexts);
namespace data = boost::unit_test::data;

namespace {

constexpr auto to_server = direction::to_server;
constexpr auto to_client = direction::to_client;

bool first_flight(const flight& f, direction d) { return f.dir == d && f.index == 0; }

/// The flight that carries this direction's ChangeCipherSpec.
bool ccs_flight(const flight& f, direction d)
{
    return f.dir == d && f.find_record(content::change_cipher_spec, false).has_value();
}

bytes finished_message() { return make_handshake(msg::finished, bytes(12, std::byte{0})); }

void flip_last_byte(bytes& m) { m.back() ^= std::byte{0x01}; }

} // namespace

BOOST_AUTO_TEST_SUITE(records)

BOOST_AUTO_TEST_CASE(unknown_content_type)
{
    // After the ClientHello: as the first record it would say that the peer
    // does not speak TLS (engine_not_tls_test.cpp).
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            f.records.insert(f.records.begin() + 1, record{0x19, 0x0303, bytes{std::byte{0}}});
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unknown_content_type, p.client, alert::unexpected_message);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(record_version_not_tls)
{
    // In the client's second flight: as the first record's version it would
    // say that the peer does not speak TLS (engine_not_tls_test.cpp).
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (f.dir == to_server && f.index == 1)
            f.records.at(0).version = 0x0200;
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_version, p.client, alert::protocol_version);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::protocol_version));
}

BOOST_AUTO_TEST_CASE(record_version_changes_after_handshake)
{
    // Once TLS 1.2 is settled every record header carries 0x0303.
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    p.tamper = [](flight& f) {
        if (f.dir == to_server)
            f.records.at(0).version = 0x0301;
    };
    p.client.write(pattern(10));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_version, p.client, alert::protocol_version);
}

BOOST_AUTO_TEST_CASE(plaintext_record_over_2_14)
{
    // RFC 5246 §6.2.1: a plaintext fragment is at most 2^14 bytes. Only the
    // header is sent: the length alone must be refused.
    engine_pair p(client_context(), server_context());
    p.tamper_bytes = [](direction d, std::size_t index, bytes& raw) {
        if (d == to_server && index == 0) {
            raw.clear();
            put8(raw, content::handshake);
            put16(raw, 0x0303);
            put16(raw, max_plaintext + 1);
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::record_overflow, p.client, alert::record_overflow);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::record_overflow));
}

BOOST_AUTO_TEST_CASE(ciphertext_record_over_2_14_plus_2048)
{
    // RFC 5246 §6.2.3: TLSCiphertext.length is at most 2^14 + 2048.
    engine_pair p(client_context(), server_context());
    MTLS_REQUIRE_HANDSHAKE(p);
    bytes header;
    put8(header, content::application_data);
    put16(header, 0x0303);
    put16(header, max_ciphertext + 1);
    p.inject(to_client, header);
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.client, error::record_overflow, p.server, alert::record_overflow);
}

BOOST_AUTO_TEST_CASE(zero_length_handshake_record)
{
    // RFC 5246 §6.2.1: no zero-length fragments of handshake records.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            f.records.insert(f.records.begin(), record{content::handshake, 0x0303, {}});
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::empty_record, p.client, alert::unexpected_message);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(truncated_record_then_eof)
{
    engine_pair p(client_context(), server_context());
    p.tamper_bytes = [](direction d, std::size_t index, bytes& raw) {
        if (d == to_server && index == 0)
            raw.resize(20);
    };
    p.start();
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(!p.server.failed());
    BOOST_TEST(p.server.wants_input());
    p.server.on_transport_eof();
    BOOST_TEST(describe(p.server.error()) == describe(make_error_code(error::stream_truncated)));
    BOOST_TEST(!p.server.handshake_done());
}

BOOST_AUTO_TEST_CASE(application_data_before_finished)
{
    // RFC 5246 §7.4.9: application data only after the Finished messages.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            f.records.push_back(record{content::application_data, 0x0303, pattern(10)});
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_record, p.client, alert::unexpected_message);
    BOOST_TEST(p.received(to_server).empty());
}

BOOST_AUTO_TEST_CASE(garbage_as_first_flight)
{
    const auto client_ctx = client_context();
    const auto server_ctx = server_context();
    std::mt19937 rng(20240601);
    for (int run = 0; run < 200; ++run) {
        BOOST_TEST_CONTEXT("run " << run)
        {
            bytes garbage(1 + rng() % 600);
            for (auto& b : garbage)
                b = std::byte(static_cast<std::uint8_t>(rng()));
            // At the server, in place of a ClientHello.
            engine server(server_ctx, role::server);
            server.start_handshake();
            server.feed(garbage);
            BOOST_TEST(server.failed());
            BOOST_TEST(!server.handshake_done());
            // At the client, in place of the server's flight.
            engine client(client_ctx, role::client);
            client.set_host_name("localhost");
            client.start_handshake();
            client.consume_output(client.output().size());
            client.feed(garbage);
            BOOST_TEST(client.failed());
            BOOST_TEST(!client.handshake_done());
        }
    }
}

BOOST_AUTO_TEST_CASE(garbage_inside_a_valid_record_header)
{
    // A well-formed handshake record whose body is noise: it may look like
    // the start of a long message (then the engine waits), never a crash.
    const auto server_ctx = server_context();
    std::mt19937 rng(7);
    for (int run = 0; run < 200; ++run) {
        bytes body(1 + rng() % 300);
        for (auto& b : body)
            b = std::byte(static_cast<std::uint8_t>(rng()));
        engine server(server_ctx, role::server);
        server.start_handshake();
        server.feed(make_record(content::handshake, body));
        if (!server.failed()) {
            server.on_transport_eof();
            BOOST_TEST(server.failed());
        }
        BOOST_TEST(!server.handshake_done());
    }
}

BOOST_DATA_TEST_CASE(handshake_in_tiny_records, data::make({std::size_t{1}, std::size_t{7}, std::size_t{1000}}), size)
{
    // RFC 5246 §6.2.1: handshake messages may be fragmented across records in
    // any way; both first flights are re-cut into records of `size` bytes.
    engine_pair p(client_context("client-ecdsa"), server_context_requiring_client_cert());
    p.tamper = [size](flight& f) {
        if (f.index != 0)
            return;
        bytes payload;
        for (const auto& r : f.records) {
            BOOST_TEST_REQUIRE(r.type == content::handshake);
            payload.insert(payload.end(), r.body.begin(), r.body.end());
        }
        f.records.clear();
        for (std::size_t off = 0; off < payload.size(); off += size) {
            auto n = std::min(size, payload.size() - off);
            f.records.push_back(record{content::handshake, 0x0303,
                                       bytes(payload.begin() + static_cast<std::ptrdiff_t>(off),
                                             payload.begin() + static_cast<std::ptrdiff_t>(off + n))});
        }
    };
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST(p.exchange(pattern(100), pattern(100)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handshake_structure)

BOOST_AUTO_TEST_CASE(server_hello_done_right_after_server_hello)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client)) {
            BOOST_TEST(f.drop(msg::certificate));
            BOOST_TEST(f.drop(msg::server_key_exchange));
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::unexpected_message, p.server, alert::unexpected_message);
    BOOST_TEST(last_fatal_alert(p, to_server) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(server_key_exchange_before_certificate)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client)) {
            auto cert = f.find(msg::certificate);
            BOOST_TEST_REQUIRE(cert.has_value());
            BOOST_TEST(f.drop(msg::certificate));
            BOOST_TEST(f.insert_after(msg::server_key_exchange, *cert));
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::unexpected_message, p.server, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(duplicate_server_hello)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client)) {
            auto sh = f.find(msg::server_hello);
            BOOST_TEST_REQUIRE(sh.has_value());
            BOOST_TEST(f.insert_after(msg::server_hello, *sh));
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::unexpected_message, p.server, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(second_client_hello)
{
    engine_pair p(client_context(), server_context());
    bytes client_hello;
    p.tamper = [&](flight& f) {
        if (first_flight(f, to_server))
            client_hello = f.find(msg::client_hello).value();
        else if (f.dir == to_server && f.index == 1)
            f.records.insert(f.records.begin(), record{content::handshake, 0x0303, client_hello});
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_message, p.client, alert::unexpected_message);
}

/// Replaces the ChangeCipherSpec and encrypted Finished sent in `d` by a
/// plaintext Finished.
static std::function<void(flight&)> plaintext_finished_instead_of_ccs(direction d)
{
    return [d](flight& f) {
        if (ccs_flight(f, d)) {
            auto ccs = *f.find_record(content::change_cipher_spec, false);
            f.records.resize(ccs);
            f.records.push_back(record{content::handshake, 0x0303, finished_message()});
        }
    };
}

BOOST_AUTO_TEST_CASE(client_finished_before_change_cipher_spec)
{
    // The client's CCS and encrypted Finished are replaced by a plaintext
    // Finished: the server expects ChangeCipherSpec (RFC 5246 §7.4.9).
    engine_pair p(client_context(), server_context());
    p.tamper = plaintext_finished_instead_of_ccs(to_server);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_message, p.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(server_finished_before_change_cipher_spec)
{
    engine_pair p(client_context(), server_context());
    p.tamper = plaintext_finished_instead_of_ccs(to_client);
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::unexpected_message, p.server, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(change_cipher_spec_before_client_key_exchange)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (ccs_flight(f, to_server)) {
            auto ccs = *f.find_record(content::change_cipher_spec, false);
            auto r = f.records[ccs];
            f.records.erase(f.records.begin() + static_cast<std::ptrdiff_t>(ccs));
            f.records.insert(f.records.begin(), r);
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_message, p.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(hello_request_sent_to_a_server)
{
    // HelloRequest is a server-to-client message (RFC 5246 §7.4.1.1).
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            f.records.push_back(record{content::handshake, 0x0303, make_handshake(msg::hello_request, {})});
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_message, p.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(hello_request_during_handshake_is_ignored)
{
    // RFC 5246 §7.4.1.1: "This message will be ignored by the client if the
    // client is currently negotiating a session", and it is not part of the
    // handshake hash, so the handshake still completes.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.insert_after(msg::server_hello, make_handshake(msg::hello_request, {})));
    };
    MTLS_REQUIRE_HANDSHAKE(p);
}

BOOST_AUTO_TEST_CASE(inner_length_past_the_message)
{
    // The ClientHello's extensions block claims 5 bytes more than remain.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                auto at = layout_of(m).extensions;
                set16(m, at, get16(m, at) + 5);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::decode_error, p.client, alert::decode_error);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::decode_error));
}

BOOST_AUTO_TEST_CASE(trailing_bytes_after_client_hello_extensions)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                m.push_back(std::byte{0});
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::trailing_data, p.client, alert::decode_error);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_in_server_hello_done)
{
    // RFC 5246 §7.4.5: ServerHelloDone has an empty body.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello_done, [](bytes& m) {
                m.push_back(std::byte{0});
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::trailing_data, p.server, alert::decode_error);
    BOOST_TEST(last_fatal_alert(p, to_server) == int(alert::decode_error));
}

BOOST_AUTO_TEST_CASE(duplicate_extension_in_client_hello)
{
    // RFC 5246 §7.4.1.4: at most one extension of each type.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                auto at = find_extension(m, ext::supported_groups);
                BOOST_TEST_REQUIRE(at.has_value());
                bytes copy(m.begin() + static_cast<std::ptrdiff_t>(*at),
                           m.begin() + static_cast<std::ptrdiff_t>(*at + 4 + get16(m, *at + 2)));
                auto l = layout_of(m);
                set16(m, l.extensions, get16(m, l.extensions) + copy.size());
                m.insert(m.end(), copy.begin(), copy.end());
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::duplicate_extension, p.client, alert::illegal_parameter);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(negotiation)

BOOST_AUTO_TEST_CASE(client_hello_without_null_compression)
{
    // RFC 5246 §7.4.1.2: the list must contain null; TLS 1.2 implementations
    // refuse compression (RFC 7457 §2.6, CRIME).
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                auto at = layout_of(m).compression;
                BOOST_TEST_REQUIRE(std::to_integer<int>(m.at(at)) == 1);
                m.at(at + 1) = std::byte{1}; // DEFLATE
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::compression_not_null, p.client, alert::illegal_parameter);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(server_hello_chooses_compression)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { m.at(layout_of(m).compression) = std::byte{1}; }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::compression_not_null, p.server, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(server_hello_chooses_suite_not_offered)
{
    // RFC 5246 §7.4.1.3: the suite must come from the client's list.
    auto client_ctx = client_context();
    client_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    engine_pair p(client_ctx, server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                auto at = layout_of(m).suites;
                BOOST_TEST_REQUIRE(get16(m, at) == 0xC02Bu);
                set16(m, at, 0xC02C);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::suite_not_offered, p.server, alert::illegal_parameter);
    BOOST_TEST(last_fatal_alert(p, to_server) == int(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(client_hello_version_below_tls12)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) { set16(m, handshake_header_size, 0x0302); }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::protocol_version, p.client, alert::protocol_version);
}

BOOST_AUTO_TEST_CASE(server_hello_version_below_tls12)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { set16(m, handshake_header_size, 0x0302); }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::protocol_version, p.server, alert::protocol_version);
}

BOOST_AUTO_TEST_CASE(client_hello_without_extended_master_secret)
{
    // RFC 7627 §5.3: a server that requires EMS aborts with handshake_failure.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) { BOOST_TEST(remove_extension(m, ext::extended_master_secret)); }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::ems_required, p.client, alert::handshake_failure);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::handshake_failure));
}

BOOST_AUTO_TEST_CASE(server_hello_without_extended_master_secret)
{
    // RFC 7627 §5.3: a client that requires EMS aborts with handshake_failure.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) { BOOST_TEST(remove_extension(m, ext::extended_master_secret)); }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::ems_required, p.server, alert::handshake_failure);
}

BOOST_AUTO_TEST_CASE(client_hello_renegotiation_info_not_empty)
{
    // RFC 5746 §3.6: in an initial handshake renegotiated_connection is
    // empty; otherwise the server aborts, which §3.4 defines as a fatal
    // handshake_failure alert.
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
                bytes data{std::byte{12}};
                data.resize(13, std::byte{0x5A});
                if (!replace_extension(m, ext::renegotiation_info, data)) {
                    // Offered by SCSV only: add the extension.
                    auto l = layout_of(m);
                    bytes e;
                    put16(e, ext::renegotiation_info);
                    put16(e, data.size());
                    e.insert(e.end(), data.begin(), data.end());
                    set16(m, l.extensions, get16(m, l.extensions) + e.size());
                    m.insert(m.end(), e.begin(), e.end());
                    fix_handshake_length(m);
                }
            }));
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST(p.server.error() == make_error_code(error::renegotiation_info_invalid));
    BOOST_TEST(describe(p.client.error()) == describe(make_error_code(alert::handshake_failure)));
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::handshake_failure));
}

BOOST_AUTO_TEST_CASE(server_hello_renegotiation_info_not_empty)
{
    // RFC 5746 §3.4: the client "MUST abort the handshake (by sending a fatal
    // handshake_failure alert)".
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, [](bytes& m) {
                bytes data{std::byte{24}};
                data.resize(25, std::byte{0x5A});
                BOOST_TEST(replace_extension(m, ext::renegotiation_info, data));
            }));
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST(p.client.error() == make_error_code(error::renegotiation_info_invalid));
    BOOST_TEST(describe(p.server.error()) == describe(make_error_code(alert::handshake_failure)));
    BOOST_TEST(last_fatal_alert(p, to_server) == int(alert::handshake_failure));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_DATA_TEST_CASE(bad_server_key_exchange_signature,
                     data::make({std::string("server-ecdsa"), std::string("server-rsa")}), credential)
{
    // In TLS 1.2 the server's first flight is plaintext: the last byte of the
    // ServerKeyExchange is the last byte of its signature.
    engine_pair p(client_context(), server_context(credential));
    p.tamper = [](flight& f) {
        if (first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_key_exchange, flip_last_byte));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::bad_key_exchange_signature, p.server, alert::decrypt_error);
    BOOST_TEST(last_fatal_alert(p, to_server) == int(alert::decrypt_error));
}

// RFC 8422 §5.4: the ServerKeyExchange signature covers client_random,
// server_random and the ECDHE parameters; a change to any of them in flight
// leaves a signature that no longer verifies.
BOOST_DATA_TEST_CASE(server_key_exchange_signature_covers_randoms_and_parameters,
                     data::make({std::string("client_random"), std::string("server_random"),
                                 std::string("public_key")}),
                     covered)
{
    engine_pair p(client_context(), server_context());
    // Offsets in the whole message: 4-byte header, then ClientHello and
    // ServerHello have a 2-byte version before the random; ServerKeyExchange
    // has curve_type, group and the key's length byte before the key.
    p.tamper = [&](flight& f) {
        auto flip = [](std::size_t at) { return [at](bytes& m) { m.at(at) ^= std::byte{0x01}; }; };
        if (covered == "client_random" && first_flight(f, to_server))
            BOOST_TEST(f.edit(msg::client_hello, flip(4 + 2)));
        if (covered == "server_random" && first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_hello, flip(4 + 2)));
        if (covered == "public_key" && first_flight(f, to_client))
            BOOST_TEST(f.edit(msg::server_key_exchange, flip(4 + 1 + 2 + 1 + 5)));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::bad_key_exchange_signature, p.server, alert::decrypt_error);
}

BOOST_DATA_TEST_CASE(bad_certificate_verify, data::make({std::string("client-ecdsa"), std::string("client-rsa")}),
                     credential)
{
    engine_pair p(client_context(credential), server_context_requiring_client_cert());
    p.tamper = [](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::certificate_verify, flip_last_byte));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_certificate_verify, p.client, alert::decrypt_error);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::decrypt_error));
}

BOOST_AUTO_TEST_CASE(client_key_exchange_point_off_the_curve)
{
    // RFC 8422 §5.11: the peer's point must be validated (on the curve).
    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::secp256r1});
    engine_pair p(client_context(), server_ctx);
    p.tamper = [](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::client_key_exchange, [](bytes& m) {
                // length byte, then 0x04 || X || Y; change Y.
                BOOST_TEST_REQUIRE(m.size() == handshake_header_size + 1 + 65);
                BOOST_TEST_REQUIRE(std::to_integer<int>(m.at(handshake_header_size + 1)) == 4);
                m.back() ^= std::byte{0x01};
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::invalid_key_share, p.client, alert::illegal_parameter);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(client_key_exchange_x25519_all_zero)
{
    // RFC 8422 §5.11 / RFC 7748 §6.1: an all-zero X25519 shared secret
    // (from a low-order point such as 0) must be refused.
    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::x25519});
    engine_pair p(client_context(), server_ctx);
    p.tamper = [](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::client_key_exchange, [](bytes& m) {
                BOOST_TEST_REQUIRE(m.size() == handshake_header_size + 1 + 32);
                std::fill(m.begin() + handshake_header_size + 1, m.end(), std::byte{0});
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::invalid_key_share, p.client, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(client_key_exchange_point_of_wrong_length)
{
    auto server_ctx = server_context();
    server_ctx.set_groups({named_group::secp256r1});
    engine_pair p(client_context(), server_ctx);
    p.tamper = [](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::client_key_exchange, [](bytes& m) {
                m.pop_back();
                m.at(handshake_header_size) = std::byte{64};
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::invalid_key_share, p.client, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(transcripts_differ_finished_fails)
{
    // Without EMS the keys depend only on the randoms and the premaster
    // secret, so changing a suite the server does not choose leaves the keys
    // equal and only the transcripts different: Finished must catch it
    // (RFC 5246 §7.4.9).
    auto client_ctx = client_context();
    client_ctx.set_require_extended_master_secret(false);
    auto server_ctx = server_context();
    server_ctx.set_require_extended_master_secret(false);
    server_ctx.set_cipher_suites({cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256});
    engine_pair p(client_ctx, server_ctx);
    p.tamper = [](flight& f) {
        if (!first_flight(f, to_server))
            return;
        BOOST_TEST(f.edit(msg::client_hello, [](bytes& m) {
            BOOST_TEST(remove_extension(m, ext::extended_master_secret));
            auto at = layout_of(m).suites;
            auto n = get16(m, at) / 2;
            for (std::size_t i = 0; i < n; ++i) {
                auto s = get16(m, at + 2 + 2 * i);
                if (s != 0xC02B && s != 0x00FF) {
                    set16(m, at + 2 + 2 * i, 0x0A0A);
                    return;
                }
            }
            BOOST_FAIL("no other suite offered");
        }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_finished, p.client, alert::decrypt_error);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::decrypt_error));
}

BOOST_AUTO_TEST_CASE(client_finished_record_modified)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (ccs_flight(f, to_server)) {
            auto i = f.find_record(content::handshake, true);
            BOOST_TEST_REQUIRE(i.has_value());
            f.records[*i].body.at(f.records[*i].body.size() / 2) ^= std::byte{0x80};
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_mac, p.client, alert::bad_record_mac);
}

BOOST_AUTO_TEST_CASE(server_finished_record_modified)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [](flight& f) {
        if (ccs_flight(f, to_client)) {
            auto i = f.find_record(content::handshake, true);
            BOOST_TEST_REQUIRE(i.has_value());
            f.records[*i].body.back() ^= std::byte{0x01};
        }
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::bad_record_mac, p.server, alert::bad_record_mac);
    BOOST_TEST(!p.client.handshake_done());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sweep)

namespace {

/// Flips one bit at each byte position of one flight in turn; every run must
/// settle, and end with a failure or a completed handshake.
void flip_every_byte(direction d, std::size_t flight_index)
{
    const auto client_ctx = client_context("client-ecdsa");
    const auto server_ctx = server_context_requiring_client_cert();

    std::size_t flight_size = 0;
    {
        engine_pair p(client_ctx, server_ctx);
        p.tamper_bytes = [&](direction fd, std::size_t index, bytes& raw) {
            if (fd == d && index == flight_index)
                flight_size = raw.size();
        };
        MTLS_REQUIRE_HANDSHAKE(p);
    }
    BOOST_TEST_REQUIRE(flight_size > 100u);

    std::size_t completed = 0;
    // ECDSA signatures vary in length by a byte or two, so late positions
    // may fall past the end of a shorter flight; those runs change nothing.
    for (std::size_t pos = 0; pos < flight_size; ++pos) {
        BOOST_TEST_CONTEXT("byte " << pos)
        {
            engine_pair p(client_ctx, server_ctx);
            p.tamper_bytes = [&](direction fd, std::size_t index, bytes& raw) {
                if (fd == d && index == flight_index && pos < raw.size())
                    raw[pos] ^= std::byte(static_cast<std::uint8_t>(1u << (pos % 8)));
            };
            p.start();
            BOOST_TEST_REQUIRE(p.pump(1000));
            if (!p.client.failed() && !p.server.failed() && !p.handshake_ok()) {
                // A length made longer leaves both sides waiting for bytes
                // that never come: the transport ends.
                p.client.on_transport_eof();
                p.server.on_transport_eof();
                BOOST_TEST_REQUIRE(p.pump(1000));
            }
            BOOST_TEST((p.client.failed() || p.server.failed() || p.handshake_ok()));
            if (p.handshake_ok())
                ++completed;
        }
    }
    BOOST_TEST_MESSAGE(d << " flight " << flight_index << ": " << flight_size << " positions, " << completed
                         << " still completed");
    // Everything but record header versions is covered by the transcript.
    BOOST_TEST(completed < flight_size / 20);
}

} // namespace

BOOST_AUTO_TEST_CASE(server_first_flight_bit_flips) { flip_every_byte(to_client, 0); }

BOOST_AUTO_TEST_CASE(client_second_flight_bit_flips) { flip_every_byte(to_server, 1); }

BOOST_AUTO_TEST_SUITE_END()
