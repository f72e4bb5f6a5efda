#ifndef MTLS_TEST_ENGINE_PAIR_HPP
#define MTLS_TEST_ENGINE_PAIR_HPP

// Shared helpers of the engine-to-engine tests: contexts built from the test
// PKI (MTLS_TEST_CERTS, made by gen_certs.sh), a pump that moves one engine's
// output into the other's input until both settle, a tamper hook that sees
// every flight in transit, and builders for raw records and handshake
// messages. Include after <boost/test/unit_test.hpp>.

#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mtls {

inline std::ostream& boost_test_print_type(std::ostream& os, cipher_suite s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, named_group g) { return os << to_string(g); }
inline std::ostream& boost_test_print_type(std::ostream& os, tls_version v) { return os << to_string(v); }

} // namespace mtls

namespace mtls::test {

using bytes = std::vector<std::byte>;

// ---------------------------------------------------------------- test PKI

inline std::string certs_dir()
{
    const char* d = std::getenv("MTLS_TEST_CERTS");
    BOOST_TEST_REQUIRE(d != nullptr, "MTLS_TEST_CERTS must name the gen_certs.sh output");
    return d;
}

inline std::string cert_path(std::string_view file) { return certs_dir() + "/" + std::string(file); }

/// Loads `<name>.pem` (chain) and `<name>.key` into `ctx`.
inline void use_credential(context& ctx, std::string_view name)
{
    ctx.use_certificate_chain_file(cert_path(std::string(name) + ".pem"));
    ctx.use_private_key_file(cert_path(std::string(name) + ".key"));
}

/// Highest version the contexts below allow. The TLS 1.2 test files lower it
/// (with a global fixture) to exercise the 1.2 handshake message by message.
inline tls_version contexts_max_version = tls_version::tls13;

/// A server with credential `name` that trusts ca.pem (for client certificates).
inline context server_context(std::string_view name = "server-ecdsa")
{
    context ctx;
    ctx.set_max_version(contexts_max_version);
    use_credential(ctx, name);
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

/// A server that requires a client certificate chaining to ca.pem.
inline context server_context_requiring_client_cert(std::string_view name = "server-ecdsa")
{
    auto ctx = server_context(name);
    ctx.set_verify_mode(verify_peer | verify_fail_if_no_peer_cert);
    return ctx;
}

/// A client trusting ca.pem; with credential `name` unless it is empty.
inline context client_context(std::string_view name = "")
{
    context ctx;
    ctx.set_max_version(contexts_max_version);
    if (!name.empty())
        use_credential(ctx, name);
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

// ---------------------------------------------------------- wire constants

namespace content {
inline constexpr std::uint8_t change_cipher_spec = 20;
inline constexpr std::uint8_t alert = 21;
inline constexpr std::uint8_t handshake = 22;
inline constexpr std::uint8_t application_data = 23;
} // namespace content

namespace msg {
inline constexpr std::uint8_t hello_request = 0;
inline constexpr std::uint8_t client_hello = 1;
inline constexpr std::uint8_t server_hello = 2;
inline constexpr std::uint8_t certificate = 11;
inline constexpr std::uint8_t server_key_exchange = 12;
inline constexpr std::uint8_t certificate_request = 13;
inline constexpr std::uint8_t server_hello_done = 14;
inline constexpr std::uint8_t certificate_verify = 15;
inline constexpr std::uint8_t client_key_exchange = 16;
inline constexpr std::uint8_t finished = 20;
} // namespace msg

namespace ext {
inline constexpr std::uint16_t supported_groups = 0x000A;
inline constexpr std::uint16_t extended_master_secret = 0x0017;
inline constexpr std::uint16_t renegotiation_info = 0xFF01;
} // namespace ext

inline constexpr std::size_t record_header_size = 5;
inline constexpr std::size_t handshake_header_size = 4;
inline constexpr std::size_t max_plaintext = 1u << 14;       // RFC 5246 §6.2.1
inline constexpr std::size_t max_ciphertext = max_plaintext + 2048; // RFC 5246 §6.2.3

// ---------------------------------------------------------------- builders

inline void put8(bytes& b, std::size_t v) { b.push_back(std::byte(static_cast<std::uint8_t>(v))); }
inline void put16(bytes& b, std::size_t v) { put8(b, v >> 8); put8(b, v); }
inline void put24(bytes& b, std::size_t v) { put8(b, v >> 16); put16(b, v); }
inline std::size_t get16(const bytes& b, std::size_t at)
{
    return (std::to_integer<std::size_t>(b.at(at)) << 8) | std::to_integer<std::size_t>(b.at(at + 1));
}
inline std::size_t get24(const bytes& b, std::size_t at)
{
    return (std::to_integer<std::size_t>(b.at(at)) << 16) | get16(b, at + 1);
}
inline void set16(bytes& b, std::size_t at, std::size_t v)
{
    b.at(at) = std::byte(static_cast<std::uint8_t>(v >> 8));
    b.at(at + 1) = std::byte(static_cast<std::uint8_t>(v));
}
inline void set24(bytes& b, std::size_t at, std::size_t v)
{
    b.at(at) = std::byte(static_cast<std::uint8_t>(v >> 16));
    set16(b, at + 1, v);
}

/// A record: header (type, version, 16-bit length) and `body`.
inline bytes make_record(std::uint8_t type, std::span<const std::byte> body, std::uint16_t version = 0x0303)
{
    bytes r;
    put8(r, type);
    put16(r, version);
    put16(r, body.size());
    r.insert(r.end(), body.begin(), body.end());
    return r;
}

/// A handshake message: type, 24-bit length, `body`.
inline bytes make_handshake(std::uint8_t type, std::span<const std::byte> body)
{
    bytes m;
    put8(m, type);
    put24(m, body.size());
    m.insert(m.end(), body.begin(), body.end());
    return m;
}

/// Recomputes the 24-bit length of a handshake message after its body changed.
inline void fix_handshake_length(bytes& message) { set24(message, 1, message.size() - handshake_header_size); }

/// Bytes with a recognisable pattern, for application data.
inline bytes pattern(std::size_t n, unsigned seed = 1)
{
    bytes b(n);
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& v : b) {
        x = x * 1664525u + 1013904223u;
        v = std::byte(static_cast<std::uint8_t>(x >> 24));
    }
    return b;
}

// ------------------------------------------------------- records in flight

struct record {
    std::uint8_t type = 0;
    std::uint16_t version = 0x0303;
    bytes body;
    /// Sent after this direction's ChangeCipherSpec: the body is ciphertext.
    bool encrypted = false;

    bytes serialize() const { return make_record(type, body, version); }
};

inline bytes serialize(const std::vector<record>& records)
{
    bytes out;
    for (const auto& r : records) {
        auto s = r.serialize();
        out.insert(out.end(), s.begin(), s.end());
    }
    return out;
}

/// Splits the whole records off the front of `buf`; a partial one stays.
inline std::vector<record> split_records(bytes& buf)
{
    std::vector<record> out;
    std::size_t off = 0;
    while (buf.size() - off >= record_header_size) {
        std::size_t len = get16(buf, off + 3);
        if (buf.size() - off < record_header_size + len)
            break;
        record r;
        r.type = std::to_integer<std::uint8_t>(buf[off]);
        r.version = static_cast<std::uint16_t>(get16(buf, off + 1));
        r.body.assign(buf.begin() + static_cast<std::ptrdiff_t>(off + record_header_size),
                      buf.begin() + static_cast<std::ptrdiff_t>(off + record_header_size + len));
        out.push_back(std::move(r));
        off += record_header_size + len;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(off));
    return out;
}

/// Handshake messages (header included) in one plaintext handshake record.
/// The engines never split a small message across records, so a message
/// that runs past the record's end is returned as is (truncated).
inline std::vector<bytes> messages_of(const record& r)
{
    std::vector<bytes> out;
    std::size_t off = 0;
    while (off < r.body.size()) {
        std::size_t len = r.body.size() - off >= handshake_header_size ? get24(r.body, off + 1) : 0;
        std::size_t end = std::min(r.body.size(), off + handshake_header_size + len);
        out.emplace_back(r.body.begin() + static_cast<std::ptrdiff_t>(off),
                         r.body.begin() + static_cast<std::ptrdiff_t>(end));
        off = end;
    }
    return out;
}

inline void set_messages(record& r, const std::vector<bytes>& messages)
{
    r.body.clear();
    for (const auto& m : messages)
        r.body.insert(r.body.end(), m.begin(), m.end());
}

inline std::uint8_t message_type(const bytes& m) { return std::to_integer<std::uint8_t>(m.at(0)); }

enum class direction { to_server, to_client };

inline std::ostream& operator<<(std::ostream& os, direction d)
{
    return os << (d == direction::to_server ? "client->server" : "server->client");
}

/// Everything one engine had queued when the pump collected its output.
struct flight {
    direction dir{};
    /// 0 for the first flight in this direction.
    std::size_t index = 0;
    std::vector<record> records;

    /// Applies `fn` to the message lists of the plaintext handshake records
    /// until it returns true; records left empty are removed.
    bool edit_messages(const std::function<bool(std::vector<bytes>&)>& fn)
    {
        for (auto it = records.begin(); it != records.end(); ++it) {
            if (it->type != content::handshake || it->encrypted)
                continue;
            auto ms = messages_of(*it);
            if (fn(ms)) {
                set_messages(*it, ms);
                if (it->body.empty())
                    records.erase(it);
                return true;
            }
        }
        return false;
    }

    /// Calls `fn` on the first plaintext handshake message of `type`.
    bool edit(std::uint8_t type, const std::function<void(bytes&)>& fn)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            for (auto& m : ms)
                if (message_type(m) == type) {
                    fn(m);
                    return true;
                }
            return false;
        });
    }

    bool has(std::uint8_t type) { return edit(type, [](bytes&) {}); }

    std::optional<bytes> find(std::uint8_t type)
    {
        std::optional<bytes> out;
        edit(type, [&](bytes& m) { out = m; });
        return out;
    }

    bool drop(std::uint8_t type)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            auto it = std::find_if(ms.begin(), ms.end(), [&](const bytes& m) { return message_type(m) == type; });
            if (it == ms.end())
                return false;
            ms.erase(it);
            return true;
        });
    }

    /// Inserts `message` right after the first message of type `after`.
    bool insert_after(std::uint8_t after, bytes message)
    {
        return edit_messages([&](std::vector<bytes>& ms) {
            auto it = std::find_if(ms.begin(), ms.end(), [&](const bytes& m) { return message_type(m) == after; });
            if (it == ms.end())
                return false;
            ms.insert(it + 1, std::move(message));
            return true;
        });
    }

    /// Index of the first record of `type` (and encryption state), if any.
    std::optional<std::size_t> find_record(std::uint8_t type, bool encrypted) const
    {
        for (std::size_t i = 0; i < records.size(); ++i)
            if (records[i].type == type && records[i].encrypted == encrypted)
                return i;
        return std::nullopt;
    }
};

// ------------------------------------------------------- hello messages

/// Offsets inside a ClientHello or ServerHello message (header included).
struct hello_layout {
    std::size_t session_id = 0;   // its length byte
    std::size_t suites = 0;       // ClientHello: 2-byte list length; ServerHello: the suite
    std::size_t compression = 0;  // ClientHello: 1-byte list length; ServerHello: the method
    std::size_t extensions = 0;   // 2-byte block length; == size when absent
};

inline hello_layout layout_of(const bytes& m)
{
    hello_layout l;
    l.session_id = handshake_header_size + 2 + 32;
    l.suites = l.session_id + 1 + std::to_integer<std::size_t>(m.at(l.session_id));
    if (message_type(m) == msg::client_hello) {
        l.compression = l.suites + 2 + get16(m, l.suites);
        l.extensions = l.compression + 1 + std::to_integer<std::size_t>(m.at(l.compression));
    } else {
        l.compression = l.suites + 2;
        l.extensions = l.compression + 1;
    }
    return l;
}

/// Finds extension `type` in a hello: offset of its 4-byte header.
inline std::optional<std::size_t> find_extension(const bytes& hello, std::uint16_t type)
{
    auto l = layout_of(hello);
    if (l.extensions + 2 > hello.size())
        return std::nullopt;
    std::size_t off = l.extensions + 2;
    std::size_t end = off + get16(hello, l.extensions);
    while (off + 4 <= end) {
        if (get16(hello, off) == type)
            return off;
        off += 4 + get16(hello, off + 2);
    }
    return std::nullopt;
}

/// Removes extension `type` from a hello, fixing the block and message lengths.
inline bool remove_extension(bytes& hello, std::uint16_t type)
{
    auto at = find_extension(hello, type);
    if (!at)
        return false;
    auto l = layout_of(hello);
    std::size_t len = 4 + get16(hello, *at + 2);
    hello.erase(hello.begin() + static_cast<std::ptrdiff_t>(*at),
                hello.begin() + static_cast<std::ptrdiff_t>(*at + len));
    set16(hello, l.extensions, get16(hello, l.extensions) - len);
    fix_handshake_length(hello);
    return true;
}

/// The data of extension `type` in a hello, if present.
inline std::optional<bytes> extension_data(const bytes& hello, std::uint16_t type)
{
    auto at = find_extension(hello, type);
    if (!at)
        return std::nullopt;
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(*at + 4);
    return bytes(begin, begin + static_cast<std::ptrdiff_t>(get16(hello, *at + 2)));
}

/// Replaces the data of extension `type` in a hello, fixing all lengths.
inline bool replace_extension(bytes& hello, std::uint16_t type, const bytes& data)
{
    auto at = find_extension(hello, type);
    if (!at)
        return false;
    auto l = layout_of(hello);
    std::size_t old_len = get16(hello, *at + 2);
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(*at + 4);
    hello.erase(begin, begin + static_cast<std::ptrdiff_t>(old_len));
    hello.insert(hello.begin() + static_cast<std::ptrdiff_t>(*at + 4), data.begin(), data.end());
    set16(hello, *at + 2, data.size());
    set16(hello, l.extensions, get16(hello, l.extensions) - old_len + data.size());
    fix_handshake_length(hello);
    return true;
}

// ------------------------------------------------------------------ pump

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

// ------------------------------------------------------------- checking

/// "category: message", so failed comparisons show both codes readably.
inline std::string describe(const error_code& ec)
{
    if (!ec)
        return "success";
    return std::string(ec.category().name()) + ": " + ec.message();
}

/// `ec` without the detail some mtls codes carry (see mtls::error_cause):
/// what the MTLS_CHECK macros compare.
inline error_code cause_code(const error_code& ec)
{
    return ec.category() == ::mtls::error_category() ? ::mtls::make_error_code(::mtls::error_cause(ec)) : ec;
}

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

} // namespace mtls::test

/// The detecting engine failed with `err` and its peer received the alert `alrt`.
#define MTLS_CHECK_FAILURE(detector, err, peer, alrt)                                                    \
    do {                                                                                                 \
        BOOST_TEST(::mtls::test::describe(::mtls::test::cause_code((detector).error())) ==               \
                   ::mtls::test::describe(::mtls::make_error_code(err)));                                \
        BOOST_TEST(::mtls::test::describe((peer).error()) ==                                             \
                   ::mtls::test::describe(::mtls::make_error_code(alrt)));                               \
    } while (false)

/// Runs the handshake of `pair` and stops the test unless both ends completed.
/// (The condition is evaluated first: Boost may build an assertion's message
/// before evaluating its condition.)
#define MTLS_REQUIRE_HANDSHAKE(pair)                                                                     \
    do {                                                                                                 \
        const bool mtls_handshake_ok = (pair).handshake();                                               \
        BOOST_TEST_REQUIRE(mtls_handshake_ok, "client: " << ::mtls::test::describe((pair).client.error()) \
                                                         << "; server: "                                 \
                                                         << ::mtls::test::describe((pair).server.error())); \
    } while (false)


// ------------------------------------------------------------------ TLS 1.3
//
// Helpers for TLS 1.3 tests: the secrets an engine logs, and an observer that
// decrypts the protected records in transit with them.

namespace mtls::test {

namespace msg {
inline constexpr std::uint8_t new_session_ticket = 4;
inline constexpr std::uint8_t encrypted_extensions = 8;
inline constexpr std::uint8_t key_update = 24;
} // namespace msg

namespace ext {
inline constexpr std::uint16_t signature_algorithms = 0x000D;
inline constexpr std::uint16_t supported_versions = 0x002B;
inline constexpr std::uint16_t key_share = 0x0033;
} // namespace ext

/// ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest")
/// (RFC 8446 §4.1.3).
inline bytes hello_retry_random()
{
    static constexpr std::uint8_t v[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                           0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                           0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
    bytes b;
    for (auto x : v)
        b.push_back(std::byte(x));
    return b;
}

/// The 32-byte random of a ClientHello or ServerHello message (header included).
inline bytes hello_random(const bytes& hello)
{
    return bytes(hello.begin() + handshake_header_size + 2, hello.begin() + handshake_header_size + 2 + 32);
}

/// The legacy_session_id (ClientHello) or legacy_session_id_echo (ServerHello).
inline bytes hello_session_id(const bytes& hello)
{
    auto l = layout_of(hello);
    auto begin = hello.begin() + static_cast<std::ptrdiff_t>(l.session_id + 1);
    return bytes(begin, begin + std::to_integer<std::ptrdiff_t>(hello.at(l.session_id)));
}

/// Collects what an engine reports through engine_test_hooks::secret_log.
/// Copies share one log, so the hooks stay valid however the log is copied.
class key_log {
public:
    struct entry {
        std::string label;
        bytes secret;
    };

    /// Hooks for an engine (or to merge into other hooks).
    engine_test_hooks hooks() const
    {
        engine_test_hooks h;
        h.secret_log = [log = entries_](std::string_view label, std::span<const std::byte> s) {
            log->push_back({std::string(label), bytes(s.begin(), s.end())});
        };
        return h;
    }

    const std::vector<entry>& entries() const { return *entries_; }

    /// The secret last logged as `label`.
    std::optional<bytes> find(std::string_view label) const
    {
        for (auto it = entries_->rbegin(); it != entries_->rend(); ++it)
            if (it->label == label)
                return it->secret;
        return std::nullopt;
    }

    /// How many labels are `prefix` followed by a decimal number, e.g.
    /// "CLIENT_TRAFFIC_SECRET_" counts CLIENT_TRAFFIC_SECRET_0, _1, ...
    std::size_t count_numbered(std::string_view prefix) const
    {
        std::size_t n = 0;
        for (const auto& e : *entries_)
            n += number_after(e.label, prefix) >= 0 ? 1 : 0;
        return n;
    }

    /// The highest N logged as `prefix`N; -1 when none.
    long last_number(std::string_view prefix) const
    {
        long best = -1;
        for (const auto& e : *entries_)
            best = std::max(best, number_after(e.label, prefix));
        return best;
    }

private:
    static long number_after(std::string_view label, std::string_view prefix)
    {
        if (label.size() <= prefix.size() || label.substr(0, prefix.size()) != prefix)
            return -1;
        long n = 0;
        for (char c : label.substr(prefix.size())) {
            if (c < '0' || c > '9')
                return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    std::shared_ptr<std::vector<entry>> entries_ = std::make_shared<std::vector<entry>>();
};

/// Hooks logging secrets into `log` on top of `base`.
inline engine_test_hooks with_log(const key_log& log, engine_test_hooks base = {})
{
    base.secret_log = log.hooks().secret_log;
    return base;
}

inline crypto::hash_alg tls13_hash(cipher_suite s)
{
    return s == cipher_suite::tls_aes_256_gcm_sha384 ? crypto::hash_alg::sha384 : crypto::hash_alg::sha256;
}

inline crypto::aead_alg tls13_aead(cipher_suite s)
{
    switch (s) {
    case cipher_suite::tls_aes_256_gcm_sha384: return crypto::aead_alg::aes_256_gcm;
    case cipher_suite::tls_chacha20_poly1305_sha256: return crypto::aead_alg::chacha20_poly1305;
    default: return crypto::aead_alg::aes_128_gcm;
    }
}

/// HKDF-Expand-Label (RFC 8446 §7.1), written out here rather than taken
/// from src/handshake, so the observer checks the engine's key schedule.
inline bytes hkdf_expand_label(crypto::hash_alg h, std::span<const std::byte> secret, std::string_view label,
                               std::span<const std::byte> context, std::size_t length)
{
    bytes info;
    put16(info, length);
    const std::string full = "tls13 " + std::string(label);
    put8(info, full.size());
    for (char c : full)
        put8(info, static_cast<unsigned char>(c));
    put8(info, context.size());
    info.insert(info.end(), context.begin(), context.end());
    bytes out(length);
    crypto::hkdf_expand(h, secret, info, out);
    return out;
}

/// Follows a TLS 1.3 connection on the wire. Plaintext records are read as
/// they are; protected ones (outer type application_data) are decrypted (RFC
/// 8446 §5.2) with the traffic secrets the sending engine logged: its
/// handshake secret, then application secret 0 after its Finished, then per
/// KeyUpdate the next secret, derived here (§7.2) and compared with the log.
/// Give it every record of both directions in order: `p.tamper =
/// obs.tamper()`, or `see_bytes` with the raw byte stream.
class tls13_observer {
public:
    /// What one direction carried.
    struct side {
        /// Outer content type of every record, in order.
        std::vector<std::uint8_t> outer_types;
        /// Handshake messages, plaintext and decrypted, header included.
        std::vector<bytes> handshake;
        /// Alerts as (level, description), plaintext and decrypted.
        std::vector<std::pair<int, int>> alerts;
        /// request_update of each KeyUpdate, in order.
        std::vector<int> key_updates;
        /// Records protected under application traffic secret N (index N):
        /// all of them, and those carrying application data.
        std::vector<std::uint64_t> records_per_key;
        std::vector<std::uint64_t> data_records_per_key;
        /// Application data records with no content.
        std::uint64_t empty_data_records = 0;
        /// Application data, when the observer keeps it.
        bytes data;
        /// Inner content types of the protected records, in order.
        std::vector<std::uint8_t> inner_types;
        /// What went wrong: undecryptable records, secrets missing from the
        /// log or differing from the derivation, misplaced messages.
        std::vector<std::string> problems;
    };

    tls13_observer(key_log client_log, key_log server_log, bool keep_data = true)
        : client_log_(std::move(client_log)), server_log_(std::move(server_log)), keep_data_(keep_data)
    {
    }

    std::function<void(flight&)> tamper()
    {
        return [this](flight& f) { see(f); };
    }

    void see(const flight& f)
    {
        for (const auto& r : f.records)
            see(f.dir, r);
    }

    /// Raw bytes of direction `d`, in pieces of any size.
    void see_bytes(direction d, std::span<const std::byte> b)
    {
        auto& s = state_of(d);
        s.carry.insert(s.carry.end(), b.begin(), b.end());
        for (const auto& r : split_records(s.carry))
            see(d, r);
    }

    void see(direction d, const record& r)
    {
        auto& s = state_of(d);
        s.outer_types.push_back(r.type);
        if (s.lost)
            return;
        switch (r.type) {
        case content::change_cipher_spec:
            return;
        case content::alert:
            if (r.body.size() == 2)
                s.alerts.emplace_back(std::to_integer<int>(r.body[0]), std::to_integer<int>(r.body[1]));
            return;
        case content::handshake:
            if (s.st != stage::plaintext)
                s.problems.push_back("plaintext handshake record after protection began");
            handshake_bytes(d, s, r.body);
            return;
        case content::application_data:
            protected_record(d, s, r);
            return;
        default:
            s.problems.push_back("record of content type " + std::to_string(r.type));
        }
    }

    const side& in(direction d) const { return d == direction::to_server ? states_[0] : states_[1]; }
    std::optional<cipher_suite> suite() const { return suite_; }

    /// A protected record as the sender of `d` would send next: `content`
    /// and `inner_type` under its current key and sequence number (RFC 8446
    /// §5.2), followed by `padding` zeros. The observer reads it as sent, so
    /// it follows a KeyUpdate forged this way; the real sender does not, so
    /// its own later records no longer match what the receiver expects.
    bytes forge(direction d, std::uint8_t inner_type, std::span<const std::byte> content, std::size_t padding = 0)
    {
        auto& s = state_of(d);
        BOOST_TEST_REQUIRE((s.key.has_value() && !s.lost), "forge: no key for " << d);
        bytes text(content.begin(), content.end());
        put8(text, inner_type);
        text.resize(text.size() + padding);
        const std::size_t length = text.size() + crypto::aead_tag_size;
        bytes aad;
        put8(aad, content::application_data);
        put16(aad, 0x0303);
        put16(aad, length);
        bytes tag(crypto::aead_tag_size);
        s.key->seal(nonce(s), aad, text, tag);
        text.insert(text.end(), tag.begin(), tag.end());
        record r{content::application_data, 0x0303, text};
        see(d, r);
        return r.serialize();
    }

    bool clean() const { return states_[0].problems.empty() && states_[1].problems.empty(); }

    /// Every problem, for assertion messages.
    std::string problems() const
    {
        std::string out;
        for (auto d : {direction::to_server, direction::to_client})
            for (const auto& p : in(d).problems)
                out += (d == direction::to_server ? "client->server: " : "server->client: ") + p + "; ";
        return out.empty() ? "none" : out;
    }

    /// Handshake messages of `type` seen in direction `d`.
    std::vector<bytes> messages(direction d, std::uint8_t type) const
    {
        std::vector<bytes> out;
        for (const auto& m : in(d).handshake)
            if (message_type(m) == type)
                out.push_back(m);
        return out;
    }

private:
    enum class stage { plaintext, handshake, application };

    struct state : side {
        stage st = stage::plaintext;
        std::size_t epoch = 0;
        bytes traffic_secret;
        std::optional<crypto::aead> key;
        bytes iv;
        std::uint64_t seq = 0;
        bytes pending;   // a handshake message not yet whole
        bytes carry;     // see_bytes: a record not yet whole
        bool lost = false; // a record failed to decrypt: nothing after it can be read
    };

    state& state_of(direction d) { return d == direction::to_server ? states_[0] : states_[1]; }

    static std::string prefix(direction d) { return d == direction::to_server ? "CLIENT_" : "SERVER_"; }
    const key_log& sender_log(direction d) const { return d == direction::to_server ? client_log_ : server_log_; }

    void set_key(state& s, bytes secret)
    {
        const auto h = tls13_hash(*suite_);
        const auto a = tls13_aead(*suite_);
        auto k = hkdf_expand_label(h, secret, "key", {}, crypto::aead_key_size(a));
        s.key.emplace(a, k);
        s.iv = hkdf_expand_label(h, secret, "iv", {}, crypto::aead_nonce_size);
        s.traffic_secret = std::move(secret);
        s.seq = 0;
    }

    /// Switches to the logged secret `label`; false (with a problem) when absent.
    bool use_logged(direction d, state& s, const std::string& label)
    {
        auto secret = sender_log(d).find(label);
        if (!secret) {
            s.problems.push_back(label + " was not logged by the sender");
            s.lost = true;
            return false;
        }
        set_key(s, *secret);
        return true;
    }

    /// RFC 8446 §5.3: the per-record nonce is the IV xor the sequence number.
    static bytes nonce(const state& s)
    {
        bytes n = s.iv;
        for (std::size_t i = 0; i < 8; ++i)
            n[n.size() - 1 - i] ^= std::byte(static_cast<std::uint8_t>(s.seq >> (8 * i)));
        return n;
    }

    void protected_record(direction d, state& s, const record& r)
    {
        if (s.st == stage::plaintext) {
            if (!suite_) {
                s.problems.push_back("protected record before any ServerHello");
                s.lost = true;
                return;
            }
            s.st = stage::handshake;
            if (!use_logged(d, s, prefix(d) + "HANDSHAKE_TRAFFIC_SECRET"))
                return;
        }
        if (r.body.size() < crypto::aead_tag_size + 1) {
            s.problems.push_back("protected record of " + std::to_string(r.body.size()) + " bytes");
            s.lost = true;
            return;
        }
        // §5.2: the additional data is the record header.
        bytes aad;
        put8(aad, r.type);
        put16(aad, r.version);
        put16(aad, r.body.size());
        bytes text(r.body.begin(), r.body.end() - crypto::aead_tag_size);
        std::span<const std::byte> tag(r.body.data() + text.size(), crypto::aead_tag_size);
        if (!s.key->open(nonce(s), aad, text, tag)) {
            s.problems.push_back("record " + std::to_string(s.seq) + " under " +
                                 (s.st == stage::handshake ? std::string("the handshake secret")
                                                           : "application secret " + std::to_string(s.epoch)) +
                                 " does not decrypt");
            s.lost = true;
            return;
        }
        ++s.seq;
        // §5.2: strip the zero padding; the last non-zero byte is the type.
        while (!text.empty() && text.back() == std::byte{0})
            text.pop_back();
        if (text.empty()) {
            s.problems.push_back("protected record without a content type");
            return;
        }
        const auto type = std::to_integer<std::uint8_t>(text.back());
        text.pop_back();
        s.inner_types.push_back(type);
        if (s.st == stage::application) {
            if (s.records_per_key.size() <= s.epoch) {
                s.records_per_key.resize(s.epoch + 1);
                s.data_records_per_key.resize(s.epoch + 1);
            }
            ++s.records_per_key[s.epoch];
        }
        switch (type) {
        case content::handshake:
            handshake_bytes(d, s, text);
            break;
        case content::application_data:
            if (s.st != stage::application) {
                s.problems.push_back("application data before the sender's Finished");
                break;
            }
            ++s.data_records_per_key[s.epoch];
            if (text.empty())
                ++s.empty_data_records;
            if (keep_data_)
                s.data.insert(s.data.end(), text.begin(), text.end());
            break;
        case content::alert:
            if (text.size() == 2)
                s.alerts.emplace_back(std::to_integer<int>(text[0]), std::to_integer<int>(text[1]));
            else
                s.problems.push_back("alert of " + std::to_string(text.size()) + " bytes");
            break;
        default:
            s.problems.push_back("protected record of inner type " + std::to_string(type));
        }
    }

    void handshake_bytes(direction d, state& s, std::span<const std::byte> b)
    {
        s.pending.insert(s.pending.end(), b.begin(), b.end());
        std::size_t off = 0;
        while (s.pending.size() - off >= handshake_header_size) {
            const std::size_t len = get24(s.pending, off + 1);
            if (s.pending.size() - off < handshake_header_size + len)
                break;
            bytes m(s.pending.begin() + static_cast<std::ptrdiff_t>(off),
                    s.pending.begin() + static_cast<std::ptrdiff_t>(off + handshake_header_size + len));
            off += handshake_header_size + len;
            message(d, s, std::move(m), off == s.pending.size());
        }
        s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<std::ptrdiff_t>(off));
    }

    /// `last`: nothing of the record follows the message (RFC 8446 §5.1: a
    /// message before a key change must end its record).
    void message(direction d, state& s, bytes m, bool last)
    {
        const auto type = message_type(m);
        s.handshake.push_back(m);
        if (type == msg::server_hello && d == direction::to_client && m.size() >= handshake_header_size + 2 + 32) {
            auto l = layout_of(m);
            suite_ = static_cast<cipher_suite>(get16(m, l.suites));
        }
        if (type == msg::finished && s.st == stage::handshake) {
            if (!last)
                s.problems.push_back("data after Finished in the same record");
            s.st = stage::application;
            s.epoch = 0;
            use_logged(d, s, prefix(d) + "TRAFFIC_SECRET_0");
        } else if (type == msg::key_update && s.st == stage::application) {
            if (m.size() != handshake_header_size + 1) {
                s.problems.push_back("KeyUpdate of " + std::to_string(m.size()) + " bytes");
                return;
            }
            if (!last)
                s.problems.push_back("data after KeyUpdate in the same record");
            s.key_updates.push_back(std::to_integer<int>(m[handshake_header_size]));
            // §7.2: application_traffic_secret_N+1 =
            //   HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length)
            const auto h = tls13_hash(*suite_);
            auto next = hkdf_expand_label(h, s.traffic_secret, "traffic upd", {}, crypto::digest_size(h));
            ++s.epoch;
            const std::string label = prefix(d) + "TRAFFIC_SECRET_" + std::to_string(s.epoch);
            auto logged = sender_log(d).find(label);
            if (!logged)
                s.problems.push_back(label + " was not logged by the sender");
            else if (*logged != next)
                s.problems.push_back(label + " differs from HKDF-Expand-Label(previous, \"traffic upd\")");
            set_key(s, std::move(next));
        }
    }

    key_log client_log_;
    key_log server_log_;
    bool keep_data_;
    std::optional<cipher_suite> suite_;
    std::array<state, 2> states_;
};

} // namespace mtls::test

#endif
