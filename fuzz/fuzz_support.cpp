#include "fuzz_support.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>

namespace mtls::fuzz {
namespace {

std::vector<named_group> groups_preferring(named_group first)
{
    std::vector<named_group> g{first};
    for (auto x : {named_group::x25519, named_group::secp256r1, named_group::secp384r1})
        if (x != first)
            g.push_back(x);
    return g;
}

/// Contexts are immutable once built and cheap to copy; building one parses
/// the credentials, so each configuration is built once per process.
using context_key = std::tuple<tls_version, bool, bool, named_group>;

} // namespace

context server_context(const setup& s)
{
    static std::map<context_key, context> cache;
    const context_key key{s.max_version, true, s.require_client_cert, s.server_group};
    if (auto it = cache.find(key); it != cache.end())
        return it->second;
    const auto& c = test_credentials();
    context ctx;
    ctx.set_max_version(s.max_version);
    ctx.use_certificate_chain(c.server, file_format::asn1);
    ctx.use_private_key(c.server_key, file_format::asn1);
    ctx.add_certificate_authority(c.ca, file_format::asn1);
    ctx.set_verify_mode(s.require_client_cert ? verify_peer | verify_fail_if_no_peer_cert : verify_peer);
    ctx.set_groups(groups_preferring(s.server_group));
    cache.emplace(key, ctx);
    return ctx;
}

context client_context(const setup& s)
{
    static std::map<context_key, context> cache;
    const context_key key{s.max_version, s.client_cert, false, s.client_group};
    if (auto it = cache.find(key); it != cache.end())
        return it->second;
    const auto& c = test_credentials();
    context ctx;
    ctx.set_max_version(s.max_version);
    if (s.client_cert) {
        ctx.use_certificate_chain(c.client, file_format::asn1);
        ctx.use_private_key(c.client_key, file_format::asn1);
    }
    ctx.add_certificate_authority(c.ca, file_format::asn1);
    ctx.set_groups(groups_preferring(s.client_group));
    cache.emplace(key, ctx);
    return ctx;
}

engine_test_hooks fixed_hooks(std::uint8_t seed, std::function<void(std::string_view, bytes_view)> secret_log)
{
    engine_test_hooks h;
    auto counter = std::make_shared<std::uint32_t>(seed * 0x01000193u);
    h.random = [counter](std::span<std::byte> out) {
        for (auto& b : out) {
            *counter = *counter * 1664525u + 1013904223u;
            b = std::byte(static_cast<std::uint8_t>(*counter >> 24));
        }
    };
    h.ephemeral_private_key = [seed](named_group g) {
        const std::size_t n = g == named_group::secp384r1 ? 48 : 32;
        bytes key = pattern(n, static_cast<std::uint8_t>(seed + static_cast<std::uint8_t>(g)));
        // NIST scalars must be below the group order, whose top byte is 0xFF.
        key[0] = std::byte{0x42};
        return key;
    };
    h.secret_log = std::move(secret_log);
    return h;
}

engine make_server(const setup& s, engine_test_hooks hooks)
{
    engine e(server_context(s), role::server, std::move(hooks));
    e.start_handshake();
    return e;
}

engine make_client(const setup& s, engine_test_hooks hooks)
{
    engine e(client_context(s), role::client, std::move(hooks));
    e.set_host_name("localhost");
    e.start_handshake();
    return e;
}

void oracle_failure(const char* what)
{
    std::fprintf(stderr, "fuzz oracle: %s\n", what);
    std::abort();
}

bytes drain(engine& e)
{
    bytes out;
    // Each pass consumes everything returned; the engine queues no new output
    // on its own, so this ends after at most two passes.
    for (auto o = e.output(); !o.empty(); o = e.output()) {
        out.insert(out.end(), o.begin(), o.end());
        e.consume_output(o.size());
    }
    return out;
}

std::size_t feed(engine& e, bytes_view data, bytes& received)
{
    std::size_t off = 0;
    // Every pass either hands out plaintext that came from `data` or takes
    // input, so the loop ends.
    for (;;) {
        auto p = e.plaintext();
        if (!p.empty()) {
            if (e.failed())
                oracle_failure("plaintext reported after the connection failed");
            received.insert(received.end(), p.begin(), p.end());
            e.consume_plaintext(p.size());
            continue;
        }
        if (off == data.size())
            return off;
        const std::size_t n = e.feed(data.subspan(off));
        off += n;
        if (n == 0 && e.plaintext().empty()) {
            // Refusing input is right after failure or close_notify, and
            // while output waits to be sent (the engine bounds its queue).
            if (!e.failed() && !e.peer_closed() && e.output().empty())
                oracle_failure("engine refused input without failing, being closed or having output");
            return off;
        }
    }
}

void feed_all(engine& e, bytes_view data, bytes& received)
{
    // Each pass takes input or empties the output, after which the engine
    // takes input again unless it is finished.
    for (std::size_t off = 0; off < data.size();) {
        const std::size_t n = feed(e, data.subspan(off), received);
        off += n;
        if (n == 0 && drain(e).empty())
            return;
    }
}

bytes cursor::take(std::size_t n)
{
    n = std::min(n, size_ - pos_);
    const auto* p = reinterpret_cast<const std::byte*>(data_ + pos_);
    pos_ += n;
    return bytes(p, p + n);
}

engine_pair::engine_pair(const setup& c, const setup& s, engine_test_hooks client_hooks,
                         engine_test_hooks server_hooks)
    : client(make_client(c, std::move(client_hooks))), server(make_server(s, std::move(server_hooks)))
{
}

void engine_pair::run()
{
    // A handshake takes a handful of flights each way; a pair still talking
    // after this many rounds is stuck in a loop.
    constexpr int max_rounds = 64;
    for (int round = 0; round < max_rounds; ++round) {
        bool moved = false;
        for (bool from_client : {true, false}) {
            flight f{from_client, drain(from_client ? client : server)};
            auto& pending = from_client ? to_server_ : to_client_;
            if (!f.data.empty()) {
                moved = true;
                if (on_flight)
                    on_flight(flights.size(), f);
                pending.insert(pending.end(), f.data.begin(), f.data.end());
                flights.push_back(std::move(f));
            }
            if (deliver(!from_client))
                moved = true;
        }
        if (!moved)
            return;
    }
    oracle_failure("engines still exchanging flights after 64 rounds");
}

bool engine_pair::deliver(bool to_server)
{
    auto& pending = to_server ? to_server_ : to_client_;
    if (pending.empty())
        return false;
    const std::size_t n = feed(to_server ? server : client, pending, to_server ? server_read : client_read);
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
    check();
    return n != 0;
}

void engine_pair::write(bool from_client, bytes_view data)
{
    auto& e = from_client ? client : server;
    if (!e.is_open())
        return;
    const std::size_t n = e.write(data);
    if (n != data.size())
        oracle_failure("write on an open engine took less than all");
    auto& wrote = from_client ? client_wrote : server_wrote;
    wrote.insert(wrote.end(), data.begin(), data.end());
}

void engine_pair::inject(bool to_server, bytes_view data)
{
    auto& pending = to_server ? to_server_ : to_client_;
    pending.insert(pending.end(), data.begin(), data.end());
    deliver(to_server);
}

void engine_pair::check() const
{
    auto is_prefix = [](const bytes& read, const bytes& wrote) {
        return read.size() <= wrote.size() && std::equal(read.begin(), read.end(), wrote.begin());
    };
    if (!is_prefix(server_read, client_wrote))
        oracle_failure("server read plaintext the client never wrote");
    if (!is_prefix(client_read, server_wrote))
        oracle_failure("client read plaintext the server never wrote");
}

bytes pattern(std::size_t n, std::uint8_t seed)
{
    bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& v : b) {
        x = x * 1664525u + 1013904223u;
        v = std::byte(static_cast<std::uint8_t>(x >> 24));
    }
    return b;
}

bytes session_ticket_key_records()
{
    auto records = pattern(48, 0x51);
    const auto second = pattern(48, 0xA2);
    records.insert(records.end(), second.begin(), second.end());
    return records;
}

} // namespace mtls::fuzz
