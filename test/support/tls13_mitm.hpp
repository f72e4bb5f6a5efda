#ifndef MTLS_TEST_SUPPORT_TLS13_MITM_HPP
#define MTLS_TEST_SUPPORT_TLS13_MITM_HPP

// A man in the middle for TLS 1.3 engine-to-engine tests. It sits in
// engine_pair::tamper, decrypts every flight with the traffic secrets the
// engines log (RFC 8446 §7.1-7.3), hands the test the records in the clear
// to change, drop, add or reorder, and protects them again (§5.2) with the
// keys the receiver expects. One opener and one sealer per direction keep
// their own sequence numbers (§5.3), so records added or removed in transit
// do not break the records that follow.
//
// Include after <boost/test/unit_test.hpp>.

#include "support/bytes.hpp"
#include "support/key_log.hpp"
#include "support/messages.hpp"
#include "support/pump.hpp"
#include "support/records.hpp"

#include "handshake/key_schedule13.hpp"
#include "record/protection.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mtls::test::mitm {

/// RFC 7301: mtls does not implement ALPN, so src/wire has no name for it.
inline constexpr std::uint16_t ext_alpn = 0x0010;

inline constexpr std::uint16_t group_secp256r1 = wire_value(named_group::secp256r1);
inline constexpr std::uint16_t group_secp384r1 = wire_value(named_group::secp384r1);
inline constexpr std::uint16_t group_x25519 = wire_value(named_group::x25519);
inline constexpr std::uint16_t group_x448 = 0x001E; // not implemented by mtls

/// One record as the man in the middle handles it: its content in the clear.
struct clear_record {
    /// Content type; for a protected record the inner type (RFC 8446 §5.2).
    std::uint8_t type = 0;
    /// Sent protected under the sender's current key (outer type application_data).
    bool protect = false;
    bytes content;
    /// Zero bytes after the inner content type (protected records only, §5.4).
    std::size_t padding = 0;
    std::uint16_t version = 0x0303;
};

inline clear_record protected_record(std::uint8_t type, bytes content, std::size_t padding = 0)
{
    return clear_record{type, true, std::move(content), padding, 0x0303};
}

inline clear_record plaintext_record(std::uint8_t type, bytes content)
{
    return clear_record{type, false, std::move(content), 0, 0x0303};
}

/// The whole handshake messages in `b`, header included; a trailing fragment
/// is left out.
inline std::vector<bytes> whole_messages(const bytes& b)
{
    std::vector<bytes> out;
    std::size_t off = 0;
    while (b.size() - off >= handshake_header_size) {
        const std::size_t len = get24(b, off + 1);
        if (b.size() - off - handshake_header_size < len)
            break;
        out.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(off),
                         b.begin() + static_cast<std::ptrdiff_t>(off + handshake_header_size + len));
        off += handshake_header_size + len;
    }
    return out;
}

inline bytes join(const std::vector<bytes>& parts)
{
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// One flight, decrypted. The engines send each handshake message in a
/// record of its own; the helpers look into every handshake record anyway.
struct clear_flight {
    direction dir{};
    std::size_t index = 0;
    std::vector<clear_record> records;

    /// Index of the record holding the first handshake message of `type`.
    std::optional<std::size_t> record_of(std::uint8_t type) const
    {
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (records[i].type != content::handshake)
                continue;
            for (const auto& m : whole_messages(records[i].content))
                if (message_type(m) == type)
                    return i;
        }
        return std::nullopt;
    }

    /// Calls `fn` on the first handshake message of `type` (header included;
    /// fix_handshake_length after changing its size).
    bool edit(std::uint8_t type, const std::function<void(bytes&)>& fn)
    {
        auto i = record_of(type);
        if (!i)
            return false;
        auto ms = whole_messages(records[*i].content);
        for (auto& m : ms)
            if (message_type(m) == type) {
                fn(m);
                break;
            }
        records[*i].content = join(ms);
        return true;
    }

    std::optional<bytes> find(std::uint8_t type) const
    {
        auto i = record_of(type);
        if (!i)
            return std::nullopt;
        for (const auto& m : whole_messages(records[*i].content))
            if (message_type(m) == type)
                return m;
        return std::nullopt;
    }

    bool has(std::uint8_t type) const { return record_of(type).has_value(); }

    /// Removes the first message of `type`, and its record if left empty.
    bool drop(std::uint8_t type)
    {
        auto i = record_of(type);
        if (!i)
            return false;
        auto ms = whole_messages(records[*i].content);
        for (auto it = ms.begin(); it != ms.end(); ++it)
            if (message_type(*it) == type) {
                ms.erase(it);
                break;
            }
        records[*i].content = join(ms);
        if (records[*i].content.empty())
            records.erase(records.begin() + static_cast<std::ptrdiff_t>(*i));
        return true;
    }

    /// Adds `message` in a record of its own, protected like the record of
    /// the first message of `type`, right after (or before) that record.
    bool insert_after(std::uint8_t type, bytes message) { return insert_near(type, std::move(message), 1); }
    bool insert_before(std::uint8_t type, bytes message) { return insert_near(type, std::move(message), 0); }

    /// Swaps the records holding the first messages of `a` and `b`.
    bool swap(std::uint8_t a, std::uint8_t b)
    {
        auto i = record_of(a);
        auto j = record_of(b);
        if (!i || !j)
            return false;
        std::swap(records[*i], records[*j]);
        return true;
    }

    /// Index of the first record of content type `type` (inner type when protected).
    std::optional<std::size_t> find_record(std::uint8_t type, bool protect) const
    {
        for (std::size_t i = 0; i < records.size(); ++i)
            if (records[i].type == type && records[i].protect == protect)
                return i;
        return std::nullopt;
    }

private:
    bool insert_near(std::uint8_t type, bytes message, std::ptrdiff_t after)
    {
        auto i = record_of(type);
        if (!i)
            return false;
        clear_record r{content::handshake, records[*i].protect, std::move(message), 0, records[*i].version};
        records.insert(records.begin() + static_cast<std::ptrdiff_t>(*i) + after, std::move(r));
        return true;
    }
};

// ------------------------------------------------------------ hello editing

/// Appends extension `type` with `data` to a hello (header included).
inline void add_extension(bytes& hello, std::uint16_t type, const bytes& data)
{
    auto l = layout_of(hello);
    if (l.extensions >= hello.size()) { // no extensions block yet
        put16(hello, 0);
    }
    bytes e;
    put16(e, type);
    put16(e, data.size());
    e.insert(e.end(), data.begin(), data.end());
    set16(hello, l.extensions, get16(hello, l.extensions) + e.size());
    hello.insert(hello.end(), e.begin(), e.end());
    fix_handshake_length(hello);
}

/// Appends extension `type` with `data` to an EncryptedExtensions message
/// (RFC 8446 §4.3.1: a 2-byte block length, then the extensions).
inline void add_encrypted_extension(bytes& ee, std::uint16_t type, const bytes& data)
{
    const std::size_t block = handshake_header_size;
    const std::size_t end = block + 2 + get16(ee, block);
    bytes e;
    put16(e, type);
    put16(e, data.size());
    e.insert(e.end(), data.begin(), data.end());
    ee.insert(ee.begin() + static_cast<std::ptrdiff_t>(end), e.begin(), e.end());
    set16(ee, block, get16(ee, block) + e.size());
    fix_handshake_length(ee);
}

inline bytes u16_bytes(std::size_t v)
{
    bytes b;
    put16(b, v);
    return b;
}

// ------------------------------------------------------------------ the MITM

class tls13_mitm {
public:
    tls13_mitm() = default;
    tls13_mitm(const tls13_mitm&) = delete;
    tls13_mitm& operator=(const tls13_mitm&) = delete;

    key_log client_log;
    key_log server_log;

    /// Sees every flight in the clear; may change it in any way.
    std::function<void(clear_flight&)> edit;
    /// Sees every flight once protected again, for changes to the ciphertext.
    std::function<void(flight&)> edit_sealed;

    engine_test_hooks client_hooks(engine_test_hooks base = {}) const { return with_log(client_log, std::move(base)); }
    engine_test_hooks server_hooks(engine_test_hooks base = {}) const { return with_log(server_log, std::move(base)); }

    /// For engine_pair::tamper.
    std::function<void(flight&)> tamper()
    {
        return [this](flight& f) { process(f); };
    }

    /// Protects `r` as the next record the receiver of `d` expects (advancing
    /// that direction's sealer), for engine_pair::inject.
    bytes seal(direction d, const clear_record& r)
    {
        auto& s = side_of(d);
        auto sealed = seal_one(d, s.sealer, r);
        deliver(s, r);
        after_record(d, s.sealer, r, false);
        return sealed.serialize();
    }

    // ------------------------------------------------ what went through

    /// The records delivered in direction `d`, in the clear, after edits.
    const std::vector<clear_record>& delivered(direction d) const { return side_of(d).delivered; }

    /// Whole handshake messages of `type` delivered in direction `d`.
    std::vector<bytes> messages(direction d, std::uint8_t type) const
    {
        std::vector<bytes> out;
        for (const auto& r : delivered(d))
            if (r.type == content::handshake)
                for (auto& m : whole_messages(r.content))
                    if (message_type(m) == type)
                        out.push_back(m);
        return out;
    }

    /// Alerts (level, description) delivered in direction `d`, plaintext or decrypted.
    std::vector<std::pair<int, int>> alerts(direction d) const
    {
        std::vector<std::pair<int, int>> out;
        for (const auto& r : delivered(d))
            if (r.type == content::alert && r.content.size() == 2)
                out.emplace_back(std::to_integer<int>(r.content[0]), std::to_integer<int>(r.content[1]));
        return out;
    }

    /// The description of the last alert in direction `d` if it was fatal, else -1.
    int last_fatal_alert(direction d) const
    {
        auto a = alerts(d);
        return !a.empty() && a.back().first == 2 ? a.back().second : -1;
    }

    /// Records of content `type` delivered in direction `d` with the given protection.
    std::size_t count(direction d, std::uint8_t type, bool protect) const
    {
        std::size_t n = 0;
        for (const auto& r : delivered(d))
            n += r.type == type && r.protect == protect ? 1 : 0;
        return n;
    }

    std::optional<cipher_suite> suite() const { return suite_; }

    /// Nothing went wrong in the man in the middle itself.
    bool clean() const { return sides_[0].problems.empty() && sides_[1].problems.empty(); }

    std::string problems() const
    {
        std::string out;
        for (auto d : {direction::to_server, direction::to_client})
            for (const auto& p : side_of(d).problems)
                out += (d == direction::to_server ? "client->server: " : "server->client: ") + p + "; ";
        return out.empty() ? "none" : out;
    }

private:
    enum class stage { plaintext, handshake, application };

    /// One direction's keys as one end sees them.
    struct key_state {
        stage st = stage::plaintext;
        bytes secret;
        std::optional<mtls::record::protection> prot;
        unsigned generation = 0;
    };

    struct side {
        key_state opener; // follows the sender
        key_state sealer; // follows the receiver
        std::vector<clear_record> delivered;
        std::vector<std::string> problems;
        bool lost = false;
    };

    side& side_of(direction d) { return d == direction::to_server ? sides_[0] : sides_[1]; }
    const side& side_of(direction d) const { return d == direction::to_server ? sides_[0] : sides_[1]; }
    static std::string prefix(direction d) { return d == direction::to_server ? "CLIENT_" : "SERVER_"; }
    const key_log& sender_log(direction d) const { return d == direction::to_server ? client_log : server_log; }
    const key_log& receiver_log(direction d) const { return d == direction::to_server ? server_log : client_log; }

    void process(flight& f)
    {
        auto& s = side_of(f.dir);
        if (s.lost)
            return; // passed on untouched: nothing after a failure can be read
        clear_flight cf{f.dir, f.index, {}};
        for (const auto& r : f.records) {
            clear_record c;
            if (r.type == content::application_data) {
                if (!open_one(f.dir, s.opener, r, c)) {
                    s.lost = true;
                    return;
                }
            } else {
                c = clear_record{r.type, false, r.body, 0, r.version};
                note_hello(f.dir, c);
            }
            after_record(f.dir, s.opener, c, true);
            cf.records.push_back(std::move(c));
        }
        if (edit)
            edit(cf);
        std::vector<record> out;
        for (const auto& c : cf.records) {
            out.push_back(seal_one(f.dir, s.sealer, c));
            deliver(s, c);
            after_record(f.dir, s.sealer, c, false);
        }
        f.records = std::move(out);
        if (edit_sealed)
            edit_sealed(f);
    }

    /// The ServerHello (or HelloRetryRequest) names the suite (§4.1.3).
    void note_hello(direction d, const clear_record& c)
    {
        if (d != direction::to_client || c.type != content::handshake)
            return;
        for (const auto& m : whole_messages(c.content))
            if (message_type(m) == msg::server_hello && m.size() >= handshake_header_size + 2 + 32 + 1) {
                auto l = layout_of(m);
                if (l.suites + 2 <= m.size())
                    suite_ = static_cast<cipher_suite>(get16(m, l.suites));
            }
    }

    /// Looks `label` up: the opener prefers what the sender logged, the
    /// sealer what the receiver logged (they agree unless a test made the
    /// transcripts differ).
    bool load(direction d, key_state& k, const std::string& label, bool opener)
    {
        auto& s = side_of(d);
        const auto& first = opener ? sender_log(d) : receiver_log(d);
        const auto& second = opener ? receiver_log(d) : sender_log(d);
        auto secret = first.find(label);
        if (!secret)
            secret = second.find(label);
        if (!secret || !suite_) {
            s.problems.push_back(!suite_ ? "protected record before any ServerHello" : label + " was not logged");
            k.prot.reset();
            return false;
        }
        set_key(k, *secret);
        return true;
    }

    void set_key(key_state& k, bytes secret)
    {
        const auto a = tls13_aead(*suite_);
        auto keys = mtls::handshake::tls13::traffic_keys(crypto::mbedtls_provider(), a, tls13_hash(*suite_), secret);
        k.prot.emplace(mtls::crypto::mbedtls_provider(), a, keys.key.view(), keys.iv.view(), mtls::record::nonce_scheme::tls13);
        k.secret = std::move(secret);
    }

    /// The first protected record in a direction is under the handshake
    /// traffic secret (§7.1).
    bool enter_protection(direction d, key_state& k, bool opener)
    {
        if (k.st == stage::plaintext) {
            k.st = stage::handshake;
            load(d, k, prefix(d) + "HANDSHAKE_TRAFFIC_SECRET", opener);
        }
        return k.prot.has_value();
    }

    /// Key changes after a record: the sender's Finished ends its handshake
    /// keys (§4.4.4, §7.1), each KeyUpdate moves to the next generation (§7.2).
    void after_record(direction d, key_state& k, const clear_record& c, bool opener)
    {
        if (!c.protect || c.type != content::handshake)
            return;
        for (const auto& m : whole_messages(c.content)) {
            const auto t = message_type(m);
            if (t == msg::finished && k.st == stage::handshake) {
                k.st = stage::application;
                k.generation = 0;
                load(d, k, prefix(d) + "TRAFFIC_SECRET_0", opener);
            } else if (t == msg::key_update && k.st == stage::application && suite_) {
                auto next = mtls::handshake::tls13::next_traffic_secret(crypto::mbedtls_provider(), tls13_hash(*suite_), k.secret);
                ++k.generation;
                set_key(k, bytes(next.view().begin(), next.view().end()));
            }
        }
    }

    bool open_one(direction d, key_state& k, const record& r, clear_record& out)
    {
        auto& s = side_of(d);
        if (!enter_protection(d, k, true))
            return false;
        bytes whole = r.serialize();
        wire::content_type type{};
        crypto::mutable_bytes plain;
        if (auto ec = k.prot->open(whole, type, plain)) {
            s.problems.push_back("a record from the sender does not open: " + ec.message());
            return false;
        }
        out.type = static_cast<std::uint8_t>(type);
        out.protect = true;
        out.content.assign(plain.begin(), plain.end());
        out.padding = r.body.size() - crypto::aead_tag_size - out.content.size() - 1;
        out.version = r.version;
        return true;
    }

    record seal_one(direction d, key_state& k, const clear_record& c)
    {
        if (!c.protect)
            return record{c.type, c.version, c.content, false};
        if (!enter_protection(d, k, false))
            return record{content::application_data, c.version, c.content, true}; // problem noted
        // Padding goes after the type byte: seal content || type || zeros
        // with a zero type byte of its own, the last of the padding.
        bytes payload = c.content;
        auto type = c.type;
        if (c.padding > 0) {
            payload.push_back(std::byte{type});
            payload.resize(payload.size() + c.padding - 1, std::byte{0});
            type = 0;
        }
        bytes buf(record_header_size + payload.size() + k.prot->suffix_size());
        std::copy(payload.begin(), payload.end(), buf.begin() + record_header_size);
        const auto n = k.prot->seal(static_cast<wire::content_type>(type), c.version, buf.data(), payload.size());
        buf.resize(n);
        return record{std::to_integer<std::uint8_t>(buf[0]), static_cast<std::uint16_t>(get16(buf, 1)),
                      bytes(buf.begin() + record_header_size, buf.end()), true};
    }

    static void deliver(side& s, const clear_record& c) { s.delivered.push_back(c); }

    std::optional<cipher_suite> suite_;
    std::array<side, 2> sides_;
};

/// An engine pair whose engines log their secrets, with the man in the
/// middle installed as its tamper hook.
struct mitm_pair {
    mitm_pair(const context& client_ctx, const context& server_ctx, engine_test_hooks client_hooks = {},
              engine_test_hooks server_hooks = {})
        : pair(client_ctx, server_ctx, mitm.client_hooks(std::move(client_hooks)),
               mitm.server_hooks(std::move(server_hooks)))
    {
        pair.tamper = mitm.tamper();
    }
    mitm_pair(const mitm_pair&) = delete;
    mitm_pair& operator=(const mitm_pair&) = delete;

    tls13_mitm mitm; // before pair: the pair's hooks refer to its logs
    engine_pair pair;

    /// Protects `r` for the receiver of `d`, hands it over and pumps.
    bool inject(direction d, const clear_record& r)
    {
        pair.inject(d, mitm.seal(d, r));
        return pair.pump();
    }
};

} // namespace mtls::test::mitm

/// The receiver of the bad input, `detector` (role::client or role::server),
/// failed with `err` and a message naming `cause`; its fatal alert `alrt`
/// went out on the wire (decrypted by the man in the middle when protected)
/// and its peer reports that alert.
#define MTLS_CHECK_DETECTED(mp, detector, err, alrt, cause)                                                    \
    do {                                                                                                       \
        const bool by_client_ = (detector) == ::mtls::role::client;                                            \
        ::mtls::engine& det_ = by_client_ ? (mp).pair.client : (mp).pair.server;                               \
        ::mtls::engine& peer_ = by_client_ ? (mp).pair.server : (mp).pair.client;                              \
        const auto out_ = by_client_ ? ::mtls::test::direction::to_server : ::mtls::test::direction::to_client; \
        BOOST_TEST(::mtls::test::describe(::mtls::test::cause_code(det_.error())) ==                           \
                   ::mtls::test::describe(::mtls::make_error_code(err)));                                      \
        BOOST_TEST(det_.error().message().find(cause) != std::string::npos, "message: " << det_.error().message());             \
        BOOST_TEST(::mtls::test::describe(peer_.error()) ==                                                    \
                   ::mtls::test::describe(::mtls::make_error_code(alrt)));                                     \
        BOOST_TEST((mp).mitm.last_fatal_alert(out_) == int(alrt));                                             \
        BOOST_TEST((mp).mitm.clean(), "man in the middle: " << (mp).mitm.problems());                          \
    } while (false)

#define MTLS_REQUIRE_MITM_HANDSHAKE(mp)                                                                        \
    do {                                                                                                       \
        MTLS_REQUIRE_HANDSHAKE((mp).pair);                                                                     \
        BOOST_TEST_REQUIRE((mp).mitm.clean(), "man in the middle: " << (mp).mitm.problems());                  \
    } while (false)

#endif
