// tls_stream over loopback TCP: an established, idle stream with a read
// pending holds at most 8 KiB of heap beyond its socket (counting allocator),
// and each handshake flight goes out in exactly one write (counted on the
// next layer), for TLS 1.2 full and resumed and TLS 1.3 full, resumed and
// after a HelloRetryRequest, all with client certificates.

#define BOOST_TEST_MODULE stream_memory
#include <boost/test/unit_test.hpp>
#include <boost/test/data/test_case.hpp>

#include "support/heap_meter.hpp"
#include "support/print.hpp"
#include "support/stream_pair.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <optional>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace mtls;
using namespace mtls::test;

constexpr std::int64_t idle_end_bound = 8 * 1024;
constexpr std::size_t connections = 4;

/// A stream that passes everything to `Next` and counts the write calls.
template <class Next>
class counting_stream {
public:
    using executor_type = typename Next::executor_type;

    explicit counting_stream(Next next) : next_(std::move(next)) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next& next_layer() noexcept { return next_; }
    const Next& next_layer() const noexcept { return next_; }

    template <class Buffers, class Token>
    auto async_read_some(const Buffers& b, Token&& token)
    {
        return next_.async_read_some(b, std::forward<Token>(token));
    }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& b, Token&& token)
    {
        ++writes;
        return next_.async_write_some(b, std::forward<Token>(token));
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& b, error_code& ec)
    {
        return next_.read_some(b, ec);
    }
    template <class Buffers>
    std::size_t write_some(const Buffers& b, error_code& ec)
    {
        ++writes;
        return next_.write_some(b, ec);
    }

    std::size_t writes = 0;

private:
    Next next_;
};

using counted_stream = tls_stream<counting_stream<tcp::socket>>;

using contexts = mutual_contexts;

const std::array<std::byte, 4> ping{std::byte{'p'}, std::byte{'i'}, std::byte{'n'}, std::byte{'g'}};

/// Writes `ping` from `from` and reads it at `to` (with whatever came before it).
template <class Stream>
void send_ping(asio::io_context& ioc, Stream& from, Stream& to)
{
    std::optional<error_code> wrote, read;
    std::array<std::byte, 4> got{};
    asio::async_write(from, asio::buffer(ping), [&](error_code ec, std::size_t) { wrote = ec; });
    asio::async_read(to, asio::buffer(got), [&](error_code ec, std::size_t) { read = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(wrote.has_value());
    BOOST_TEST_REQUIRE(read.has_value());
    BOOST_TEST_REQUIRE(wrote->message() == error_code{}.message());
    BOOST_TEST_REQUIRE(read->message() == error_code{}.message());
    BOOST_TEST_REQUIRE((got == ping));
}

/// Average heap per end of `connections` established streams, each with an
/// async_read_some pending, beyond their sockets.
std::int64_t idle_stream_heap(tls_version v)
{
    asio::io_context ioc;
    contexts ctx(v);
    {
        // What the contexts and Asio's per-thread caches set up once.
        auto [c, s] = socket_pair(ioc);
        tls_stream<tcp::socket> client(std::move(c), ctx.client), server(std::move(s), ctx.server);
        client.set_host_name("localhost");
        handshake_pair(ioc, client, server);
        send_ping(ioc, server, client);
    }
    std::vector<std::pair<tcp::socket, tcp::socket>> sockets;
    for (std::size_t i = 0; i < connections; ++i)
        sockets.push_back(socket_pair(ioc));
    std::vector<std::optional<tls_stream<tcp::socket>>> clients(connections), servers(connections);
    std::vector<std::array<std::byte, 16>> buffers(2 * connections);
    std::size_t completed = 0;

    const auto before = heap::now().bytes;
    for (std::size_t i = 0; i < connections; ++i) {
        clients[i].emplace(std::move(sockets[i].first), ctx.client);
        servers[i].emplace(std::move(sockets[i].second), ctx.server);
        clients[i]->set_host_name("localhost");
        handshake_pair(ioc, *clients[i], *servers[i]);
        send_ping(ioc, *clients[i], *servers[i]);
        send_ping(ioc, *servers[i], *clients[i]); // and the server's tickets in TLS 1.3
    }
    // After every handshake: run() returns only once no read is pending.
    for (std::size_t i = 0; i < connections; ++i) {
        clients[i]->async_read_some(asio::buffer(buffers[2 * i]), [&](error_code, std::size_t) { ++completed; });
        servers[i]->async_read_some(asio::buffer(buffers[2 * i + 1]), [&](error_code, std::size_t) { ++completed; });
    }
    while (poll(ioc) != 0) {
    }
    const auto held = heap::now().bytes - before;
    BOOST_TEST(completed == 0u, "a read completed on an idle connection");

    for (std::size_t i = 0; i < connections; ++i) {
        clients[i]->lowest_layer().close();
        servers[i]->lowest_layer().close();
    }
    run(ioc);
    BOOST_TEST(completed == 2 * connections);
    return held / static_cast<std::int64_t>(2 * connections);
}

/// Write calls each end made during its handshake.
struct writes {
    std::size_t client = 0;
    std::size_t server = 0;
};

/// Connects a counted pair and handshakes; `resume` is the session the
/// client offers, `kept` receives the one it ends with (after reading the
/// server's first data, which carries TLS 1.3 tickets).
writes handshake_writes(asio::io_context& ioc, const contexts& ctx, const mtls::session* resume,
                        mtls::session* kept = nullptr)
{
    auto [c, s] = socket_pair(ioc);
    counted_stream client(counting_stream<tcp::socket>(std::move(c)), ctx.client);
    counted_stream server(counting_stream<tcp::socket>(std::move(s)), ctx.server);
    client.set_host_name("localhost");
    if (resume)
        client.set_session(*resume);
    handshake_pair(ioc, client, server);
    const writes w{client.next_layer().writes, server.next_layer().writes};
    BOOST_TEST(client.info().resumed == (resume != nullptr));
    // The server's first data, TLS 1.3 tickets ahead of it, goes in one write.
    send_ping(ioc, server, client);
    BOOST_TEST(server.next_layer().writes == w.server + 1);
    if (kept)
        *kept = client.session();
    return w;
}

} // namespace

BOOST_DATA_TEST_CASE(idle_stream_with_a_read_pending_holds_at_most_8_kib, boost::unit_test::data::make(versions), v)
{
    const auto held = idle_stream_heap(v);
    BOOST_TEST_MESSAGE(to_string(v) << ": idle tls_stream end with a read pending: " << held << " bytes");
    BOOST_TEST(held <= idle_end_bound);
    BOOST_TEST(held > 0);
}

BOOST_AUTO_TEST_SUITE(one_write_per_flight)

BOOST_DATA_TEST_CASE(full_and_resumed, boost::unit_test::data::make(versions), v)
{
    asio::io_context ioc;
    contexts ctx(v);
    mtls::session s;
    // Client: ClientHello; Certificate..Finished (TLS 1.3: ChangeCipherSpec
    // first). Server, TLS 1.2: ServerHello..ServerHelloDone; [NewSessionTicket]
    // ChangeCipherSpec Finished. TLS 1.3: ServerHello..Finished, with tickets
    // going out with its first data.
    const auto full = handshake_writes(ioc, ctx, nullptr, &s);
    BOOST_TEST(full.client == 2u);
    BOOST_TEST(full.server == (v == tls_version::tls12 ? 2u : 1u));
    BOOST_TEST_REQUIRE(!s.empty());
    // Resumed: the server's ServerHello..Finished, then the client's last
    // flight (RFC 5246 §7.3, RFC 8446 §2.2).
    const auto resumed = handshake_writes(ioc, ctx, &s);
    BOOST_TEST(resumed.client == 2u);
    BOOST_TEST(resumed.server == 1u);
}

BOOST_AUTO_TEST_CASE(tls13_after_hello_retry_request)
{
    asio::io_context ioc;
    contexts ctx(tls_version::tls13);
    // The client's first key share is for a group the server does not take.
    ctx.client.set_groups({named_group::x25519, named_group::secp256r1});
    ctx.server.set_groups({named_group::secp256r1});
    auto [c, s] = socket_pair(ioc);
    counted_stream client(counting_stream<tcp::socket>(std::move(c)), ctx.client);
    counted_stream server(counting_stream<tcp::socket>(std::move(s)), ctx.server);
    client.set_host_name("localhost");
    handshake_pair(ioc, client, server);
    BOOST_TEST_REQUIRE(client.info().hello_retry);
    // Client: ClientHello; [ChangeCipherSpec] ClientHello; Certificate..
    // Finished. Server: HelloRetryRequest [ChangeCipherSpec]; ServerHello..Finished.
    BOOST_TEST(client.next_layer().writes == 3u);
    BOOST_TEST(server.next_layer().writes == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
