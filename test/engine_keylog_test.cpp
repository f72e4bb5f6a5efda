// The NSS key log (context::set_keylog_callback) between two engines, both
// versions and both ends: the lines' labels and format, the client_random
// field against the ClientHello on the wire, client and server agreeing, the
// logged secrets decrypting the records, TLS 1.2 resumed handshakes, and
// nothing at all without a callback.

#define BOOST_TEST_MODULE engine_keylog
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/hex.hpp"
#include "support/key_log.hpp"
#include "support/pump.hpp"

#include "crypto/hash.hpp"
#include "handshake/key_schedule13.hpp"
#include "record/protection.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

const bytes ping = pattern(100, 1);
const bytes pong = pattern(200, 2);

/// What each version logs per handshake, in order (NSS key log format).
std::vector<std::string> expected_labels(tls_version v)
{
    if (v == tls_version::tls12)
        return {"CLIENT_RANDOM"};
    return {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
            "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
}

bool lower_hex(std::string_view s)
{
    return !s.empty() && s.size() % 2 == 0 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

/// One key log line, split at its two spaces.
struct line {
    std::string label;
    bytes client_random;
    bytes secret;
};

/// The lines a context's key log callback received; copies share them.
class line_log {
public:
    void attach(context& ctx) const
    {
        ctx.set_keylog_callback([lines = lines_](std::string_view l) { lines->emplace_back(l); });
    }
    const std::vector<std::string>& raw() const { return *lines_; }
    void clear() const { lines_->clear(); }

    /// Every line, each checked to be `LABEL <64 hex digits> <hex digits>`.
    std::vector<line> parsed() const
    {
        std::vector<line> out;
        for (std::string_view l : *lines_) {
            BOOST_TEST_CONTEXT("line '" << l << "'")
            {
                const auto first = l.find(' ');
                const auto second = l.find(' ', first + 1);
                BOOST_REQUIRE(first != std::string_view::npos && second != std::string_view::npos);
                const auto label = l.substr(0, first);
                const auto random = l.substr(first + 1, second - first - 1);
                const auto secret = l.substr(second + 1);
                BOOST_TEST(label.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") == std::string_view::npos);
                BOOST_TEST(random.size() == 64u);
                BOOST_TEST(lower_hex(random));
                BOOST_TEST(lower_hex(secret)); // also: no newline, no third space
                out.push_back({std::string(label), hex(random), hex(secret)});
            }
        }
        return out;
    }

    std::vector<std::string> labels() const
    {
        std::vector<std::string> out;
        for (const auto& l : parsed())
            out.push_back(l.label);
        return out;
    }

    /// The secret of the line labelled `label`; fails the test when absent.
    bytes secret(std::string_view label) const
    {
        for (const auto& l : parsed())
            if (l.label == label)
                return l.secret;
        BOOST_FAIL("no key log line " << label);
        return {};
    }

private:
    std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

/// `ctx` in version `v` with one AES-128-GCM suite with SHA-256, for
/// decrypting below.
context decryptable(context ctx, tls_version v)
{
    ctx = versioned(std::move(ctx), v);
    // One AES-128-GCM suite with SHA-256 per version, for decrypting below.
    ctx.set_cipher_suites(
        {cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256, cipher_suite::tls_aes_128_gcm_sha256});
    return ctx;
}

/// A client and a server that authenticate each other in version `v`, each
/// with a key log.
struct logged {
    explicit logged(tls_version v)
        : client(decryptable(client_context("client-ecdsa"), v)),
          server(decryptable(server_context_requiring_client_cert(), v))
    {
        client_log.attach(client);
        server_log.attach(server);
    }
    context client;
    context server;
    line_log client_log;
    line_log server_log;
};

/// The random of each hello of `type` sent in direction `d`, from the wire.
std::vector<bytes> hello_randoms(engine_pair& p, direction d, std::uint8_t type)
{
    std::vector<bytes> out;
    for (const auto& r : p.log(d)) {
        if (r.type != content::handshake || r.encrypted)
            continue;
        for (const auto& m : messages_of(r)) {
            if (message_type(m) != type)
                continue;
            const auto at = m.begin() + static_cast<std::ptrdiff_t>(handshake_header_size + 2);
            out.emplace_back(at, at + 32); // after legacy_version (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2)
        }
    }
    return out;
}

bytes client_hello_random(engine_pair& p)
{
    auto randoms = hello_randoms(p, direction::to_server, msg::client_hello);
    BOOST_REQUIRE_EQUAL(randoms.size(), 1u);
    return randoms.front();
}

/// Handshake and data both ways (TLS 1.3 tickets come with the server's data).
void connect(engine_pair& p, const session& offer = {})
{
    if (offer)
        p.client.set_session(offer);
    MTLS_REQUIRE_HANDSHAKE(p);
    BOOST_REQUIRE(p.exchange(ping, pong));
}

/// Opens, in order, the client's records in `records` under `key`, and
/// returns the plaintext of the application data among them.
bytes open_client_records(mtls::record::protection key, const std::vector<test::record>& records)
{
    bytes data;
    for (const auto& r : records) {
        auto sealed = r.serialize();
        wire::content_type type{};
        crypto::mutable_bytes plaintext;
        BOOST_REQUIRE_MESSAGE(!key.open(sealed, type, plaintext), "a client record did not open");
        if (type == wire::content_type::application_data)
            data.insert(data.end(), plaintext.begin(), plaintext.end());
    }
    return data;
}

} // namespace

BOOST_AUTO_TEST_SUITE(lines)

BOOST_AUTO_TEST_CASE(both_ends_log_the_same_lines_keyed_by_the_client_hello_random)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            logged c(v);
            key_log hook;
            engine_pair p(c.client, c.server, with_log(hook));
            connect(p);
            BOOST_TEST(c.client_log.labels() == expected_labels(v), boost::test_tools::per_element());
            BOOST_TEST(c.server_log.labels() == expected_labels(v), boost::test_tools::per_element());
            BOOST_TEST(c.client_log.raw() == c.server_log.raw(), boost::test_tools::per_element());
            const auto random = client_hello_random(p);
            for (const auto& l : c.client_log.parsed()) {
                BOOST_TEST_CONTEXT(l.label)
                {
                    BOOST_TEST((l.client_random == random));
                    // The secret the engine derived, as the test hook sees it.
                    BOOST_TEST((l.secret == hook.find(l.label).value_or(bytes{})));
                }
            }
            if (v == tls_version::tls12)
                BOOST_TEST(c.client_log.secret("CLIENT_RANDOM").size() == 48u); // RFC 5246 §8.1
        }
    }
}

// What Wireshark does with the lines: the TLS 1.2 master secret and the
// randoms give the key block (RFC 5246 §6.3); CLIENT_TRAFFIC_SECRET_0 gives
// the TLS 1.3 application key (RFC 8446 §7.3). Either opens what the client sent.
BOOST_AUTO_TEST_CASE(the_logged_secrets_decrypt_the_client_records)
{
    const auto aes128 = crypto::aead_alg::aes_128_gcm;
    {
        logged c(tls_version::tls12);
        engine_pair p(c.client, c.server);
        connect(p);
        const auto server_random = hello_randoms(p, direction::to_client, msg::server_hello).at(0);
        std::array<std::byte, 2 * 16 + 2 * 4> block{};
        crypto::prf12(crypto::mbedtls_provider(), crypto::hash_alg::sha256, c.client_log.secret("CLIENT_RANDOM"), "key expansion", server_random,
                      client_hello_random(p), block);
        const auto kb = std::span(block);
        std::vector<test::record> sealed; // client Finished, then data
        for (const auto& r : p.log(direction::to_server))
            if (r.encrypted)
                sealed.push_back(r);
        const auto data = open_client_records(
            {crypto::mbedtls_provider(), aes128, kb.first(16), kb.subspan(32, 4), mtls::record::nonce_scheme::tls12_explicit}, sealed);
        BOOST_TEST((data == ping));
    }
    {
        logged c(tls_version::tls13);
        engine_pair p(c.client, c.server);
        MTLS_REQUIRE_HANDSHAKE(p);
        const auto handshake_records = p.log(direction::to_server).size();
        BOOST_REQUIRE(p.exchange(ping, pong));
        const auto& log = p.log(direction::to_server);
        const std::vector<test::record> sealed(log.begin() + static_cast<std::ptrdiff_t>(handshake_records), log.end());
        auto k = handshake::tls13::traffic_keys(crypto::mbedtls_provider(), aes128, crypto::hash_alg::sha256,
                                                c.server_log.secret("CLIENT_TRAFFIC_SECRET_0"));
        const auto data =
            open_client_records({crypto::mbedtls_provider(), aes128, k.key.view(), k.iv.view(), mtls::record::nonce_scheme::tls13}, sealed);
        BOOST_TEST((data == ping));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(resumption)

// Wireshark decrypts a resumed TLS 1.2 connection only with a line for its
// own client_random: the same master secret (RFC 5246 §7.3) under the new random.
BOOST_AUTO_TEST_CASE(tls12_resumed_handshakes_log_the_master_secret)
{
    for (bool tickets : {true, false}) {
        BOOST_TEST_CONTEXT((tickets ? "by ticket" : "by session id"))
        {
            logged c(tls_version::tls12);
            c.server.set_session_tickets(tickets);
            engine_pair full(c.client, c.server);
            connect(full);
            const auto master = c.client_log.secret("CLIENT_RANDOM");
            c.client_log.clear();
            c.server_log.clear();

            engine_pair resumed(c.client, c.server);
            connect(resumed, full.client.session());
            BOOST_REQUIRE(resumed.client.info().resumed);
            BOOST_REQUIRE(resumed.server.info().resumed);
            for (const auto* log : {&c.client_log, &c.server_log}) {
                const auto lines = log->parsed();
                BOOST_REQUIRE_EQUAL(lines.size(), 1u);
                BOOST_TEST(lines[0].label == "CLIENT_RANDOM");
                BOOST_TEST((lines[0].client_random == client_hello_random(resumed)));
                BOOST_TEST((lines[0].client_random != client_hello_random(full)));
                BOOST_TEST((lines[0].secret == master));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(tls13_resumed_handshakes_log_their_secrets)
{
    logged c(tls_version::tls13);
    engine_pair full(c.client, c.server);
    connect(full);
    c.client_log.clear();
    c.server_log.clear();
    engine_pair resumed(c.client, c.server);
    connect(resumed, full.client.session());
    BOOST_REQUIRE(resumed.client.info().resumed);
    BOOST_TEST(c.client_log.labels() == expected_labels(tls_version::tls13), boost::test_tools::per_element());
    BOOST_TEST(c.client_log.raw() == c.server_log.raw(), boost::test_tools::per_element());
    for (const auto& l : c.server_log.parsed())
        BOOST_TEST((l.client_random == client_hello_random(resumed)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(off)

// The NSS format has generation 0 only; Wireshark derives the next ones
// (RFC 8446 §7.2). The test hook still sees them.
BOOST_AUTO_TEST_CASE(key_updates_stay_out_of_the_key_log)
{
    logged c(tls_version::tls13);
    key_log hook;
    engine_pair p(c.client, c.server, with_log(hook));
    connect(p);
    BOOST_REQUIRE(p.client.update_keys(true));
    BOOST_REQUIRE(p.exchange(ping, pong));
    BOOST_TEST(hook.find("CLIENT_TRAFFIC_SECRET_1").has_value());
    BOOST_TEST(hook.find("SERVER_TRAFFIC_SECRET_1").has_value());
    BOOST_TEST(c.client_log.labels() == expected_labels(tls_version::tls13), boost::test_tools::per_element());
    BOOST_TEST(c.server_log.labels() == expected_labels(tls_version::tls13), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_a_callback_nothing_is_logged)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            logged c(v);
            // An empty function turns the key log off again.
            c.client.set_keylog_callback({});
            c.server.set_keylog_callback({});
            key_log client_hook;
            engine_pair p(c.client, c.server, with_log(client_hook));
            connect(p);
            BOOST_TEST(c.client_log.raw().empty());
            BOOST_TEST(c.server_log.raw().empty());
            // The test hook is independent of the callback.
            BOOST_TEST(client_hook.find(expected_labels(v).front()).has_value());

            engine_pair bare(decryptable(client_context("client-ecdsa"), v),
                             decryptable(server_context_requiring_client_cert(), v));
            connect(bare);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
