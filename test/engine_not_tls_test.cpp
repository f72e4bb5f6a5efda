// mtls::engine against a peer that does not speak TLS: plain HTTP (a request
// sent to a TLS port, or a plain HTTP server answering a TLS client) and other
// protocols (an SSH banner). The first bytes decide: peer_speaks_http or
// peer_not_tls, with no alert sent (the peer could not read one, and an HTTPS
// server answers such a client with plain HTTP on the same socket). After a
// valid first record the same bytes are a TLS peer's garbage and keep the
// record layer's errors and alerts.

#define BOOST_TEST_MODULE engine_not_tls
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/pump.hpp"

#include <ostream>
#include <string>
#include <string_view>

using namespace mtls;
using namespace mtls::test;
namespace data = boost::unit_test::data;

namespace {

bytes ascii(std::string_view text)
{
    const auto b = std::as_bytes(std::span(text));
    return {b.begin(), b.end()};
}

/// Bytes a non-TLS peer sends first, what they must be reported as, and how
/// many of them the engine needs to decide.
struct foreign_input {
    std::string text;
    error expected;
    std::size_t decided_after;
};

/// The first bytes, readably: a failure names the input in a text log.
std::ostream& boost_test_print_type(std::ostream& os, const foreign_input& in)
{
    constexpr char digits[] = "0123456789abcdef";
    os << '"';
    for (const char c : in.text.substr(0, 12)) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f)
            os << c;
        else
            os << "\\x" << digits[u >> 4] << digits[u & 15];
    }
    return os << "...\"";
}

const std::string request_line = " / HTTP/1.1\r\nHost: localhost\r\n\r\n";

const std::vector<foreign_input> foreign_inputs{
    {"GET" + request_line, error::peer_speaks_http, 5},
    {"POST" + request_line, error::peer_speaks_http, 5},
    {"HEAD" + request_line, error::peer_speaks_http, 5},
    {"PUT" + request_line, error::peer_speaks_http, 5},
    {"DELETE" + request_line, error::peer_speaks_http, 7},
    {"OPTIONS * HTTP/1.1\r\n\r\n", error::peer_speaks_http, 8},
    {"CONNECT localhost:443 HTTP/1.1\r\n\r\n", error::peer_speaks_http, 8},
    {"PATCH" + request_line, error::peer_speaks_http, 6},
    {"TRACE" + request_line, error::peer_speaks_http, 6},
    {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", error::peer_speaks_http, 5},
    {"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", error::peer_speaks_http, 5},
    {"HTTP/1.0 200 OK\r\n\r\nhello", error::peer_speaks_http, 5},
    {"SSH-2.0-OpenSSH_9.2\r\n", error::peer_not_tls, 5},
    {"220 mail.example.org ESMTP\r\n", error::peer_not_tls, 5},
    // RFC 9110 §9.1: methods are case-sensitive, and one needs its space.
    {"get / HTTP/1.1\r\n\r\n", error::peer_not_tls, 5},
    {"PATCHWORK\r\n", error::peer_not_tls, 6},
    {"OPTIONS\r\n", error::peer_not_tls, 8},
    // Neither a TLS content type nor a TLS version: an SSLv2 ClientHello, a
    // handshake record with version {02,00}, an unassigned content type.
    {std::string("\x80\x2e\x01\x03\x01", 5), error::peer_not_tls, 5},
    {std::string("\x16\x02\x00\x00\x01\x01", 6), error::peer_not_tls, 5},
    {std::string("\x19\x03\x03\x00\x01\x00", 6), error::peer_not_tls, 5},
};

const std::array roles{role::client, role::server};

const char* name(role side) { return side == role::client ? "client" : "server"; }

/// An engine of `side` that has started its handshake and whose first
/// flight (a client's ClientHello) has been taken: it waits for the peer.
struct waiting_engine {
    explicit waiting_engine(role side)
        : ctx(side == role::client ? client_context() : server_context()), eng(ctx, side)
    {
        if (side == role::client)
            eng.set_host_name("localhost");
        eng.start_handshake();
        eng.consume_output(eng.output().size());
    }
    context ctx;
    engine eng;
};

void check_refused(const engine& e, error expected)
{
    BOOST_TEST(describe(cause_code(e.error())) == describe(make_error_code(expected)));
    BOOST_TEST(e.error().message().starts_with("peer is not speaking TLS"), e.error().message());
}

/// The transport ends after a few bytes from a non-TLS peer.
void check_transport_end(role side)
{
    {
        // Too few bytes for a record header: a truncated stream, as before.
        waiting_engine w(side);
        w.eng.feed(ascii("GET"));
        BOOST_TEST(!w.eng.failed());
        w.eng.on_transport_eof();
        BOOST_TEST(describe(w.eng.error()) == describe(make_error_code(error::stream_truncated)));
    }
    {
        // No TLS header, but too few bytes to tell HTTP: not TLS at any rate.
        waiting_engine w(side);
        w.eng.feed(ascii("PATCH"));
        BOOST_TEST(!w.eng.failed());
        w.eng.on_transport_eof();
        check_refused(w.eng, error::peer_not_tls);
        BOOST_TEST(w.eng.output().empty());
    }
}

/// The `garbled` side has received a valid TLS record (the client's
/// ClientHello, the server's first flight) before HTTP bytes come: a TLS peer
/// misbehaving, answered with unexpected_message.
void check_garbage_after_first_record(tls_version version, role garbled)
{
    engine_pair p(versioned(client_context(), version), versioned(server_context(), version));
    p.start();
    BOOST_TEST_REQUIRE(p.send(direction::to_server));
    if (garbled == role::client)
        BOOST_TEST_REQUIRE(p.send(direction::to_client));
    const auto d = garbled == role::server ? direction::to_server : direction::to_client;
    BOOST_TEST_REQUIRE(!p.receiver(d).failed());
    p.inject(d, ascii("HTTP/1.1 400 Bad Request\r\n\r\n"));
    BOOST_TEST(p.pump());
    MTLS_CHECK_FAILURE(p.receiver(d), error::unknown_content_type, p.sender(d), alert::unexpected_message);
}

} // namespace

BOOST_DATA_TEST_CASE(first_bytes_name_the_protocol_and_send_no_alert, data::make(foreign_inputs), input)
{
    for (const role side : roles) {
        BOOST_TEST_CONTEXT(name(side))
        {
            waiting_engine w(side);
            BOOST_TEST_REQUIRE(w.eng.wants_input());
            w.eng.feed(ascii(input.text));
            check_refused(w.eng, input.expected);
            BOOST_TEST(w.eng.output().empty(), "an alert was queued for a peer that cannot read it");
            BOOST_TEST(!w.eng.wants_input());
        }
    }
}

BOOST_DATA_TEST_CASE(one_byte_at_a_time_decides_at_the_first_telling_byte, data::make(foreign_inputs), input)
{
    // Never before a record header's five bytes; past them only while the
    // bytes could still begin an HTTP request method and its space.
    const bytes wire = ascii(input.text);
    for (const role side : roles) {
        BOOST_TEST_CONTEXT(name(side))
        {
            waiting_engine w(side);
            std::size_t fed = 0;
            while (fed < wire.size() && !w.eng.failed()) {
                BOOST_TEST_REQUIRE(w.eng.feed(std::span(wire).subspan(fed, 1)) == 1u);
                ++fed;
            }
            BOOST_TEST(fed == input.decided_after);
            check_refused(w.eng, input.expected);
            BOOST_TEST(w.eng.output().empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(transport_end_before_a_decision)
{
    for (const role side : roles) {
        BOOST_TEST_CONTEXT(name(side))
        {
            check_transport_end(side);
        }
    }
}

BOOST_DATA_TEST_CASE(garbage_after_a_valid_first_record_is_a_tls_error, data::make(versions), version)
{
    for (const role side : roles) {
        BOOST_TEST_CONTEXT(name(side))
        {
            check_garbage_after_first_record(version, side);
        }
    }
}
