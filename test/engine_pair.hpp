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

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
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

/// A server with credential `name` that trusts ca.pem (for client certificates).
inline context server_context(std::string_view name = "server-ecdsa")
{
    context ctx;
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
        if (!moved)
            return false;
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
        BOOST_TEST(::mtls::test::describe((detector).error()) ==                                         \
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

#endif
