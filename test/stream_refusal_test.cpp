// A TLS 1.3 server checks the client's certificate after the client's
// handshake has completed; one that refuses it sends an alert and closes. The
// client's next write can then fail with connection_reset before any read has
// seen the alert. tls_stream reads what already arrived and reports the alert.
//
// Over loopback TCP, ordered so that the race always goes the bad way: the
// server sends its alert, then resets the connection (SO_LINGER {on, 0}); the
// client waits until the reset has arrived, so the alert sits unread in its
// socket when it writes, and the write fails.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_refusal
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/io.hpp"
#include "support/print.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string_view>
#include <type_traits>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using namespace std::chrono_literals;

namespace {

using mtls::test::run;

/// A TLS 1.3 client (credential `client_cert`, none if empty) over `ClientNext`
/// whose handshake completed, and a server that refused the client and reset
/// the connection. On return the reset has reached the client's socket.
template <class ClientNext = tcp::socket>
struct refused_client {
    refused_client(asio::io_context& ioc, std::string_view client_cert)
        : client(ioc, mtls::test::client_context(client_cert)),
          server(ioc, mtls::test::server_context_requiring_client_cert())
    {
        tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        lowest().connect(acceptor.local_endpoint());
        acceptor.accept(server.next_layer());
        client.set_host_name("localhost");
        error_code cec = asio::error::would_block;
        client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
        server.async_handshake(role::server, [&](error_code ec) {
            server_error = ec;
            // The alert is out (the stream flushes it before completing):
            // reset, so that the client's next write fails.
            server.next_layer().set_option(tcp::socket::linger(true, 0));
            server.next_layer().close();
        });
        run(ioc);
        BOOST_TEST_REQUIRE(!cec, cec.message());
        BOOST_TEST_REQUIRE((server_error == mtls::condition::certificate_error), server_error.message());
        error_code wait_ec = asio::error::would_block;
        lowest().async_wait(tcp::socket::wait_error, [&](error_code ec) { wait_ec = ec; });
        run(ioc);
        BOOST_TEST_REQUIRE(!wait_ec, wait_ec.message());
        error_code ec;
        BOOST_TEST_REQUIRE(lowest().available(ec) > 0u, "the alert waits unread in the client's socket");
    }

    tcp::socket& lowest()
    {
        if constexpr (std::is_same_v<ClientNext, tcp::socket>)
            return client.next_layer();
        else
            return client.next_layer().socket();
    }

    tls_stream<ClientNext> client;
    tls_stream<tcp::socket> server;
    error_code server_error;
};

} // namespace

BOOST_AUTO_TEST_SUITE(refused_client_certificate)

BOOST_AUTO_TEST_CASE(async_write_reports_certificate_required)
{
    // RFC 8446 §4.4.2.4: no certificate from the client, which the server
    // requires: certificate_required.
    asio::io_context ioc;
    refused_client p(ioc, "");
    BOOST_TEST_REQUIRE(p.server_error == error_code(mtls::error::peer_certificate_required),
                       p.server_error.message());
    error_code wec = asio::error::would_block;
    std::size_t n = 1;
    p.client.async_write_some(asio::buffer("request", 7), [&](error_code ec, std::size_t m) {
        wec = ec;
        n = m;
    });
    run(ioc);
    BOOST_TEST(wec == error_code(mtls::alert::certificate_required), wec.message());
    BOOST_TEST(n == 0u);
}

BOOST_AUTO_TEST_CASE(async_write_reports_unknown_ca)
{
    // A certificate from a CA the server does not trust.
    asio::io_context ioc;
    refused_client p(ioc, "client-untrusted");
    BOOST_TEST_REQUIRE(p.server_error == error_code(mtls::error::certificate_untrusted), p.server_error.message());
    error_code wec = asio::error::would_block;
    asio::async_write(p.client, asio::buffer("request", 7), [&](error_code ec, std::size_t) { wec = ec; });
    run(ioc);
    BOOST_TEST(wec == error_code(mtls::alert::unknown_ca), wec.message());
}

BOOST_AUTO_TEST_CASE(synchronous_write_reports_the_alert)
{
    asio::io_context ioc;
    refused_client p(ioc, "");
    error_code wec;
    const std::size_t n = p.client.write_some(asio::buffer("request", 7), wec);
    BOOST_TEST(wec == error_code(mtls::alert::certificate_required), wec.message());
    BOOST_TEST(n == 0u);
    BOOST_CHECK_EXCEPTION(p.client.write_some(asio::buffer("again", 5)), boost::system::system_error,
                          [](const boost::system::system_error& e) {
                              return e.code() == error_code(mtls::alert::certificate_required);
                          });
}

BOOST_AUTO_TEST_CASE(over_beast_tcp_stream)
{
    asio::io_context ioc;
    refused_client<beast::tcp_stream> p(ioc, "");
    error_code wec = asio::error::would_block;
    p.client.async_write_some(asio::buffer("request", 7), [&](error_code ec, std::size_t) { wec = ec; });
    run(ioc);
    BOOST_TEST(wec == error_code(mtls::alert::certificate_required), wec.message());
}

BOOST_AUTO_TEST_CASE(later_operations_report_the_alert_too)
{
    // The connection failed with the peer's alert: a read, a write and a
    // shutdown after the failed write all say so, and none of them waits on
    // the dead socket (Asio leaves a third write on a reset socket waiting
    // forever).
    asio::io_context ioc;
    refused_client p(ioc, "");
    error_code wec, rec, again, shec;
    p.client.async_write_some(asio::buffer("request", 7), [&](error_code ec, std::size_t) { wec = ec; });
    run(ioc);
    char buf[16];
    p.client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t) { rec = ec; });
    run(ioc);
    p.client.async_write_some(asio::buffer("again", 5), [&](error_code ec, std::size_t) { again = ec; });
    run(ioc);
    p.client.async_shutdown([&](error_code ec) { shec = ec; });
    run(ioc);
    const error_code alert = mtls::alert::certificate_required;
    BOOST_TEST(wec == alert, wec.message());
    BOOST_TEST(rec == alert, rec.message());
    BOOST_TEST(again == alert, again.message());
    BOOST_TEST(shec == alert, shec.message());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_reset_without_an_alert_stays_a_reset)
{
    // The server accepts the client, then resets the connection with nothing
    // sent: there is no alert to report, and none is made up.
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tls_stream<tcp::socket> client(ioc, mtls::test::client_context("client-ecdsa"));
    tls_stream<tcp::socket> server(ioc, mtls::test::server_context_requiring_client_cert());
    client.next_layer().connect(acceptor.local_endpoint());
    acceptor.accept(server.next_layer());
    client.set_host_name("localhost");
    error_code cec, sec;
    client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(!cec, cec.message());
    BOOST_TEST_REQUIRE(!sec, sec.message());
    server.next_layer().set_option(tcp::socket::linger(true, 0));
    server.next_layer().close();
    error_code wait_ec = asio::error::would_block;
    client.next_layer().async_wait(tcp::socket::wait_error, [&](error_code ec) { wait_ec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(!wait_ec, wait_ec.message());
    error_code wec = asio::error::would_block;
    client.async_write_some(asio::buffer("request", 7), [&](error_code ec, std::size_t) { wec = ec; });
    run(ioc);
    BOOST_TEST(wec == asio::error::connection_reset, wec.message());
}
