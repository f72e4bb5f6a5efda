// mtls::engine, TLS 1.3 client against server in memory: KeyUpdate, asked
// for and automatic across 64 MiB each way. A tls13_observer decrypts the
// records in transit with the secrets the engines log and checks each new
// traffic secret against its own derivation (RFC 8446 §7.2).

#define BOOST_TEST_MODULE engine_tls13_key_update
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/checks.hpp"
#include "support/key_log.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"
#include "support/tls13_observer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace mtls;
using namespace mtls::test;

// ===========================================================================
BOOST_AUTO_TEST_SUITE(key_update)

BOOST_AUTO_TEST_CASE(update_keys_is_refused_outside_tls13_connections)
{
    engine_pair p(client_context(), server_context());
    BOOST_TEST(!p.client.update_keys(true)); // no handshake yet
    auto client_ctx = client_context();
    client_ctx.set_max_version(tls_version::tls12);
    engine_pair p12(client_ctx, server_context());
    MTLS_REQUIRE_HANDSHAKE(p12);
    BOOST_TEST(!p12.client.update_keys(true)); // TLS 1.2 has no KeyUpdate
    BOOST_TEST(!p12.server.update_keys(false));
    BOOST_TEST(p12.client.output().empty());
    BOOST_TEST(p12.server.output().empty());
}

BOOST_AUTO_TEST_CASE(requested_and_unrequested_updates)
{
    observed_pair op(client_context("client-ecdsa"), server_context_requiring_client_cert());
    auto& p = op.pair;
    auto& cl = op.client_log;
    auto& sl = op.server_log;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    BOOST_TEST_REQUIRE(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 0);
    BOOST_TEST_REQUIRE(sl.last_number("SERVER_TRAFFIC_SECRET_") == 0);
    const auto& to_server = op.obs.in(direction::to_server);
    const auto& to_client = op.obs.in(direction::to_client);

    // 1. update_not_requested: the client moves to secret 1, the server
    // follows on receipt and does not answer (RFC 8446 §4.6.3).
    BOOST_TEST(p.client.update_keys(false));
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_1") == cl.find("CLIENT_TRAFFIC_SECRET_1")));
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 0);
    BOOST_TEST((to_server.key_updates == std::vector<int>{0}));
    BOOST_TEST(to_client.key_updates.empty());
    BOOST_TEST(p.exchange(pattern(20000, 1), pattern(20000, 2)));

    // 2. update_requested: §4.6.3, the receiver sends its own KeyUpdate, with
    // update_not_requested, before its next application data record.
    BOOST_TEST(p.client.update_keys(true));
    BOOST_TEST_REQUIRE(p.send(direction::to_server)); // only the KeyUpdate, not yet answered
    p.received(direction::to_client).clear();
    BOOST_TEST(p.server.write(pattern(100, 3)) == 100u);
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST((p.received(direction::to_client) == pattern(100, 3)));
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 2);
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 1);
    BOOST_TEST((cl.find("SERVER_TRAFFIC_SECRET_1") == sl.find("SERVER_TRAFFIC_SECRET_1")));
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_2") == cl.find("CLIENT_TRAFFIC_SECRET_2")));
    BOOST_TEST((to_server.key_updates == std::vector<int>{0, 1}));
    BOOST_TEST((to_client.key_updates == std::vector<int>{0}));
    // The 100 bytes went under the server's new key, after its KeyUpdate.
    BOOST_TEST_REQUIRE(to_client.data_records_per_key.size() == 2u);
    BOOST_TEST(to_client.data_records_per_key[1] == 1u);
    BOOST_TEST(p.exchange(pattern(20000, 4), pattern(20000, 5)));

    // 3. The server asks; the client answers.
    BOOST_TEST(p.server.update_keys(true));
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(sl.last_number("SERVER_TRAFFIC_SECRET_") == 2);
    BOOST_TEST(cl.last_number("CLIENT_TRAFFIC_SECRET_") == 3);
    BOOST_TEST((sl.find("CLIENT_TRAFFIC_SECRET_3") == cl.find("CLIENT_TRAFFIC_SECRET_3")));
    BOOST_TEST((cl.find("SERVER_TRAFFIC_SECRET_2") == sl.find("SERVER_TRAFFIC_SECRET_2")));
    BOOST_TEST((to_client.key_updates == std::vector<int>{0, 1}));
    BOOST_TEST((to_server.key_updates == std::vector<int>{0, 1, 0}));
    BOOST_TEST(p.exchange(pattern(20000, 6), pattern(20000, 7)));
    BOOST_TEST(op.obs.clean(), op.obs.problems());

    // 4. Not after close.
    p.client.close();
    BOOST_TEST(!p.client.update_keys(true));
    BOOST_TEST_REQUIRE(p.pump());
    BOOST_TEST(p.server.peer_closed());
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

BOOST_AUTO_TEST_CASE(invalid_request_update_is_illegal_parameter)
{
    // RFC 8446 §4.6.3: request_update other than 0 or 1 ends the connection
    // with illegal_parameter.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::handshake, key_update_message(2)));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::bad_key_update, p.client, alert::illegal_parameter);
    BOOST_TEST(op.server_log.last_number("CLIENT_TRAFFIC_SECRET_") == 0);
}

BOOST_AUTO_TEST_CASE(key_update_must_end_its_record)
{
    // RFC 8446 §5.1: a handshake message that precedes a key change must end
    // at a record boundary; otherwise unexpected_message.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    auto content = key_update_message(0);
    const auto next = key_update_message(0);
    content.insert(content.end(), next.begin(), next.begin() + 2);
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::handshake, content));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.server, error::message_spans_key_change, p.client, alert::unexpected_message);
}

BOOST_AUTO_TEST_CASE(key_update_in_fragments)
{
    // RFC 8446 §5.1: handshake messages may be fragmented across records; a
    // KeyUpdate takes effect once whole, for the records after it.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    const auto ku = key_update_message(0);
    p.inject(direction::to_server,
             op.obs.forge(direction::to_server, content::handshake, std::span(ku).first(2)));
    p.inject(direction::to_server,
             op.obs.forge(direction::to_server, content::handshake, std::span(ku).subspan(2)));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    // The observer moved to the client's next secret; so must the server.
    const auto data = pattern(500, 9);
    p.received(direction::to_server).clear();
    p.inject(direction::to_server, op.obs.forge(direction::to_server, content::application_data, data));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
    BOOST_TEST((p.received(direction::to_server) == data));
    BOOST_TEST(op.server_log.last_number("CLIENT_TRAFFIC_SECRET_") == 1);
    BOOST_TEST((op.obs.in(direction::to_server).key_updates == std::vector<int>{0}));
}

BOOST_AUTO_TEST_CASE(padded_records)
{
    // RFC 8446 §5.4: zeros after the content type are padding, removed by the
    // receiver; a record that is only zeros has no content type, and ends
    // the connection with unexpected_message.
    observed_pair op(client_context(), server_context());
    auto& p = op.pair;
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_TEST_REQUIRE(p.client.info().version == tls_version::tls13);
    const auto data = pattern(300, 4);
    p.received(direction::to_client).clear();
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::application_data, data, 1000));
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST((p.received(direction::to_client) == data));
    // A padded KeyUpdate works the same way.
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::handshake, key_update_message(0), 7));
    p.inject(direction::to_client, op.obs.forge(direction::to_client, content::application_data, data));
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST(p.received(direction::to_client).size() == 2 * data.size());

    p.inject(direction::to_client, op.obs.forge(direction::to_client, 0, {}, 20));
    BOOST_TEST_REQUIRE(p.pump());
    MTLS_CHECK_FAILURE(p.client, error::no_inner_content_type, p.server, alert::unexpected_message);
}

namespace {

/// Byte i of a direction's stream: byte i % 4 (little-endian) of the 32-bit
/// word (i / 4) xor `seed`. A counter: lost, repeated or reordered bytes show.
void fill_counter(std::uint32_t seed, std::uint64_t offset, std::byte* out, std::size_t n)
{
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint64_t i = offset + k;
        const std::uint32_t w = static_cast<std::uint32_t>(i / 4) ^ seed;
        out[k] = std::byte(static_cast<std::uint8_t>(w >> (8 * (i % 4))));
    }
}

/// Moves bytes straight between two engines for bulk transfers, without the
/// engine_pair's per-record copies and logs; every byte still passes the
/// observer, and every plaintext byte is checked against the counter pattern.
class bulk_link {
public:
    struct way {
        std::uint32_t seed = 0;
        std::uint64_t sent = 0;
        std::uint64_t received = 0;
        std::optional<std::uint64_t> mismatch; // first wrong byte's offset
        bool stuck = false;                    // the receiver took no input
    };

    bulk_link(engine& client, engine& server, tls13_observer& obs) : client_(client), server_(server), obs_(obs)
    {
        ways_[0].seed = 0x5A5A0000u;
        ways_[1].seed = 0xC3C30000u;
    }

    way& in(direction d) { return ways_[d == direction::to_server ? 0 : 1]; }

    /// The sender of `d` writes one chunk of its stream, up to `total`.
    void write_chunk(direction d, std::uint64_t total)
    {
        auto& w = in(d);
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size(), total - w.sent));
        if (n == 0)
            return;
        fill_counter(w.seed, w.sent, chunk_.data(), n);
        w.sent += sender(d).write(std::span<const std::byte>(chunk_.data(), n));
    }

    /// Moves output both ways until neither side has any; false when that
    /// takes implausibly long or a receiver stalls.
    bool settle()
    {
        for (int i = 0; i < 1000; ++i) {
            bool moved = move(direction::to_server);
            moved = move(direction::to_client) || moved;
            if (in(direction::to_server).stuck || in(direction::to_client).stuck)
                return false;
            if (!moved)
                return true;
        }
        return false;
    }

private:
    engine& sender(direction d) { return d == direction::to_server ? client_ : server_; }
    engine& receiver(direction d) { return d == direction::to_server ? server_ : client_; }

    bool move(direction d)
    {
        engine& from = sender(d);
        engine& to = receiver(d);
        auto& w = in(d);
        bool moved = false;
        for (auto out = from.output(); !out.empty() && !w.stuck; out = from.output()) {
            obs_.see_bytes(d, out);
            std::size_t off = 0;
            while (off < out.size()) {
                const std::size_t took = to.feed(out.subspan(off));
                off += took;
                const bool drained = drain(d);
                if (took == 0 && !drained) {
                    w.stuck = true;
                    break;
                }
            }
            from.consume_output(out.size());
            moved = true;
        }
        return moved;
    }

    bool drain(direction d)
    {
        engine& to = receiver(d);
        auto& w = in(d);
        bool any = false;
        for (auto p = to.plaintext(); !p.empty(); p = to.plaintext()) {
            expected_.resize(p.size());
            fill_counter(w.seed, w.received, expected_.data(), p.size());
            if (!w.mismatch && std::memcmp(p.data(), expected_.data(), p.size()) != 0) {
                std::size_t i = 0;
                while (p[i] == expected_[i])
                    ++i;
                w.mismatch = w.received + i;
            }
            w.received += p.size();
            to.consume_plaintext(p.size());
            any = true;
        }
        return any;
    }

    engine& client_;
    engine& server_;
    tls13_observer& obs_;
    std::array<way, 2> ways_;
    bytes chunk_ = bytes(64 * 1024);
    bytes expected_;
};

/// `requester` calls update_keys(true); the link carries the KeyUpdate and
/// the answer with no application data written meanwhile. RFC 8446 §4.6.3:
/// the peer answers with a KeyUpdate of its own, so it logs a new secret for
/// its sending side, which the requester derives too.
void requested_update_is_answered(engine& requester, const key_log& requester_log, const key_log& peer_log,
                                  const std::string& own_prefix, const std::string& peer_prefix, bulk_link& link)
{
    BOOST_TEST_REQUIRE(link.settle());
    const long own_before = requester_log.last_number(own_prefix);
    const long peer_before = peer_log.last_number(peer_prefix);
    BOOST_TEST_REQUIRE(requester.update_keys(true));
    BOOST_TEST(requester_log.last_number(own_prefix) == own_before + 1);
    BOOST_TEST_REQUIRE(link.settle());
    const long peer_after = peer_log.last_number(peer_prefix);
    BOOST_TEST(peer_after >= peer_before + 1, peer_prefix << " before " << peer_before << ", after " << peer_after);
    const std::string label = peer_prefix + std::to_string(peer_after);
    BOOST_TEST((requester_log.find(label).has_value() && requester_log.find(label) == peer_log.find(label)),
               label << " as derived by the requester");
}

} // namespace

BOOST_AUTO_TEST_CASE(automatic_and_requested_updates_across_64_mib_each_way)
{
    // Both ends update their sending key every `limit` records on their own
    // (RFC 8446 §4.6.3, §5.5), and each asks the other once, while 64 MiB
    // flow each way, interleaved.
    constexpr std::uint64_t total = 64u << 20;
    constexpr std::uint64_t limit = 256;
    auto client_ctx = only_tls13(client_context("client-ecdsa"));
    auto server_ctx = only_tls13(server_context_requiring_client_cert());
    client_ctx.set_key_update_limit(limit);
    server_ctx.set_key_update_limit(limit);
    key_log cl, sl;
    engine_pair p(client_ctx, server_ctx, cl.hooks(), sl.hooks());
    tls13_observer obs(cl, sl, false);
    p.tamper = obs.tamper();
    MTLS_REQUIRE_HANDSHAKE(p);
    p.tamper = nullptr; // from here the bulk link feeds the observer

    bulk_link link(p.client, p.server, obs);
    bool client_asked = false, server_asked = false;
    for (int rounds = 0; rounds < 100000; ++rounds) {
        auto& c2s = link.in(direction::to_server);
        auto& s2c = link.in(direction::to_client);
        if (c2s.sent == total && s2c.sent == total)
            break;
        link.write_chunk(direction::to_server, total);
        link.write_chunk(direction::to_client, total);
        BOOST_TEST_REQUIRE(link.settle());
        BOOST_TEST_REQUIRE(!p.client.failed(), describe(p.client.error()));
        BOOST_TEST_REQUIRE(!p.server.failed(), describe(p.server.error()));
        if (!client_asked && c2s.sent >= total / 2) {
            client_asked = true;
            requested_update_is_answered(p.client, cl, sl, "CLIENT_TRAFFIC_SECRET_", "SERVER_TRAFFIC_SECRET_", link);
        }
        if (!server_asked && s2c.sent >= total * 3 / 4) {
            server_asked = true;
            requested_update_is_answered(p.server, sl, cl, "SERVER_TRAFFIC_SECRET_", "CLIENT_TRAFFIC_SECRET_", link);
        }
    }
    BOOST_TEST_REQUIRE(link.settle());
    BOOST_TEST(client_asked);
    BOOST_TEST(server_asked);

    const std::uint64_t records = total / max_plaintext;
    for (auto d : {direction::to_server, direction::to_client}) {
        BOOST_TEST_CONTEXT(d)
        {
            const auto& w = link.in(d);
            BOOST_TEST(w.sent == total);
            BOOST_TEST(w.received == total);
            BOOST_TEST(!w.mismatch.has_value(), "first wrong byte at " << w.mismatch.value_or(0));
            BOOST_TEST(!w.stuck);

            const std::string prefix = d == direction::to_server ? "CLIENT_TRAFFIC_SECRET_" : "SERVER_TRAFFIC_SECRET_";
            const key_log& sender_log = d == direction::to_server ? cl : sl;
            const key_log& receiver_log = d == direction::to_server ? sl : cl;
            const long updates = sender_log.last_number(prefix);
            BOOST_TEST_MESSAGE(d << ": " << updates << " key updates");
            // `records` records at most `limit` under one key need at least
            // records / limit keys, so records / limit - 1 updates (the one
            // asked for among them: it restarts the count).
            BOOST_TEST(updates >= static_cast<long>(records / limit) - 1, prefix << " reached " << updates);
            // Each secret logged once by the sender and derived alike by the receiver.
            BOOST_TEST(sender_log.count_numbered(prefix) == static_cast<std::size_t>(updates + 1));
            BOOST_TEST(receiver_log.last_number(prefix) == updates);
            const std::string last = prefix + std::to_string(updates);
            BOOST_TEST((receiver_log.find(last) == sender_log.find(last)), last);

            // On the wire: one KeyUpdate per secret, and no key protects more
            // than `limit` application data records.
            const auto& seen = obs.in(d);
            BOOST_TEST(seen.key_updates.size() == static_cast<std::size_t>(updates));
            BOOST_TEST(std::count(seen.key_updates.begin(), seen.key_updates.end(), 1) >= 1);
            BOOST_TEST_REQUIRE(!seen.data_records_per_key.empty());
            const auto most = *std::max_element(seen.data_records_per_key.begin(), seen.data_records_per_key.end());
            BOOST_TEST(most <= limit);
            const auto most_records = *std::max_element(seen.records_per_key.begin(), seen.records_per_key.end());
            BOOST_TEST(most_records <= limit + 1);
        }
    }
    BOOST_TEST(obs.clean(), obs.problems());
    BOOST_TEST(!p.client.failed(), describe(p.client.error()));
    BOOST_TEST(!p.server.failed(), describe(p.server.error()));
}

BOOST_AUTO_TEST_SUITE_END()
