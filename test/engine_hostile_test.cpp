// A dishonest peer against the engine: the RFCs' edge rules (record
// versions, interleaving, early data), the limits on what a peer can make us
// hold or do (message caps, records without progress, queued output), the
// alert each failure sends, and errors that name what was expected.

#define BOOST_TEST_MODULE engine_hostile
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"
#include "support/tls13_mitm.hpp"

#include <string>

using namespace mtls;
using namespace mtls::test;
using namespace mtls::test::mitm;
namespace data = boost::unit_test::data;

namespace {

constexpr auto to_server = direction::to_server;
constexpr auto to_client = direction::to_client;

context with_versions(context ctx, tls_version min, tls_version max)
{
    ctx.set_min_version(min);
    ctx.set_max_version(max);
    return ctx;
}
context tls12(context ctx) { return with_versions(std::move(ctx), tls_version::tls12, tls_version::tls12); }
context tls13(context ctx) { return with_versions(std::move(ctx), tls_version::tls13, tls_version::tls13); }

bool first_flight(const flight& f, direction d) { return f.dir == d && f.index == 0; }

/// Removes the plaintext record holding the first handshake message of `type`.
bool drop_record_of(flight& f, std::uint8_t type)
{
    for (auto it = f.records.begin(); it != f.records.end(); ++it)
        if (it->type == content::handshake && !it->encrypted && !it->body.empty() &&
            std::to_integer<std::uint8_t>(it->body[0]) == type) {
            f.records.erase(it);
            return true;
        }
    return false;
}

/// Engine hooks whose ClientHello (every one sent) passes through `fn`.
engine_test_hooks editing_hello(std::function<void(bytes&)> fn)
{
    engine_test_hooks h;
    h.edit_client_hello = std::move(fn);
    return h;
}

/// Total bytes `e` has queued, drained.
std::size_t drain_output(engine& e)
{
    std::size_t n = 0;
    for (auto out = e.output(); !out.empty(); out = e.output()) {
        n += out.size();
        e.consume_output(out.size());
    }
    return n;
}

bytes one_byte(int v) { return bytes{std::byte(static_cast<std::uint8_t>(v))}; }

/// Gives the first entry of a TLS 1.3 Certificate (RFC 8446 §4.4.2: an empty
/// context<0..255>, certificate_list<0..2^24-1>, each entry cert_data<1..2^24-1>
/// then extensions<0..2^16-1>, empty as mtls sends it) the extensions block `exts`.
void set_first_entry_extensions(bytes& m, const bytes& exts)
{
    const std::size_t list = handshake_header_size + 1;
    const std::size_t entry = list + 3;
    const std::size_t block = entry + 3 + get24(m, entry);
    BOOST_TEST_REQUIRE(get16(m, block) == 0u);
    set16(m, block, exts.size());
    m.insert(m.begin() + static_cast<std::ptrdiff_t>(block + 2), exts.begin(), exts.end());
    set24(m, list, get24(m, list) + exts.size());
    fix_handshake_length(m);
}

} // namespace

// ======================================================= record versions

BOOST_AUTO_TEST_SUITE(record_versions)

BOOST_DATA_TEST_CASE(client_hello_record_version_any_03xx, data::make({0x0300, 0x0301, 0x03FF}), version)
{
    // RFC 5246 Appendix E.1, RFC 8446 §5.1: the record of the first
    // ClientHello may carry any {03,XX}; SSL 3.0-era clients send 0x0300.
    engine_pair p(client_context(), server_context());
    p.tamper = [&](flight& f) {
        if (first_flight(f, to_server))
            f.records.front().version = static_cast<std::uint16_t>(version);
    };
    MTLS_REQUIRE_HANDSHAKE(p);
}

BOOST_AUTO_TEST_CASE(client_hello_record_version_0200_is_not_tls)
{
    // No {03,XX} in the first record: the peer does not speak TLS, and gets
    // no alert it could not read.
    engine_pair p(client_context(), server_context());
    p.tamper = [&](flight& f) {
        if (first_flight(f, to_server))
            f.records.front().version = 0x0200;
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST(describe(cause_code(p.server.error())) == describe(make_error_code(error::peer_not_tls)));
    BOOST_TEST(p.log(to_client).empty());
}

BOOST_AUTO_TEST_CASE(tls12_record_version_after_hello_must_be_0303)
{
    engine_pair p(tls12(client_context()), tls12(server_context()));
    p.tamper = [&](flight& f) {
        if (f.dir == to_server && f.index == 1)
            f.records.front().version = 0x0301;
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_record_version, p.client, alert::protocol_version);
}

BOOST_DATA_TEST_CASE(tls13_legacy_record_version_ignored, data::make({0x0000, 0x0301, 0x7A7A, 0xFFFF}), version)
{
    // RFC 8446 §5.1: after the ClientHello, legacy_record_version "MUST be
    // ignored for all purposes": in the handshake and after it.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [&](clear_flight& f) {
        if (f.dir == to_server && f.index == 1)
            for (auto& r : f.records)
                r.version = static_cast<std::uint16_t>(version);
    };
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    auto r = protected_record(content::application_data, pattern(12, 5));
    r.version = static_cast<std::uint16_t>(version);
    BOOST_TEST_REQUIRE(p.inject(to_server, r));
    BOOST_TEST(!p.pair.server.failed(), p.pair.server.error().message());
    BOOST_TEST((p.pair.received(to_server) == pattern(12, 5)));
}

BOOST_DATA_TEST_CASE(hello_legacy_version_ssl3_or_older_refused, data::make({0x0300, 0x0200}), version)
{
    // RFC 8446 §D.5: "Any endpoint receiving a Hello message with
    // ClientHello.legacy_version ... set to 0x0300 MUST abort the handshake
    // with a "protocol_version" alert", also when supported_versions offers 1.3.
    engine_pair p(client_context(), server_context(), editing_hello([&](bytes& hello) {
                      set16(hello, handshake_header_size, static_cast<std::size_t>(version));
                  }));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::protocol_version, p.client, alert::protocol_version);
}

BOOST_AUTO_TEST_CASE(server_hello_legacy_version_ssl3_refused)
{
    engine_pair p(client_context(), server_context());
    p.tamper = [&](flight& f) {
        if (first_flight(f, to_client))
            f.edit(msg::server_hello, [](bytes& m) { set16(m, handshake_header_size, 0x0300); });
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::protocol_version, p.server, alert::protocol_version);
}

BOOST_AUTO_TEST_SUITE_END()

// ========================================================== interleaving

BOOST_AUTO_TEST_SUITE(interleaving)

BOOST_AUTO_TEST_CASE(application_data_between_client_hello_fragments)
{
    // RFC 8446 §5.1: "if a handshake message is split over two or more
    // records, there MUST NOT be any other records between them."
    engine_pair p(client_context(), server_context());
    p.tamper = [&](flight& f) {
        if (!first_flight(f, to_server))
            return;
        auto hello = f.records.front().body;
        const auto cut = static_cast<std::ptrdiff_t>(hello.size() / 2);
        f.records = {test::record{content::handshake, 0x0303, bytes(hello.begin(), hello.begin() + cut)},
                     test::record{content::application_data, 0x0303, pattern(4)},
                     test::record{content::handshake, 0x0303, bytes(hello.begin() + cut, hello.end())}};
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::handshake_fragments_interleaved, p.client, alert::unexpected_message);
}

BOOST_DATA_TEST_CASE(application_data_between_key_update_fragments, data::make({to_server, to_client}), d)
{
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    const auto ku = key_update_message(0);
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::handshake, bytes(ku.begin(), ku.begin() + 2))));
    BOOST_TEST_REQUIRE(p.inject(d, protected_record(content::application_data, pattern(3))));
    MTLS_CHECK_DETECTED(p, d == to_server ? role::server : role::client, error::handshake_fragments_interleaved,
                        alert::unexpected_message, "between the fragments");
}

BOOST_AUTO_TEST_CASE(key_update_split_with_nothing_between_is_fine)
{
    // The rule is about other records, not about fragmentation itself.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    const auto ku = key_update_message(0);
    BOOST_TEST_REQUIRE(p.inject(to_server, protected_record(content::handshake, bytes(ku.begin(), ku.begin() + 2))));
    BOOST_TEST_REQUIRE(p.inject(to_server, protected_record(content::handshake, bytes(ku.begin() + 2, ku.end()))));
    BOOST_TEST(!p.pair.server.failed(), p.pair.server.error().message());
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ key update

BOOST_AUTO_TEST_SUITE(key_update_flood)

BOOST_AUTO_TEST_CASE(requests_from_a_peer_that_never_reads_get_one_answer)
{
    // RFC 8446 §4.6.3 lets requests that arrive while we are silent share
    // one answer. 2000 requests (each followed by a byte of data, so that
    // the flood limit does not end it first) leave one KeyUpdate queued.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    drain_output(p.pair.server);
    for (int i = 0; i < 2000; ++i) {
        p.pair.inject(to_server, p.mitm.seal(to_server, protected_record(content::handshake, key_update_message(1))));
        p.pair.inject(to_server, p.mitm.seal(to_server, protected_record(content::application_data, pattern(1))));
    }
    BOOST_TEST_REQUIRE(!p.pair.server.failed(), p.pair.server.error().message());
    BOOST_TEST(p.pair.received(to_server).size() == 2000u);
    // One KeyUpdate record: header, message, inner type and tag.
    BOOST_TEST(drain_output(p.pair.server) == record_header_size + 5 + 1 + 16);
    // Once we send data again, the next request gets an answer of its own.
    BOOST_TEST(p.pair.server.write(pattern(10)) == 10u);
    drain_output(p.pair.server);
    p.pair.inject(to_server, p.mitm.seal(to_server, protected_record(content::handshake, key_update_message(1))));
    BOOST_TEST(drain_output(p.pair.server) == record_header_size + 5 + 1 + 16);
}

BOOST_AUTO_TEST_CASE(queued_output_holds_input_back)
{
    // An echoing server whose peer sends requests and data but never reads:
    // once 256 KiB wait to be sent, the engine takes no more input, so its
    // memory stops growing however long the peer goes on.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    drain_output(p.pair.server);
    const bytes reply = pattern(1024);
    for (int i = 0; i < 2000; ++i) {
        p.pair.inject(to_server, p.mitm.seal(to_server, protected_record(content::handshake, key_update_message(1))));
        p.pair.inject(to_server, p.mitm.seal(to_server, protected_record(content::application_data, pattern(1))));
        for (auto& got = p.pair.received(to_server); !got.empty(); got.pop_back())
            p.pair.server.write(reply);
    }
    BOOST_TEST_REQUIRE(!p.pair.server.failed(), p.pair.server.error().message());
    BOOST_TEST(p.pair.server.input_space().empty());
    BOOST_TEST(!p.pair.server.wants_input());
    const std::size_t queued = drain_output(p.pair.server);
    // 256 KiB, plus the reply and answer that crossed the line.
    BOOST_TEST(queued > 256u * 1024u);
    BOOST_TEST(queued < 256u * 1024u + 2 * 1024u);
    // Sent, the output lets input in again.
    BOOST_TEST(!p.pair.server.input_space().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ========================================================= alert choices

BOOST_AUTO_TEST_SUITE(alert_choices)

BOOST_AUTO_TEST_CASE(oversized_handshake_message_is_illegal_parameter_at_its_header)
{
    // A ClientHello header announcing 2^16 + 1 bytes fails as soon as its
    // four bytes are in, before any body: illegal_parameter, as OpenSSL's
    // "excessive message size", not the record layer's record_overflow.
    engine server(server_context(), role::server);
    server.start_handshake();
    bytes header;
    put8(header, msg::client_hello);
    put24(header, (1u << 16) + 1);
    server.feed(make_record(content::handshake, header, 0x0301));
    BOOST_TEST(cause_code(server.error()) == make_error_code(error::handshake_message_too_large));
    const auto out = server.output();
    BOOST_TEST_REQUIRE(out.size() == 7u);
    BOOST_TEST(std::to_integer<int>(out[6]) == int(alert::illegal_parameter));
}

BOOST_AUTO_TEST_CASE(client_hello_header_at_its_cap_waits_for_the_body)
{
    engine server(server_context(), role::server);
    server.start_handshake();
    bytes header;
    put8(header, msg::client_hello);
    put24(header, 1u << 16);
    server.feed(make_record(content::handshake, header, 0x0301));
    BOOST_TEST(!server.failed(), server.error().message());
    BOOST_TEST(server.wants_input());
}

BOOST_DATA_TEST_CASE(each_message_type_has_its_cap,
                     data::make({msg::finished, msg::client_key_exchange, msg::certificate_verify,
                                 msg::server_hello_done, msg::key_update}) ^
                         data::make({64, 256, 8192, 64, 64}),
                     type, cap)
{
    // Small messages have small caps: one byte over fails at the header.
    for (int extra : {0, 1}) {
        engine server(server_context(), role::server);
        server.start_handshake();
        bytes header;
        put8(header, type);
        put24(header, static_cast<std::size_t>(cap + extra));
        server.feed(make_record(content::handshake, header, 0x0301));
        BOOST_TEST(server.failed() == (extra == 1));
        if (extra == 1)
            BOOST_TEST(cause_code(server.error()) == make_error_code(error::handshake_message_too_large));
    }
}

BOOST_DATA_TEST_CASE(certificate_cap_is_max_certificate_list, data::make({0, 1}), over)
{
    // context::set_max_certificate_list bounds the peer's Certificate: at
    // the limit it is read, one byte under it fails at the header.
    std::size_t size = 0;
    {
        engine_pair probe(tls12(client_context("client-ecdsa")), tls12(server_context_requiring_client_cert()));
        MTLS_REQUIRE_HANDSHAKE(probe);
        // Plaintext records only: the encrypted Finished can look like a
        // Certificate header by chance.
        for (const auto& r : probe.log(to_server))
            if (!r.encrypted)
                for (const auto& m : messages_of(r))
                    if (message_type(m) == msg::certificate)
                        size = m.size() - handshake_header_size;
    }
    BOOST_TEST_REQUIRE(size > 0u);
    auto server_ctx = tls12(server_context_requiring_client_cert());
    server_ctx.set_max_certificate_list(size - static_cast<std::size_t>(over));
    engine_pair p(tls12(client_context("client-ecdsa")), server_ctx);
    if (over == 0) {
        MTLS_REQUIRE_HANDSHAKE(p);
    } else {
        BOOST_TEST(!p.handshake());
        MTLS_CHECK_FAILURE(p.server, error::handshake_message_too_large, p.client, alert::illegal_parameter);
    }
}

BOOST_AUTO_TEST_CASE(tls12_change_cipher_spec_of_two_bytes_is_unexpected_message)
{
    // RFC 5246 §7.1: the message is the single byte 1.
    engine_pair p(tls12(client_context()), tls12(server_context()));
    p.tamper = [&](flight& f) {
        if (f.dir != to_server || f.index != 1)
            return;
        for (auto& r : f.records)
            if (r.type == content::change_cipher_spec)
                r.body = bytes{std::byte{1}, std::byte{1}};
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_change_cipher_spec, p.client, alert::unexpected_message);
    BOOST_TEST(last_fatal_alert(p, to_client) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(tls12_empty_certificate_verify_signature_is_decrypt_error)
{
    // An empty signature is well-formed (signature<0..2^16-1>) and does not
    // verify: decrypt_error, not decode_error.
    engine_pair p(tls12(client_context("client-ecdsa")), tls12(server_context_requiring_client_cert()));
    p.tamper = [&](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::certificate_verify, [](bytes& m) {
                m.resize(handshake_header_size + 4);
                set16(m, handshake_header_size + 2, 0);
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::bad_certificate_verify, p.client, alert::decrypt_error);
}

BOOST_AUTO_TEST_CASE(tls13_empty_certificate_verify_signature_is_decrypt_error)
{
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [](clear_flight& f) {
        if (f.dir == to_client && f.index == 0)
            BOOST_TEST(f.edit(msg::certificate_verify, [](bytes& m) {
                m.resize(handshake_header_size + 4);
                set16(m, handshake_header_size + 2, 0);
                fix_handshake_length(m);
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::client, error::bad_certificate_verify, alert::decrypt_error, "does not verify");
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================== client auth bypass

BOOST_AUTO_TEST_SUITE(missing_messages)

BOOST_AUTO_TEST_CASE(tls12_client_certificate_without_certificate_verify)
{
    // RFC 5246 §7.4.8: a client that sent a certificate proves it holds the
    // key with CertificateVerify. Certificate, ClientKeyExchange,
    // ChangeCipherSpec, Finished without it would authenticate nobody.
    engine_pair p(tls12(client_context("client-ecdsa")), tls12(server_context_requiring_client_cert()));
    p.tamper = [&](flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(drop_record_of(f, msg::certificate_verify));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::unexpected_message, p.client, alert::unexpected_message);
    BOOST_TEST(p.server.error().message() ==
               "unexpected_message: expected CertificateVerify, got ChangeCipherSpec");
    BOOST_TEST(!p.server.handshake_done());
}

BOOST_AUTO_TEST_CASE(tls13_unprotected_alert_after_handshake)
{
    // RFC 8446 §5: after the handshake every record is protected; a
    // plaintext close_notify from an on-path attacker must not pass for a
    // clean close.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    p.pair.inject(to_server, make_record(content::alert, bytes{std::byte{1}, std::byte{0}}));
    BOOST_TEST(!p.pair.server.peer_closed());
    BOOST_TEST(cause_code(p.pair.server.error()) == make_error_code(error::unexpected_record));
}

BOOST_AUTO_TEST_CASE(tls13_certificate_verify_in_a_scheme_not_offered)
{
    // RFC 8446 §4.4.3: the CertificateVerify scheme must be one the
    // receiver offered. The client signs with rsa_pss_rsae_sha256; the man
    // in the middle relabels it rsa_pss_rsae_sha384, which the server (and
    // only the server's offer decides) did not list: illegal_parameter, not
    // a signature check (which would fail with decrypt_error).
    auto server_ctx = server_context_requiring_client_cert();
    server_ctx.set_signature_schemes({signature_scheme::rsa_pss_rsae_sha256, signature_scheme::ecdsa_secp256r1_sha256});
    mitm_pair p(client_context("client-rsa"), server_ctx);
    p.mitm.edit = [](clear_flight& f) {
        if (f.dir == to_server && f.index == 1)
            BOOST_TEST(f.edit(msg::certificate_verify, [](bytes& m) {
                BOOST_TEST(get16(m, handshake_header_size) == 0x0804u);
                set16(m, handshake_header_size, 0x0805);
            }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, role::server, error::illegal_parameter, alert::illegal_parameter, "not allowed");
}

BOOST_AUTO_TEST_SUITE_END()

// ==================================================== records without progress

BOOST_AUTO_TEST_SUITE(records_without_progress)

BOOST_DATA_TEST_CASE(empty_application_data_records, data::make({32, 33}), count)
{
    // RFC 5246 §6.2.1 allows empty application data records; 32 in a row
    // pass, the 33rd ends the connection.
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    for (int i = 0; i < count; ++i)
        p.inject(to_server, protected_record(content::application_data, {}));
    if (count == 32) {
        BOOST_TEST(!p.pair.server.failed(), p.pair.server.error().message());
        // Data resets the count.
        p.inject(to_server, protected_record(content::application_data, pattern(1)));
        for (int i = 0; i < 32; ++i)
            p.inject(to_server, protected_record(content::application_data, {}));
        BOOST_TEST(!p.pair.server.failed(), p.pair.server.error().message());
    } else {
        MTLS_CHECK_DETECTED(p, role::server, error::too_many_records_without_progress, alert::unexpected_message,
                            "no data");
    }
}

BOOST_DATA_TEST_CASE(key_updates_without_data, data::make({32, 33}), count)
{
    mitm_pair p(client_context(), server_context());
    MTLS_REQUIRE_MITM_HANDSHAKE(p);
    for (int i = 0; i < count; ++i)
        p.inject(to_server, protected_record(content::handshake, key_update_message(0)));
    BOOST_TEST(p.pair.server.failed() == (count == 33));
    if (count == 33)
        BOOST_TEST(cause_code(p.pair.server.error()) == make_error_code(error::too_many_records_without_progress));
}

BOOST_DATA_TEST_CASE(dummy_change_cipher_specs_in_the_handshake, data::make({32, 33}), count)
{
    // RFC 8446 §5 drops dummy ChangeCipherSpecs before Finished; a run of
    // them is still a flood.
    mitm_pair p(client_context(), server_context());
    p.mitm.edit = [&](clear_flight& f) {
        if (f.dir == to_server && f.index == 1) {
            auto at = f.find_record(content::change_cipher_spec, false);
            BOOST_TEST_REQUIRE(at.has_value());
            // The client's own dummy one is the first of `count`.
            f.records.insert(f.records.begin() + static_cast<std::ptrdiff_t>(*at), static_cast<std::size_t>(count - 1),
                             plaintext_record(content::change_cipher_spec, one_byte(1)));
        }
    };
    if (count == 32) {
        MTLS_REQUIRE_MITM_HANDSHAKE(p);
    } else {
        BOOST_TEST(!p.pair.handshake());
        MTLS_CHECK_DETECTED(p, role::server, error::too_many_records_without_progress, alert::unexpected_message,
                            "no data");
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ early data

BOOST_AUTO_TEST_SUITE(early_data)

namespace {

/// A client whose first ClientHello offers early_data, followed on the wire
/// by records of the given sizes that no key opens.
struct early_data_pair {
    early_data_pair(const context& server_ctx, std::vector<std::size_t> sizes)
        : pair(tls13(client_context()), server_ctx, editing_hello([this](bytes& hello) {
                   if (hellos++ == 0)
                       add_extension(hello, ext::early_data, {});
               }))
    {
        pair.tamper = [sizes](flight& f) {
            if (first_flight(f, to_server))
                for (std::size_t i = 0; i < sizes.size(); ++i)
                    f.records.push_back(test::record{content::application_data, 0x0303,
                                                     pattern(sizes[i], 9u + static_cast<unsigned>(i)), true});
        };
    }
    int hellos = 0;
    engine_pair pair;
};

/// Records whose content (all but the tag and the inner type byte, RFC 8446
/// §4.2.10 and §4.6.1) adds up to exactly 16384 bytes, or one byte more.
std::vector<std::size_t> early_records(bool one_byte_over)
{
    constexpr std::size_t record_overhead = 16 + 1;
    std::vector<std::size_t> sizes(4, 4096 + record_overhead);
    if (one_byte_over)
        ++sizes.back();
    return sizes;
}

context hrr_server()
{
    auto ctx = tls13(server_context());
    ctx.set_groups({named_group::secp256r1});
    return ctx;
}

} // namespace

// RFC 8446 §4.2.10: a server that declines early data skips it, up to its
// max_early_data_size (mtls: 16384 bytes of content), and past that fails
// with unexpected_message (§4.6.1).
BOOST_AUTO_TEST_CASE(declined_early_data_is_skipped_up_to_the_bound)
{
    early_data_pair p(tls13(server_context()), early_records(false));
    MTLS_REQUIRE_HANDSHAKE(p.pair);
    BOOST_TEST(!p.pair.client.info().hello_retry);
    BOOST_TEST(p.pair.exchange(pattern(100), pattern(200)));
}

BOOST_AUTO_TEST_CASE(declined_early_data_one_byte_past_the_bound_is_refused)
{
    early_data_pair p(tls13(server_context()), early_records(true));
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_FAILURE(p.pair.server, error::too_much_early_data, p.pair.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(early_data_after_hello_retry_is_skipped_up_to_the_bound)
{
    // After a HelloRetryRequest the server skips application_data records
    // until the second ClientHello.
    early_data_pair p(hrr_server(), early_records(false));
    MTLS_REQUIRE_HANDSHAKE(p.pair);
    BOOST_TEST(p.pair.client.info().hello_retry);
    BOOST_TEST(p.pair.exchange(pattern(100), pattern(200)));
}

BOOST_AUTO_TEST_CASE(early_data_after_hello_retry_one_byte_past_the_bound_is_refused)
{
    early_data_pair p(hrr_server(), early_records(true));
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_FAILURE(p.pair.server, error::too_much_early_data, p.pair.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(second_client_hello_may_not_offer_early_data)
{
    // RFC 8446 §4.2.10: "A client MUST NOT include the "early_data"
    // extension in its followup ClientHello."
    engine_pair p(tls13(client_context()), hrr_server(), editing_hello([](bytes& hello) {
                      add_extension(hello, ext::early_data, {});
                  }));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::hello_retry_mismatch, p.client, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(without_early_data_offered_nothing_is_skipped)
{
    // Skipping is only for a client that offered early data: otherwise an
    // undecryptable record is a bad_record_mac at once.
    engine_pair p(tls13(client_context()), tls13(server_context()));
    p.tamper = [](flight& f) {
        if (first_flight(f, to_server))
            f.records.push_back(test::record{content::application_data, 0x0303, pattern(100), true});
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST(cause_code(p.server.error()) != make_error_code(error::too_much_early_data));
    BOOST_TEST(p.server.failed());
}

BOOST_AUTO_TEST_SUITE_END()

// ========================================================== negotiation

BOOST_AUTO_TEST_CASE(tls12_client_offering_only_ffdhe_groups_is_refused)
{
    // RFC 8422 §5.1 (and RFC 7919 §4): a client whose supported_groups names
    // only finite-field groups cannot do ECDHE; the server must not fall
    // back to secp256r1 as if the extension were absent.
    engine_pair p(tls12(client_context()), tls12(server_context()), editing_hello([](bytes& hello) {
                      bytes groups;
                      put16(groups, 4);
                      put16(groups, 0x0100); // ffdhe2048
                      put16(groups, 0x0101); // ffdhe3072
                      BOOST_TEST(replace_extension(hello, ext::supported_groups, groups));
                  }));
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.server, error::no_shared_group, p.client, alert::handshake_failure);
}

// ====================================================== naming the messages

BOOST_AUTO_TEST_CASE(unexpected_message_names_expected_and_received)
{
    // The server's first message in place of the client's ClientHello.
    engine server(server_context(), role::server);
    server.start_handshake();
    server.feed(make_record(content::handshake, make_handshake(msg::finished, pattern(32)), 0x0301));
    BOOST_TEST(server.error().message() == "unexpected_message: expected ClientHello, got Finished");
    BOOST_TEST((error_cause(server.error()) == error::unexpected_message));
    BOOST_TEST((server.error() == condition::protocol_error));
    BOOST_TEST(std::to_integer<int>(server.output()[6]) == int(alert::unexpected_message));
}

BOOST_AUTO_TEST_CASE(unexpected_message_with_two_choices_and_an_unknown_type)
{
    engine_pair p(tls12(client_context()), tls12(server_context()));
    p.tamper = [&](flight& f) {
        if (first_flight(f, to_client))
            f.edit(msg::server_hello_done, [](bytes& m) { m[0] = std::byte{99}; });
    };
    BOOST_TEST(!p.handshake());
    BOOST_TEST(p.client.error().message() ==
               "unexpected_message: expected CertificateRequest or ServerHelloDone, got handshake message of "
               "unknown type 99");
}

// =========================================================== reader loops

BOOST_DATA_TEST_CASE(certificate_entry_with_one_byte_of_extensions, data::make({to_server, to_client}), d)
{
    // The pre-authentication hang: a TLS 1.3 Certificate whose entry's
    // extensions block is one byte long once spun the receiver's thread
    // forever (the loop over the block did not advance after the reader
    // failed). It must fail at once with decode_error, either direction.
    mitm_pair p(client_context("client-ecdsa"), server_context_requiring_client_cert());
    p.mitm.edit = [d](clear_flight& f) {
        if (f.dir != d || f.index != (d == to_client ? 0u : 1u))
            return;
        BOOST_TEST(f.edit(msg::certificate, [](bytes& m) { set_first_entry_extensions(m, bytes{std::byte{0x00}}); }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, d == to_server ? role::server : role::client, error::decode_error, alert::decode_error,
                        "malformed");
}

BOOST_DATA_TEST_CASE(certificate_entry_extension_never_asked_for, data::make({to_server, to_client}), d)
{
    // RFC 8446 §4.4.2: entry extensions answer extensions of the ClientHello
    // (server) or CertificateRequest (client); mtls sends neither
    // status_request nor signed_certificate_timestamp, so an SCT entry
    // extension is unsolicited: unsupported_extension (§4.2).
    mitm_pair p(client_context("client-ecdsa"), server_context_requiring_client_cert());
    p.mitm.edit = [d](clear_flight& f) {
        if (f.dir != d || f.index != (d == to_client ? 0u : 1u))
            return;
        BOOST_TEST(f.edit(msg::certificate, [](bytes& m) {
            set_first_entry_extensions(m, bytes{std::byte{0x00}, std::byte{0x12}, std::byte{0x00}, std::byte{0x00}});
        }));
    };
    BOOST_TEST(!p.pair.handshake());
    MTLS_CHECK_DETECTED(p, d == to_server ? role::server : role::client, error::unsupported_extension,
                        alert::unsupported_extension, "may not send");
}
