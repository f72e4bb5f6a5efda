#ifndef MTLS_TEST_SUPPORT_PUMP_HPP
#define MTLS_TEST_SUPPORT_PUMP_HPP

// Two engines wired back to back in memory, and what the engine tests check
// about how a handshake ended. Include after <boost/test/unit_test.hpp>.

#include "support/bytes.hpp"
#include "support/checks.hpp"
#include "support/messages.hpp"
#include "support/records.hpp"

#include <mtls/context.hpp>
#include <mtls/engine.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace mtls::test {

/// A client and a server engine wired back to back in memory.
///
/// `pump()` repeatedly moves each engine's output (after `tamper`) into the
/// other's input, `feed_size` bytes per `feed()` call, and drains received
/// plaintext into `received(d)`, until neither side has anything to send.
class engine_pair {
public:
    engine_pair(const context& client_ctx, const context& server_ctx, engine_test_hooks client_hooks = {},
                engine_test_hooks server_hooks = {})
        : client(client_ctx, role::client, std::move(client_hooks)),
          server(server_ctx, role::server, std::move(server_hooks))
    {
        client.set_host_name("localhost");
    }

    engine client;
    engine server;
    /// Sees (and may change, drop or add) every flight's records.
    std::function<void(flight&)> tamper;
    /// Sees every flight's bytes after `tamper`, for changes below the record framing.
    std::function<void(direction, std::size_t index, bytes&)> tamper_bytes;
    /// Bytes handed to `feed()` at a time.
    std::size_t feed_size = std::numeric_limits<std::size_t>::max();

    engine& sender(direction d) { return d == direction::to_server ? client : server; }
    engine& receiver(direction d) { return d == direction::to_server ? server : client; }
    /// Plaintext received by the receiver of `d`.
    bytes& received(direction d) { return side(d).plaintext; }
    /// Records delivered in direction `d` (after tampering), in order.
    const std::vector<record>& log(direction d) { return side(d).log; }
    /// Largest plaintext span handed out at once by the receiver of `d`.
    std::size_t largest_plaintext(direction d) { return side(d).largest_plaintext; }

    void start()
    {
        client.start_handshake();
        server.start_handshake();
    }

    /// Runs until neither side produces output; false if that did not happen
    /// within `max_rounds` (a livelock).
    bool pump(std::size_t max_rounds = 100000)
    {
        for (std::size_t i = 0; i < max_rounds; ++i) {
            bool moved = transfer(direction::to_server);
            moved = transfer(direction::to_client) || moved;
            if (!moved)
                return true;
        }
        return false;
    }

    /// Starts both sides and pumps; true when both completed and neither failed.
    bool handshake()
    {
        start();
        bool settled = pump();
        BOOST_TEST(settled, "the handshake did not settle");
        return settled && handshake_ok();
    }

    bool handshake_ok() const
    {
        return client.handshake_done() && server.handshake_done() && !client.failed() && !server.failed();
    }

    /// Moves what the sender of `d` has queued (through the tamper hooks) to
    /// the receiver, once, without answering: false when nothing was queued.
    bool send(direction d) { return transfer(d); }

    /// Hands raw bytes to the receiver of `d`, bypassing the tamper hooks.
    void inject(direction d, std::span<const std::byte> data)
    {
        auto& s = side(d);
        s.pending.insert(s.pending.end(), data.begin(), data.end());
        deliver(d);
    }

    /// Writes `c2s` from the client and `s2c` from the server with `write()`
    /// and pumps; true when each side received exactly what the other wrote.
    bool exchange(const bytes& c2s, const bytes& s2c)
    {
        received(direction::to_server).clear();
        received(direction::to_client).clear();
        bool wrote = client.write(c2s) == c2s.size() && server.write(s2c) == s2c.size();
        bool settled = pump();
        return wrote && settled && received(direction::to_server) == c2s && received(direction::to_client) == s2c;
    }

private:
    struct side_state {
        bytes carry;      // output bytes not yet forming a whole record
        bytes pending;    // input the receiver has not taken yet
        bytes plaintext;
        std::vector<record> log;
        std::size_t flights = 0;
        bool saw_ccs = false;
        std::size_t largest_plaintext = 0;
    };
    side_state& side(direction d) { return sides_[d == direction::to_server ? 0 : 1]; }

    bool transfer(direction d)
    {
        auto& s = side(d);
        engine& from = sender(d);
        bool moved = false;
        for (auto out = from.output(); !out.empty(); out = from.output()) {
            s.carry.insert(s.carry.end(), out.begin(), out.end());
            from.consume_output(out.size());
            moved = true;
        }
        if (!moved) {
            // Input the receiver held back while its own output was queued
            // (engine back-pressure) may go in now.
            const auto before = s.pending.size();
            deliver(d);
            return s.pending.size() != before;
        }
        flight f{d, s.flights++, split_records(s.carry)};
        for (auto& r : f.records) {
            r.encrypted = s.saw_ccs;
            if (r.type == content::change_cipher_spec && !r.encrypted)
                s.saw_ccs = true;
        }
        if (tamper)
            tamper(f);
        auto raw = serialize(f.records);
        if (tamper_bytes)
            tamper_bytes(d, f.index, raw);
        s.log.insert(s.log.end(), f.records.begin(), f.records.end());
        s.pending.insert(s.pending.end(), raw.begin(), raw.end());
        deliver(d);
        return true;
    }

    void drain(direction d)
    {
        auto& s = side(d);
        engine& to = receiver(d);
        for (auto p = to.plaintext(); !p.empty(); p = to.plaintext()) {
            s.largest_plaintext = std::max(s.largest_plaintext, p.size());
            s.plaintext.insert(s.plaintext.end(), p.begin(), p.end());
            to.consume_plaintext(p.size());
        }
    }

    void deliver(direction d)
    {
        auto& s = side(d);
        engine& to = receiver(d);
        std::size_t off = 0;
        while (off < s.pending.size()) {
            std::size_t n = std::min(feed_size, s.pending.size() - off);
            std::size_t took = to.feed(std::span<const std::byte>(s.pending).subspan(off, n));
            off += took;
            bool had_plaintext = !to.plaintext().empty();
            drain(d);
            if (took == 0 && !had_plaintext)
                break;
        }
        s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<std::ptrdiff_t>(off));
    }

    std::array<side_state, 2> sides_;
};

/// The description of the last record in `d` if it is a plaintext fatal
/// alert, else -1: what a side that failed before encryption sent.
inline int last_fatal_alert(engine_pair& p, direction d)
{
    const auto& log = p.log(d);
    if (log.empty())
        return -1;
    const auto& r = log.back();
    if (r.type != content::alert || r.encrypted || r.body.size() != 2 || r.body[0] != std::byte{2})
        return -1;
    return std::to_integer<int>(r.body[1]);
}

/// What the ends of a completed handshake between the test PKI's contexts
/// report about each other: the server's certificate and name, and the
/// client's certificate when `client_cert`.
inline void check_peers(engine_pair& p, bool client_cert)
{
    const auto& ci = p.client.info();
    BOOST_TEST(!ci.peer_certificates.empty());
    BOOST_TEST(contains(ci.peer_subject, "CN=localhost"), "client sees subject " << ci.peer_subject);
    const auto& si = p.server.info();
    BOOST_TEST(si.server_name == "localhost");
    if (client_cert) {
        BOOST_TEST(si.peer_certificates.size() == 1u);
        BOOST_TEST(contains(si.peer_subject, "CN=mtls test client"), "server sees subject " << si.peer_subject);
    } else {
        BOOST_TEST(si.peer_certificates.empty());
        BOOST_TEST(si.peer_subject.empty());
    }
}

} // namespace mtls::test

#endif
