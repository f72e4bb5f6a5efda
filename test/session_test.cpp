// Tests for the storage half of session resumption: the serialised session
// (src/session/session_state), the ticket keys (src/session/ticket_keys),
// mtls::session and the in-memory session store.

#define BOOST_TEST_MODULE session
#include <boost/test/unit_test.hpp>

#include "support/bytes.hpp"
#include "support/print.hpp"

#include "session/session_state.hpp"
#include "session/ticket_keys.hpp"

#include <mtls/session.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using detail::session_state;
using test::bytes;

namespace {

bytes filled(std::size_t n, std::uint8_t first = 1)
{
    bytes out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = std::byte(static_cast<std::uint8_t>(first + i));
    return out;
}

session_state full_state(tls_version v)
{
    session_state s;
    s.version = v;
    s.suite = v == tls_version::tls13 ? cipher_suite::tls_aes_256_gcm_sha384
                                      : cipher_suite::tls_ecdhe_ecdsa_with_chacha20_poly1305_sha256;
    s.secret.assign(filled(48, 7));
    s.extended_master_secret = v == tls_version::tls12;
    s.issued = 0x0102030405060708;
    s.lifetime = 7200;
    s.age_add = 0xA1B2C3D4;
    s.server_name = "server.example";
    s.alpn = "h2";
    s.peer_certificates = {filled(300, 3), filled(1, 9), filled(70, 4)};
    s.peer_subject = "CN=server,O=mtls";
    s.ticket = filled(v == tls_version::tls13 ? 120 : 0, 5);
    s.session_id = filled(v == tls_version::tls12 ? 32 : 0, 6);
    return s;
}

void check_same(const session_state& a, const session_state& b)
{
    BOOST_TEST(a.version == b.version);
    BOOST_TEST(a.suite == b.suite);
    BOOST_TEST((bytes(a.secret.view().begin(), a.secret.view().end()) ==
                bytes(b.secret.view().begin(), b.secret.view().end())));
    BOOST_TEST(a.extended_master_secret == b.extended_master_secret);
    BOOST_TEST(a.issued == b.issued);
    BOOST_TEST(a.lifetime == b.lifetime);
    BOOST_TEST(a.age_add == b.age_add);
    BOOST_TEST(a.server_name == b.server_name);
    BOOST_TEST(a.alpn == b.alpn);
    BOOST_TEST((a.peer_certificates == b.peer_certificates));
    BOOST_TEST(a.peer_subject == b.peer_subject);
    BOOST_TEST((a.ticket == b.ticket));
    BOOST_TEST((a.session_id == b.session_id));
}

bytes encoded(const session_state& s)
{
    bytes out;
    detail::encode_session(out, s);
    return out;
}

/// The format written out by hand, field by field (format 1 of
/// session_state.cpp), so a test can give any field any length or value.
struct raw_session {
    std::uint8_t tag = 1;
    std::uint16_t version = 0x0304;
    std::uint16_t suite = 0x1301;
    std::uint8_t ems = 0;
    std::uint64_t issued = 1000;
    std::uint32_t lifetime = 3600;
    std::uint32_t age_add = 0;
    bytes server_name;
    bytes alpn;
    std::vector<bytes> certificates;
    bytes subject;
    bytes ticket;
    bytes session_id;
    bytes secret = filled(32);

    bytes write() const
    {
        bytes b;
        auto put = [&](std::size_t width, std::uint64_t v) {
            for (std::size_t i = width; i-- > 0;)
                test::put8(b, static_cast<std::size_t>(v >> (8 * i)));
        };
        auto vec = [&](std::size_t width, const bytes& v) {
            put(width, v.size());
            b.insert(b.end(), v.begin(), v.end());
        };
        put(1, tag);
        put(2, version);
        put(2, suite);
        put(1, ems);
        put(8, issued);
        put(4, lifetime);
        put(4, age_add);
        vec(2, server_name);
        vec(2, alpn);
        put(1, certificates.size());
        for (const auto& c : certificates)
            vec(4, c);
        vec(3, subject);
        vec(3, ticket);
        vec(1, session_id);
        vec(1, secret);
        return b;
    }
};

error_code parse(const bytes& in)
{
    session_state s;
    return detail::parse_session(in, s);
}

} // namespace

BOOST_AUTO_TEST_SUITE(serialised_session)

BOOST_AUTO_TEST_CASE(full_state_round_trips_for_both_versions)
{
    for (auto v : {tls_version::tls12, tls_version::tls13}) {
        const auto s = full_state(v);
        const auto b = encoded(s);
        BOOST_TEST(std::to_integer<int>(b.at(0)) == 1);
        session_state back;
        BOOST_TEST(!detail::parse_session(b, back));
        check_same(s, back);
        BOOST_TEST((encoded(back) == b));
    }
}

BOOST_AUTO_TEST_CASE(hand_written_format_matches_the_encoder)
{
    raw_session r;
    r.server_name = filled(3);
    r.certificates = {filled(2)};
    session_state s;
    BOOST_TEST(!detail::parse_session(r.write(), s));
    BOOST_TEST((encoded(s) == r.write()));
}

BOOST_AUTO_TEST_CASE(every_bound_at_and_one_past_its_limit)
{
    struct bound {
        const char* what;
        void (*set)(raw_session&, std::size_t);
        std::size_t low;
        std::size_t high;
    };
    const bound bounds[] = {
        {"secret", [](raw_session& r, std::size_t n) { r.secret = filled(n); }, 1, crypto::secret::capacity},
        {"server_name", [](raw_session& r, std::size_t n) { r.server_name = filled(n); }, 0, 255},
        {"alpn", [](raw_session& r, std::size_t n) { r.alpn = filled(n); }, 0, 255},
        {"certificate count", [](raw_session& r, std::size_t n) { r.certificates.assign(n, filled(3)); }, 0,
         detail::max_session_certificates},
        {"certificate size", [](raw_session& r, std::size_t n) { r.certificates = {bytes(n)}; }, 0,
         detail::max_session_certificate_size},
        {"peer_subject", [](raw_session& r, std::size_t n) { r.subject = filled(n); }, 0, 64 * 1024},
        {"ticket", [](raw_session& r, std::size_t n) { r.ticket = filled(n); }, 0, detail::max_session_ticket_size},
        {"session_id", [](raw_session& r, std::size_t n) { r.session_id = filled(n); }, 0, 32},
        {"lifetime", [](raw_session& r, std::size_t n) { r.lifetime = static_cast<std::uint32_t>(n); }, 0,
         detail::max_session_lifetime},
        {"ems flag", [](raw_session& r, std::size_t n) { r.ems = static_cast<std::uint8_t>(n); }, 0, 1},
    };
    for (const auto& b : bounds) {
        BOOST_TEST_CONTEXT(b.what)
        {
            for (std::size_t n : {b.low, b.high}) {
                raw_session r;
                b.set(r, n);
                BOOST_TEST(!parse(r.write()));
            }
            raw_session over;
            b.set(over, b.high + 1);
            BOOST_TEST(parse(over.write()) == error::bad_session);
            if (b.low > 0) {
                raw_session under;
                b.set(under, b.low - 1);
                BOOST_TEST(parse(under.write()) == error::bad_session);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(encoder_refuses_what_the_parser_would)
{
    const auto base = full_state(tls_version::tls13);
    auto with = [&](auto change) {
        auto s = base;
        change(s);
        return s;
    };
    BOOST_CHECK_NO_THROW(encoded(base));
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.secret.clear(); })), std::length_error);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.session_id = filled(33); })), std::length_error);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.alpn.assign(256, 'a'); })), std::length_error);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.ticket = filled(0x10000); })), std::length_error);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.peer_certificates.assign(17, filled(1)); })),
                      std::invalid_argument);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.lifetime = detail::max_session_lifetime + 1; })),
                      std::invalid_argument);
    BOOST_CHECK_THROW(encoded(with([](session_state& s) { s.suite = cipher_suite{0x1304}; })), std::invalid_argument);
    // A failed encode leaves the output as it was.
    auto out = filled(3);
    BOOST_CHECK_THROW(detail::encode_session(out, with([](session_state& s) { s.session_id = filled(33); })),
                      std::length_error);
    BOOST_TEST((out == filled(3)));
}

BOOST_AUTO_TEST_CASE(every_truncation_and_a_trailing_byte_are_refused)
{
    for (auto v : {tls_version::tls12, tls_version::tls13}) {
        const auto b = encoded(full_state(v));
        for (std::size_t n = 0; n < b.size(); ++n) {
            // An exact-size copy, so a sanitizer build sees any overread.
            const bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
            BOOST_TEST(parse(cut) == error::bad_session, "length " << n);
        }
        auto longer = b;
        longer.push_back(std::byte{0});
        BOOST_TEST(parse(longer) == error::bad_session);
    }
}

BOOST_AUTO_TEST_CASE(unknown_tag_version_or_suite_is_refused)
{
    BOOST_TEST(!parse(raw_session{}.write()));
    raw_session tag;
    tag.tag = 2;
    BOOST_TEST(parse(tag.write()) == error::bad_session);
    raw_session tls12;
    tls12.version = 0x0303;
    tls12.suite = 0xC02B;
    BOOST_TEST(!parse(tls12.write()));
    raw_session version;
    version.version = 0x0302;
    version.suite = 0xC02B;
    BOOST_TEST(parse(version.write()) == error::bad_session);
    raw_session suite;
    suite.suite = 0x1304;
    BOOST_TEST(parse(suite.write()) == error::bad_session);
    raw_session mixed; // a TLS 1.2 suite in a TLS 1.3 session
    mixed.suite = 0xC02B;
    BOOST_TEST(parse(mixed.write()) == error::bad_session);
}

BOOST_AUTO_TEST_CASE(failed_parse_leaves_the_output_alone)
{
    auto out = full_state(tls_version::tls12);
    raw_session bad;
    bad.session_id = filled(33);
    BOOST_TEST(detail::parse_session(bad.write(), out) == error::bad_session);
    check_same(out, full_state(tls_version::tls12));
}

BOOST_AUTO_TEST_CASE(expired_at_the_boundaries)
{
    session_state s;
    s.issued = 10000;
    s.lifetime = 100;
    BOOST_TEST(!s.expired(10000));
    BOOST_TEST(!s.expired(10099));
    BOOST_TEST(s.expired(10100));
    // Clock skew: issued up to 60 s ahead of now is accepted.
    BOOST_TEST(!s.expired(10000 - 60));
    BOOST_TEST(s.expired(10000 - 61));
    s.issued = std::numeric_limits<std::uint64_t>::max();
    BOOST_TEST(s.expired(0));
    BOOST_TEST(!s.expired(std::numeric_limits<std::uint64_t>::max()));
    s.lifetime = 0;
    BOOST_TEST(s.expired(std::numeric_limits<std::uint64_t>::max()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ticket_keys)

namespace {

constexpr std::uint64_t t0 = 1'700'000'000;

bytes seal(detail::ticket_keys& k, const bytes& plain, std::uint64_t now)
{
    bytes ticket;
    k.seal(plain, ticket, now);
    return ticket;
}

bool opens(detail::ticket_keys& k, const bytes& ticket, std::uint64_t now, const bytes* expect = nullptr)
{
    bytes plain = filled(5); // replaced, also on failure
    const bool ok = k.open(ticket, plain, now);
    if (!ok)
        BOOST_TEST(plain.empty());
    if (ok && expect)
        BOOST_TEST((plain == *expect));
    return ok;
}

bytes record(std::uint8_t name, std::uint8_t key)
{
    auto r = filled(detail::ticket_key_name_size, name);
    auto k = filled(detail::ticket_key_secret_size, key);
    r.insert(r.end(), k.begin(), k.end());
    return r;
}

} // namespace

BOOST_AUTO_TEST_CASE(seal_open_round_trip)
{
    detail::ticket_keys k(mtls::crypto::mbedtls_provider(), 3600);
    for (std::size_t n : {0, 1, 200}) {
        const auto plain = filled(n, 40);
        const auto t = seal(k, plain, t0);
        BOOST_TEST(t.size() == detail::ticket_overhead + n);
        BOOST_TEST(opens(k, t, t0, &plain));
        BOOST_TEST(opens(k, t, t0 + 3599, &plain));
    }
}

BOOST_AUTO_TEST_CASE(any_changed_byte_or_truncation_fails)
{
    detail::ticket_keys k(mtls::crypto::mbedtls_provider(), 3600);
    const auto t = seal(k, filled(64), t0);
    BOOST_TEST(opens(k, t, t0));
    // name, nonce, ciphertext and tag in turn
    for (std::size_t i = 0; i < t.size(); ++i) {
        auto bad = t;
        bad[i] ^= std::byte{0x01};
        BOOST_TEST(!opens(k, bad, t0), "byte " << i);
    }
    for (std::size_t n = 0; n < t.size(); ++n) {
        const bytes cut(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n));
        BOOST_TEST(!opens(k, cut, t0), "length " << n);
    }
}

BOOST_AUTO_TEST_CASE(another_instance_cannot_open)
{
    detail::ticket_keys a(mtls::crypto::mbedtls_provider(), 3600);
    detail::ticket_keys b(mtls::crypto::mbedtls_provider(), 3600);
    const auto t = seal(a, filled(10), t0);
    BOOST_TEST(!opens(b, t, t0));
}

BOOST_AUTO_TEST_CASE(the_name_is_authenticated)
{
    // Same key under two names: only the AAD tells the tickets apart.
    detail::ticket_keys a(mtls::crypto::mbedtls_provider(), 3600), b(mtls::crypto::mbedtls_provider(), 3600);
    BOOST_TEST(!a.set(record(1, 77)));
    BOOST_TEST(!b.set(record(100, 77)));
    auto t = seal(a, filled(12), t0);
    const auto other = record(100, 77);
    std::copy(other.begin(), other.begin() + 16, t.begin());
    BOOST_TEST(!opens(b, t, t0));
}

BOOST_AUTO_TEST_CASE(rotation_keeps_one_previous_key)
{
    constexpr std::uint32_t r = 100;
    detail::ticket_keys k(mtls::crypto::mbedtls_provider(), r);
    const auto plain = filled(20);
    const auto first = seal(k, plain, t0);
    // A seal at t0 + r rotates; the ticket of t0 still opens.
    const auto second = seal(k, plain, t0 + r);
    BOOST_TEST(!std::equal(first.begin(), first.begin() + 16, second.begin()));
    BOOST_TEST(opens(k, first, t0 + r, &plain));
    BOOST_TEST(opens(k, first, t0 + 2 * r - 1, &plain));
    // Twice the rotation after its key began to seal, it is refused even
    // before the next rotation drops the key.
    BOOST_TEST(!opens(k, first, t0 + 2 * r));
    BOOST_TEST(opens(k, second, t0 + 2 * r, &plain));
    seal(k, plain, t0 + 2 * r);
    BOOST_TEST(!opens(k, first, t0 + r));
    BOOST_TEST(opens(k, second, t0 + 2 * r, &plain));
    seal(k, plain, t0 + 3 * r);
    BOOST_TEST(!opens(k, second, t0 + 2 * r));
}

BOOST_AUTO_TEST_CASE(bad_records_are_refused_and_the_keys_kept)
{
    detail::ticket_keys k(mtls::crypto::mbedtls_provider(), 3600);
    const auto random_ticket = seal(k, filled(8), t0);
    auto dup = record(1, 2);
    const auto again = record(1, 3);
    dup.insert(dup.end(), again.begin(), again.end());
    bytes nine;
    for (std::uint8_t i = 0; i < 9; ++i) {
        const auto r = record(static_cast<std::uint8_t>(i * 20), i);
        nine.insert(nine.end(), r.begin(), r.end());
    }
    const bytes bad[] = {bytes{}, filled(47), filled(49), nine, dup};
    for (const auto& b : bad)
        BOOST_TEST(k.set(b) == error::bad_ticket_keys);
    BOOST_TEST(opens(k, random_ticket, t0));

    BOOST_TEST(!k.set(record(50, 60)));
    const auto set_ticket = seal(k, filled(8), t0);
    for (const auto& b : bad)
        BOOST_TEST(k.set(b) == error::bad_ticket_keys);
    BOOST_TEST(opens(k, set_ticket, t0));
    BOOST_TEST(!opens(k, random_ticket, t0));
    // Eight records are the most.
    nine.resize(8 * detail::ticket_key_record_size);
    BOOST_TEST(!k.set(nine));
}

BOOST_AUTO_TEST_CASE(first_record_seals_all_open)
{
    const auto r1 = record(1, 100);
    const auto r2 = record(30, 200);
    auto both = r1;
    both.insert(both.end(), r2.begin(), r2.end());
    detail::ticket_keys a(mtls::crypto::mbedtls_provider(), 3600), only1(mtls::crypto::mbedtls_provider(), 3600), only2(mtls::crypto::mbedtls_provider(), 3600);
    BOOST_TEST(!a.set(both));
    BOOST_TEST(!only1.set(r1));
    BOOST_TEST(!only2.set(r2));
    const auto plain = filled(33);
    const auto t = seal(a, plain, t0);
    BOOST_TEST(std::equal(r1.begin(), r1.begin() + 16, t.begin()));
    BOOST_TEST(opens(only1, t, t0, &plain));
    BOOST_TEST(!opens(only2, t, t0));
    BOOST_TEST(opens(a, seal(only2, plain, t0), t0, &plain));
    // Supplied keys do not rotate: a year later the ticket still opens.
    const auto later = t0 + 365 * 24 * 3600;
    seal(a, plain, later);
    BOOST_TEST(opens(a, t, later, &plain));
}

BOOST_AUTO_TEST_CASE(threads_seal_and_open_while_keys_are_set)
{
    // The same record again and again: every ticket must keep opening.
    const auto keys = record(1, 2);
    detail::ticket_keys k(mtls::crypto::mbedtls_provider(), 3600);
    BOOST_TEST(!k.set(keys));
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
        for (int i = 0; i < 500; ++i)
            if (k.set(keys))
                ++failed;
    });
    for (std::uint8_t t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                const auto plain = filled(40, t);
                bytes ticket, back;
                k.seal(plain, ticket, t0);
                if (!k.open(ticket, back, t0) || back != plain)
                    ++failed;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    BOOST_TEST(failed.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(memory_store)

namespace {

const auto far = std::chrono::system_clock::now() + std::chrono::hours(1);

bytes id(std::uint8_t n)
{
    return filled(8, n);
}

} // namespace

BOOST_AUTO_TEST_CASE(put_get_remove_replace)
{
    auto s = make_memory_session_store(4, 1000);
    BOOST_TEST(s->get(id(1)).empty());
    s->put(id(1), filled(10, 1), far);
    s->put(id(2), filled(20, 2), far);
    BOOST_TEST((s->get(id(1)) == filled(10, 1)));
    BOOST_TEST((s->get(id(2)) == filled(20, 2)));
    s->put(id(1), filled(30, 3), far);
    BOOST_TEST((s->get(id(1)) == filled(30, 3)));
    s->remove(id(1));
    BOOST_TEST(s->get(id(1)).empty());
    BOOST_TEST((s->get(id(2)) == filled(20, 2)));
    s->remove(id(9));
}

BOOST_AUTO_TEST_CASE(entry_bound_evicts_the_oldest)
{
    auto s = make_memory_session_store(3, 1000);
    for (std::uint8_t i = 1; i <= 3; ++i)
        s->put(id(i), filled(5, i), far);
    // Replacing makes 1 the newest: 2 is now the oldest.
    s->put(id(1), filled(6, 1), far);
    s->put(id(4), filled(5, 4), far);
    BOOST_TEST(s->get(id(2)).empty());
    for (std::uint8_t i : {1, 3, 4})
        BOOST_TEST(!s->get(id(i)).empty());
    BOOST_TEST(make_memory_session_store(0, 1000)->get(id(1)).empty());
}

BOOST_AUTO_TEST_CASE(byte_bound_evicts_the_oldest)
{
    auto s = make_memory_session_store(100, 100);
    s->put(id(1), filled(40), far);
    s->put(id(2), filled(40), far);
    s->put(id(3), filled(20), far); // exactly 100
    BOOST_TEST(!s->get(id(1)).empty());
    s->put(id(4), filled(1), far);
    BOOST_TEST(s->get(id(1)).empty());
    BOOST_TEST(!s->get(id(2)).empty());
    s->put(id(5), filled(101), far); // never fits
    BOOST_TEST(s->get(id(5)).empty());
    BOOST_TEST(!s->get(id(2)).empty());
    s->put(id(6), filled(100), far); // fits alone
    BOOST_TEST(!s->get(id(6)).empty());
    for (std::uint8_t i : {2, 3, 4})
        BOOST_TEST(s->get(id(i)).empty());
    // A value too large to keep still replaces the old one.
    s->put(id(6), filled(101), far);
    BOOST_TEST(s->get(id(6)).empty());
}

BOOST_AUTO_TEST_CASE(expired_entries_are_not_returned)
{
    auto s = make_memory_session_store(2, 1000);
    s->put(id(2), filled(5), far);
    s->put(id(1), filled(5), std::chrono::system_clock::now() - std::chrono::seconds(1));
    BOOST_TEST(s->get(id(1)).empty());
    BOOST_TEST(!s->get(id(2)).empty());
    // get dropped the expired entry, so there is room without evicting
    // id 2, the oldest.
    s->put(id(3), filled(5), far);
    BOOST_TEST(!s->get(id(2)).empty());
}

BOOST_AUTO_TEST_CASE(threads_share_one_store)
{
    auto s = make_memory_session_store(16, 16 * 40);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (std::uint8_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2000; ++i) {
                const auto n = static_cast<std::uint8_t>((i * 7 + t) % 40);
                s->put(id(n), bytes(static_cast<std::size_t>(n + 1), std::byte{n}), far);
                const auto other = static_cast<std::uint8_t>((n + 3) % 40);
                const auto v = s->get(id(other));
                if (!v.empty() && v != bytes(static_cast<std::size_t>(other + 1), std::byte{other}))
                    ++wrong;
                if (i % 5 == 0)
                    s->remove(id(other));
            }
        });
    }
    for (auto& th : threads)
        th.join();
    BOOST_TEST(wrong.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(public_session)

BOOST_AUTO_TEST_CASE(bytes_round_trip)
{
    auto state = std::make_shared<session_state>(full_state(tls_version::tls13));
    state->issued = 1'700'000'000;
    const session s(state);
    BOOST_TEST(!s.empty());
    BOOST_TEST(s.version() == tls_version::tls13);
    BOOST_TEST(s.suite() == cipher_suite::tls_aes_256_gcm_sha384);
    BOOST_TEST(s.server_name() == "server.example");
    BOOST_TEST(s.expires().time_since_epoch() == std::chrono::seconds(state->issued + state->lifetime));
    const auto b = s.to_bytes();
    BOOST_TEST((b == encoded(*state)));
    error_code ec;
    const auto back = session::from_bytes(b, ec);
    BOOST_TEST(!ec);
    BOOST_REQUIRE(back);
    check_same(*back.state(), *state);
    BOOST_TEST((session::from_bytes(b).to_bytes() == b));
}

BOOST_AUTO_TEST_CASE(garbage_is_bad_session)
{
    error_code ec;
    const auto s = session::from_bytes(filled(40), ec);
    BOOST_TEST(ec == error::bad_session);
    BOOST_TEST(s.empty());
    try {
        session::from_bytes(filled(40));
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == error::bad_session);
    }
}

BOOST_AUTO_TEST_CASE(empty_session)
{
    const session s;
    BOOST_TEST(s.empty());
    BOOST_TEST(!s);
    BOOST_TEST(s.to_bytes().empty());
    BOOST_TEST(s.server_name().empty());
    BOOST_TEST((s.expires() == std::chrono::system_clock::time_point{}));
    error_code ec;
    BOOST_TEST(session::from_bytes({}, ec).empty());
    BOOST_TEST(ec == error::bad_session);
}

BOOST_AUTO_TEST_CASE(expiry_far_in_the_future_saturates)
{
    auto state = std::make_shared<session_state>(full_state(tls_version::tls12));
    state->issued = std::numeric_limits<std::uint64_t>::max() - 10;
    BOOST_TEST((session(state).expires() == std::chrono::system_clock::time_point::max()));
}

BOOST_AUTO_TEST_SUITE_END()
