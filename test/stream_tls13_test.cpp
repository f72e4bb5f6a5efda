// mtls::tls_stream over TLS 1.3 key updates: a KeyUpdate that arrives while a
// read is pending and a user write is held on the wire, a KeyUpdate answered
// by a stream that only reads, and a 16 MiB echo over loopback TCP with both
// ends updating their keys every 64 records. The far end of the first two is
// a raw engine driven by the test, so its logged secrets show what it
// received.

#include <mtls/tls_stream.hpp> // first: the header is self-contained

#define BOOST_TEST_MODULE stream_tls13
#include <boost/test/unit_test.hpp>

#include "support/holding_stream.hpp"

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/io.hpp"
#include "support/key_log.hpp"
#include "support/messages.hpp"
#include "support/print.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using mtls::error_code;
using mtls::role;
using mtls::tls_stream;
using mtls::test::bytes;
using mtls::test::key_log;
using mtls::test::pattern;

namespace {

// ---------------------------------------------------------------------------
// Fixtures

mtls::context server_ctx() { return mtls::test::server_context_requiring_client_cert(); }

mtls::context client_ctx() { return mtls::test::client_context("client-ecdsa"); }

using mtls::test::poll;
using mtls::test::run;

using mtls::test::holding_stream;

/// A raw engine at the far end of a beast::test::stream, moved by the test.
struct raw_peer {
    raw_peer(asio::io_context& ioc, const mtls::context& ctx, role r, const key_log& log)
        : end(ioc), eng(ctx, r, log.hooks())
    {
    }

    /// Feeds the engine what the stream wrote and sends what the engine
    /// queued; true when anything moved.
    bool shuttle()
    {
        bool moved = false;
        const auto in = end.str();
        if (!in.empty()) {
            bytes copy(reinterpret_cast<const std::byte*>(in.data()),
                       reinterpret_cast<const std::byte*>(in.data()) + in.size());
            end.clear();
            std::size_t off = 0;
            while (off < copy.size()) {
                const std::size_t took = eng.feed(std::span<const std::byte>(copy).subspan(off));
                off += took;
                if (!drain() && took == 0)
                    break; // failed: the rest is never read
            }
            moved = true;
        }
        drain();
        for (auto out = eng.output(); !out.empty(); out = eng.output()) {
            asio::write(end, asio::buffer(out.data(), out.size()));
            eng.consume_output(out.size());
            moved = true;
        }
        return moved;
    }

    bool drain()
    {
        bool any = false;
        for (auto p = eng.plaintext(); !p.empty(); p = eng.plaintext()) {
            received.insert(received.end(), p.begin(), p.end());
            eng.consume_plaintext(p.size());
            any = true;
        }
        return any;
    }

    beast::test::stream end;
    mtls::engine eng;
    bytes received;
};

/// Runs ready handlers and shuttles the peer until `done()`; false when
/// nothing moves any more first.
template <class Pred>
bool drive(asio::io_context& ioc, raw_peer& peer, Pred done)
{
    for (int i = 0; i < 10000; ++i) {
        const std::size_t ran = poll(ioc);
        const bool moved = peer.shuttle();
        if (done())
            return true;
        if (ran == 0 && !moved)
            return false;
    }
    return false;
}

/// Runs ready handlers and shuttles the peer until nothing moves.
void settle(asio::io_context& ioc, raw_peer& peer)
{
    drive(ioc, peer, [] { return false; });
}

template <class Stream>
void handshake_with_peer(asio::io_context& ioc, tls_stream<Stream>& client, raw_peer& peer)
{
    error_code ec = asio::error::would_block;
    peer.eng.start_handshake();
    client.async_handshake(role::client, [&](error_code e) { ec = e; });
    const bool done = drive(ioc, peer, [&] { return ec != asio::error::would_block && peer.eng.handshake_done(); });
    BOOST_TEST_REQUIRE(done, "client: " << ec.message() << "; peer: " << peer.eng.error().message());
    BOOST_TEST_REQUIRE(ec.message() == error_code{}.message());
    BOOST_TEST_REQUIRE((client.info().version == mtls::tls_version::tls13));
    BOOST_TEST_REQUIRE((peer.eng.info().version == mtls::tls_version::tls13));
}

template <class Stream>
bytes read_exactly(asio::io_context& ioc, tls_stream<Stream>& client, raw_peer& peer, std::size_t n)
{
    bytes got(n);
    error_code ec = asio::error::would_block;
    std::size_t k = 0;
    asio::async_read(client, asio::buffer(got.data(), n), [&](error_code e, std::size_t m) {
        ec = e;
        k = m;
    });
    BOOST_TEST(drive(ioc, peer, [&] { return ec != asio::error::would_block; }));
    BOOST_TEST(ec.message() == error_code{}.message());
    got.resize(k);
    return got;
}

bytes as_bytes(const std::string& s)
{
    return bytes(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data()) + s.size());
}

} // namespace

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(key_update_while_reading_with_a_write_on_the_wire)
{
    asio::io_context ioc;
    key_log peer_log;
    raw_peer peer(ioc, server_ctx(), role::server, peer_log);
    tls_stream<holding_stream> client(ioc, client_ctx());
    client.set_host_name("localhost");
    client.next_layer().next_layer().connect(peer.end);
    handshake_with_peer(ioc, client, peer);
    BOOST_TEST(client.next_layer().max_in_flight == 1);

    // A user write goes on the wire and stays there.
    client.next_layer().hold = true;
    const bytes first = pattern(40000, 1);
    error_code write_ec = asio::error::would_block;
    std::size_t written = 0;
    client.async_write_some(asio::buffer(first.data(), first.size()), [&](error_code ec, std::size_t n) {
        write_ec = ec;
        written = n;
    });
    poll(ioc);
    BOOST_TEST_REQUIRE(client.next_layer().in_flight == 1);

    // A read waits for data.
    std::vector<std::byte> buf(64 * 1024);
    error_code read_ec = asio::error::would_block;
    std::size_t got = 0;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        read_ec = ec;
        got = n;
    });
    poll(ioc);
    BOOST_TEST_REQUIRE((read_ec == asio::error::would_block));

    // The peer switches to a new key, asks the client to do the same (RFC
    // 8446 §4.6.3), and sends data under its new key.
    BOOST_TEST_REQUIRE(peer.eng.update_keys(true));
    BOOST_TEST(peer_log.last_number("SERVER_TRAFFIC_SECRET_") == 1);
    const bytes reply = pattern(30000, 2);
    BOOST_TEST_REQUIRE(peer.eng.write(reply) == reply.size());
    peer.shuttle();
    poll(ioc);
    // The client's answer may not overtake the write on the wire.
    BOOST_TEST(client.next_layer().in_flight == 1);
    BOOST_TEST(client.next_layer().max_in_flight == 1);

    // Once the write leaves, everything completes.
    client.next_layer().hold = false;
    client.next_layer().release();
    BOOST_TEST_REQUIRE(drive(ioc, peer, [&] {
        return write_ec != asio::error::would_block && read_ec != asio::error::would_block;
    }));
    settle(ioc, peer);
    BOOST_TEST(write_ec.message() == error_code{}.message());
    BOOST_TEST(written == first.size());
    BOOST_TEST(read_ec.message() == error_code{}.message());
    BOOST_TEST_REQUIRE(got > 0u);
    BOOST_TEST_REQUIRE(got <= reply.size());
    BOOST_TEST(std::equal(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got), reply.begin()));
    BOOST_TEST(client.next_layer().max_in_flight == 1);

    // The peer got the held data (under the client's old key), then the
    // client's KeyUpdate: it derived the client's next secret, with no further
    // write by the client needed.
    BOOST_TEST(!peer.eng.failed(), peer.eng.error().message());
    BOOST_TEST((peer.received == first));
    BOOST_TEST(peer_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);

    // The rest of the reply, then traffic both ways under the new keys.
    const bytes rest = read_exactly(ioc, client, peer, reply.size() - got);
    BOOST_TEST(std::equal(rest.begin(), rest.end(), reply.begin() + static_cast<std::ptrdiff_t>(got)));
    const bytes second = pattern(50000, 3);
    error_code ec = asio::error::would_block;
    asio::async_write(client, asio::buffer(second.data(), second.size()), [&](error_code e, std::size_t) { ec = e; });
    BOOST_TEST(drive(ioc, peer, [&] { return ec != asio::error::would_block; }));
    settle(ioc, peer);
    BOOST_TEST(ec.message() == error_code{}.message());
    bytes both = first;
    both.insert(both.end(), second.begin(), second.end());
    BOOST_TEST((peer.received == both));
    const bytes third = pattern(20000, 4);
    BOOST_TEST_REQUIRE(peer.eng.write(third) == third.size());
    BOOST_TEST((read_exactly(ioc, client, peer, third.size()) == third));
    BOOST_TEST(!peer.eng.failed(), peer.eng.error().message());
    // Exactly one update each way: the client answered once, and did not ask back.
    BOOST_TEST(peer_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST(peer_log.last_number("SERVER_TRAFFIC_SECRET_") == 1);
}

BOOST_AUTO_TEST_CASE(key_update_answered_by_a_stream_that_only_reads)
{
    // RFC 8446 §4.6.3: the receiver of update_requested answers with its own
    // KeyUpdate. A stream whose application only reads must send it too.
    asio::io_context ioc;
    key_log peer_log;
    raw_peer peer(ioc, server_ctx(), role::server, peer_log);
    tls_stream<beast::test::stream> client(ioc, client_ctx());
    client.set_host_name("localhost");
    client.next_layer().connect(peer.end);
    handshake_with_peer(ioc, client, peer);

    std::vector<std::byte> buf(1000);
    error_code read_ec = asio::error::would_block;
    std::size_t got = 0;
    client.async_read_some(asio::buffer(buf), [&](error_code ec, std::size_t n) {
        read_ec = ec;
        got = n;
    });
    poll(ioc);
    BOOST_TEST_REQUIRE((read_ec == asio::error::would_block));

    BOOST_TEST_REQUIRE(peer.eng.update_keys(true));
    const bytes reply = pattern(1000, 5);
    BOOST_TEST_REQUIRE(peer.eng.write(reply) == reply.size());
    BOOST_TEST_REQUIRE(drive(ioc, peer, [&] { return read_ec != asio::error::would_block; }));
    settle(ioc, peer);
    BOOST_TEST(read_ec.message() == error_code{}.message());
    BOOST_TEST(got == reply.size());
    BOOST_TEST(std::equal(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got), reply.begin()));
    BOOST_TEST(!peer.eng.failed(), peer.eng.error().message());
    BOOST_TEST(peer_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1,
               "the client's KeyUpdate did not reach the peer without a write");

    // And the client's next data arrives under its new key.
    const bytes data = pattern(3000, 6);
    error_code ec = asio::error::would_block;
    asio::async_write(client, asio::buffer(data.data(), data.size()), [&](error_code e, std::size_t) { ec = e; });
    BOOST_TEST(drive(ioc, peer, [&] { return ec != asio::error::would_block; }));
    settle(ioc, peer);
    BOOST_TEST(ec.message() == error_code{}.message());
    BOOST_TEST((peer.received == data));
    BOOST_TEST(!peer.eng.failed(), peer.eng.error().message());
}

// ---------------------------------------------------------------------------
// Loopback TCP

namespace {

/// A next layer over `Next` that counts the TLS records written through it,
/// and among them the protected records the size of a KeyUpdate: 4 bytes of
/// header, 1 of request_update, the inner content type and the 16-byte tag
/// (RFC 8446 §4.6.3, §5.2; mtls does not pad).
template <class Next>
class record_counter {
public:
    using executor_type = typename Next::executor_type;
    static constexpr std::size_t key_update_record = 4 + 1 + 1 + 16;

    template <class Arg>
    explicit record_counter(Arg&& arg) : next_(std::forward<Arg>(arg))
    {
    }

    executor_type get_executor() noexcept { return next_.get_executor(); }
    Next& next_layer() noexcept { return next_; }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return next_.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBufferSequence& b) {
                next_.async_write_some(b, [this, b, h = std::move(handler)](error_code ec, std::size_t n) mutable {
                    scan(b, n);
                    std::move(h)(ec, n);
                });
            },
            token, buffers);
    }

    std::uint64_t records = 0;
    std::uint64_t key_update_sized = 0;

private:
    template <class ConstBufferSequence>
    void scan(const ConstBufferSequence& buffers, std::size_t n)
    {
        for (auto it = asio::buffer_sequence_begin(buffers); n != 0 && it != asio::buffer_sequence_end(buffers);
             ++it) {
            const asio::const_buffer b(*it);
            const auto* p = static_cast<const std::uint8_t*>(b.data());
            const std::size_t k = std::min(n, b.size());
            for (std::size_t i = 0; i < k; ++i)
                byte(p[i]);
            n -= k;
        }
    }

    void byte(std::uint8_t v)
    {
        if (body_left_ != 0) {
            --body_left_;
            return;
        }
        header_[have_++] = v;
        if (have_ < 5)
            return;
        have_ = 0;
        body_left_ = (std::size_t{header_[3]} << 8) | header_[4];
        ++records;
        if (header_[0] == 23 && body_left_ == key_update_record)
            ++key_update_sized;
    }

    Next next_;
    std::uint8_t header_[5] = {};
    std::size_t have_ = 0;
    std::size_t body_left_ = 0;
};

using counted_stream = tls_stream<record_counter<tcp::socket>>;

/// Byte i: byte i % 4 of the little-endian 32-bit word (i / 4) xor `seed`.
void fill_counter(std::uint32_t seed, std::uint64_t offset, std::uint8_t* out, std::size_t n)
{
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t i = offset + k;
        const std::uint32_t w = static_cast<std::uint32_t>(i / 4) ^ seed;
        out[k] = static_cast<std::uint8_t>(w >> (8 * (i % 4)));
    }
}

/// Reads and writes back what it read until the client closes, then closes.
struct echo_server {
    explicit echo_server(counted_stream& s) : stream(s) {}

    void start()
    {
        stream.async_read_some(asio::buffer(buf), [this](error_code ec, std::size_t n) {
            if (ec == asio::error::eof)
                return stream.async_shutdown([this](error_code e) {
                    shutdown_ec = e;
                    done = true;
                });
            if (ec)
                return void(read_ec = ec);
            asio::async_write(stream, asio::buffer(buf.data(), n), [this](error_code ec, std::size_t k) {
                if (ec)
                    return void(write_ec = ec);
                echoed += k;
                start();
            });
        });
    }

    counted_stream& stream;
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(64 * 1024);
    std::uint64_t echoed = 0;
    error_code read_ec, write_ec, shutdown_ec;
    bool done = false;
};

/// Writes `total` bytes of the counter pattern and reads them back at once.
struct echo_client {
    echo_client(counted_stream& s, std::uint64_t n) : stream(s), total(n) {}

    void start()
    {
        write_next();
        read_next();
    }

    void write_next()
    {
        if (sent == total)
            return finish();
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), total - sent));
        fill_counter(seed, sent, out.data(), n);
        asio::async_write(stream, asio::buffer(out.data(), n), [this](error_code ec, std::size_t k) {
            if (ec)
                return void(write_ec = ec);
            sent += k;
            write_next();
        });
    }

    void read_next()
    {
        if (received == total)
            return finish();
        const std::size_t room = static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), total - received));
        stream.async_read_some(asio::buffer(in.data(), room), [this](error_code ec, std::size_t k) {
            if (ec)
                return void(read_ec = ec);
            fill_counter(seed, received, expected.data(), k);
            if (std::memcmp(in.data(), expected.data(), k) != 0)
                return void(first_mismatch = received);
            received += k;
            read_next();
        });
    }

    void finish()
    {
        if (sent == total && received == total)
            stream.async_shutdown([this](error_code ec) {
                shutdown_ec = ec;
                done = true;
            });
    }

    counted_stream& stream;
    std::uint64_t total;
    std::uint32_t seed = 0x3C3C0000u;
    std::vector<std::uint8_t> out = std::vector<std::uint8_t>(64 * 1024);
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(64 * 1024);
    std::vector<std::uint8_t> expected = std::vector<std::uint8_t>(64 * 1024);
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::optional<std::uint64_t> first_mismatch;
    error_code write_ec, read_ec, shutdown_ec;
    bool done = false;
};

} // namespace

BOOST_AUTO_TEST_CASE(echo_16_mib_with_key_updates_every_64_records)
{
    constexpr std::uint64_t total = 16u << 20;
    constexpr std::uint64_t limit = 64;
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client_socket(ioc);
    client_socket.connect(acceptor.local_endpoint());
    tcp::socket server_socket = acceptor.accept();

    // Default versions: TLS 1.3 is negotiated.
    auto cctx = client_ctx();
    auto sctx = server_ctx();
    cctx.set_key_update_limit(limit);
    sctx.set_key_update_limit(limit);
    counted_stream client(std::move(client_socket), cctx);
    counted_stream server(std::move(server_socket), sctx);
    client.set_host_name("localhost");

    error_code cec = asio::error::would_block, sec = asio::error::would_block;
    client.async_handshake(role::client, [&](error_code ec) { cec = ec; });
    server.async_handshake(role::server, [&](error_code ec) { sec = ec; });
    run(ioc);
    BOOST_TEST_REQUIRE(cec.message() == error_code{}.message());
    BOOST_TEST_REQUIRE(sec.message() == error_code{}.message());
    BOOST_TEST_REQUIRE((client.info().version == mtls::tls_version::tls13));
    BOOST_TEST_REQUIRE((server.info().version == mtls::tls_version::tls13));
    const auto client_records_after_handshake = client.next_layer().key_update_sized;
    const auto server_records_after_handshake = server.next_layer().key_update_sized;

    echo_server es(server);
    echo_client ec(client, total);
    es.start();
    ec.start();
    run(ioc, std::chrono::seconds(300));

    BOOST_TEST(!ec.first_mismatch.has_value(), "first wrong byte at " << ec.first_mismatch.value_or(0));
    BOOST_TEST(ec.write_ec.message() == error_code{}.message());
    BOOST_TEST(ec.read_ec.message() == error_code{}.message());
    BOOST_TEST(ec.sent == total);
    BOOST_TEST(ec.received == total);
    BOOST_TEST(ec.done);
    BOOST_TEST(ec.shutdown_ec.message() == error_code{}.message());
    BOOST_TEST(es.read_ec.message() == error_code{}.message());
    BOOST_TEST(es.write_ec.message() == error_code{}.message());
    BOOST_TEST(es.echoed == total);
    BOOST_TEST(es.done);
    BOOST_TEST(es.shutdown_ec.message() == error_code{}.message());

    // Each way at least total / 2^14 records, at most `limit` under one key:
    // at least total / 2^14 / limit - 1 KeyUpdates.
    const std::uint64_t min_updates = total / mtls::test::max_plaintext / limit - 1;
    const auto client_updates = client.next_layer().key_update_sized - client_records_after_handshake;
    const auto server_updates = server.next_layer().key_update_sized - server_records_after_handshake;
    BOOST_TEST_MESSAGE("KeyUpdate-sized records: client " << client_updates << ", server " << server_updates << " of "
                                                          << client.next_layer().records << " and "
                                                          << server.next_layer().records << " records");
    BOOST_TEST(client_updates >= min_updates, "client sent " << client_updates << " KeyUpdate-sized records");
    BOOST_TEST(server_updates >= min_updates, "server sent " << server_updates << " KeyUpdate-sized records");
}

BOOST_AUTO_TEST_CASE(key_update_flood_from_a_peer_that_never_reads_gets_one_answer)
{
    // The peer asks for a KeyUpdate 2000 times, a byte of data after each.
    // Requests that arrive while the client sends nothing share one answer
    // (RFC 8446 §4.6.3), so a peer that floods requests and never reads
    // cannot make the client queue one answer per request.
    asio::io_context ioc;
    key_log peer_log;
    raw_peer peer(ioc, server_ctx(), role::server, peer_log);
    tls_stream<holding_stream> client(ioc, client_ctx());
    client.set_host_name("localhost");
    client.next_layer().next_layer().connect(peer.end);
    handshake_with_peer(ioc, client, peer);

    constexpr int requests = 2000;
    for (int i = 0; i < requests; ++i) {
        BOOST_TEST_REQUIRE(peer.eng.update_keys(true));
        BOOST_TEST_REQUIRE(peer.eng.write(pattern(1, 3)) == 1u);
    }
    peer.shuttle();
    std::size_t got = 0;
    std::vector<std::byte> buf(4096);
    while (got < static_cast<std::size_t>(requests)) {
        error_code ec = asio::error::would_block;
        client.async_read_some(asio::buffer(buf), [&](error_code e, std::size_t n) {
            ec = e;
            got += n;
        });
        BOOST_TEST_REQUIRE(drive(ioc, peer, [&] { return ec != asio::error::would_block; }));
        BOOST_TEST_REQUIRE(ec.message() == error_code{}.message());
    }
    BOOST_TEST(peer_log.last_number("SERVER_TRAFFIC_SECRET_") == requests);
    settle(ioc, peer);
    BOOST_TEST(!peer.eng.failed(), peer.eng.error().message());
    BOOST_TEST(peer_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
}
