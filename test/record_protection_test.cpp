// Tests for src/record: AEAD record protection (RFC 5288, RFC 7905,
// RFC 8446 §5.2-5.4).

#define BOOST_TEST_MODULE record_protection
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"
#include "support/record_suites.hpp"
#include "support/rfc8448_trace.hpp"

#include "crypto/aead.hpp"
#include "record/protection.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using namespace mtls::record;
using crypto::aead;
using crypto::aead_alg;
using namespace mtls::test::record_suites;

BOOST_AUTO_TEST_SUITE(protection_tests)

BOOST_AUTO_TEST_CASE(seal_open_round_trip)
{
    const std::pair<content_type, byte_vec> messages[] = {
        {content_type::application_data, {}},
        {content_type::handshake, pattern(1)},
        {content_type::alert, hex("0100")},
        {content_type::application_data, pattern(1000, 3)},
        {content_type::change_cipher_spec, hex("01")},
    };
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            auto opener = make_protection(s);
            BOOST_TEST(sealer.prefix_size() == explicit_nonce_size(s.scheme));
            BOOST_TEST(sealer.suffix_size() == trailer_size(s.scheme));
            std::uint64_t seq = 0;
            for (const auto& [type, text] : messages) {
                auto rec = seal_record(sealer, type, text);
                ++seq;
                BOOST_TEST(rec.size() == 5 + explicit_nonce_size(s.scheme) + text.size() + trailer_size(s.scheme));
                // RFC 8446 §5.2: TLS 1.3 hides the type behind application_data.
                const auto outer = s.scheme == nonce_scheme::tls13 ? content_type::application_data : type;
                BOOST_TEST(static_cast<content_type>(rec[0]) == outer);
                BOOST_TEST(get16(rec, 1) == 0x0303u);
                BOOST_TEST(get16(rec, 3) == rec.size() - 5);
                if (!text.empty()) {
                    const auto at = static_cast<std::ptrdiff_t>(5 + explicit_nonce_size(s.scheme));
                    BOOST_TEST(!std::equal(text.begin(), text.end(), rec.begin() + at), "plaintext left in the clear");
                }
                BOOST_TEST(sealer.sequence() == seq);

                auto got = open_record(opener, rec);
                BOOST_TEST_REQUIRE(got.ec == error_code{});
                BOOST_TEST(got.type == type);
                BOOST_TEST(got.plaintext == text);
                BOOST_TEST(opener.sequence() == seq);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(version_goes_into_the_header)
{
    for (const auto& s : suites) {
        auto sealer = make_protection(s);
        auto opener = make_protection(s);
        auto rec = seal_record(sealer, content_type::handshake, pattern(10), 0x0301);
        BOOST_TEST(get16(rec, 1) == 0x0301u, s.name);
        BOOST_TEST(open_record(opener, rec).plaintext == pattern(10), s.name);
    }
}

BOOST_AUTO_TEST_CASE(out_of_order_and_replayed_records_fail)
{
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            const auto r0 = seal_record(sealer, content_type::application_data, pattern(32, 1));
            const auto r1 = seal_record(sealer, content_type::application_data, pattern(32, 2));

            // Record 1 where 0 is expected: sequence numbers are implicit (RFC 5246 §6.1),
            // even when TLS 1.2 GCM carries a nonce on the wire.
            auto skipping = make_protection(s);
            BOOST_TEST(open_record(skipping, r1).ec == error::bad_record_mac);

            auto replaying = make_protection(s);
            BOOST_TEST(open_record(replaying, r0).ec == error_code{});
            BOOST_TEST(open_record(replaying, r0).ec == error::bad_record_mac);

            auto in_order = make_protection(s);
            BOOST_TEST(open_record(in_order, r0).plaintext == pattern(32, 1));
            BOOST_TEST(open_record(in_order, r1).plaintext == pattern(32, 2));
            BOOST_TEST(in_order.sequence() == 2u);
        }
    }
}

BOOST_AUTO_TEST_CASE(different_key_or_iv_fails)
{
    for (const auto& s : suites) {
        auto sealer = make_protection(s, 1);
        const auto rec = seal_record(sealer, content_type::application_data, pattern(16));
        protection other_key(mtls::crypto::mbedtls_provider(), s.alg, key_for(s.alg, 2), iv_for(s.scheme, 1), s.scheme);
        BOOST_TEST(open_record(other_key, rec).ec == error::bad_record_mac, s.name);
        // For TLS 1.2 GCM the salt is the implicit nonce part.
        protection other_iv(mtls::crypto::mbedtls_provider(), s.alg, key_for(s.alg, 1), iv_for(s.scheme, 2), s.scheme);
        BOOST_TEST(open_record(other_iv, rec).ec == error::bad_record_mac, s.name);
    }
}

BOOST_AUTO_TEST_CASE(any_tampered_byte_fails)
{
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            const auto rec = seal_record(sealer, content_type::handshake, pattern(20));
            for (std::size_t i = 0; i < rec.size(); ++i) {
                // TLS 1.2 authenticates the plaintext length computed from the
                // record's size, not the header's length field itself; changed
                // sizes are covered below and through the record layer.
                if (s.scheme != nonce_scheme::tls13 && (i == 3 || i == 4))
                    continue;
                auto bad = rec;
                bad[i] ^= std::byte{0x01};
                auto opener = make_protection(s);
                BOOST_TEST(open_record(opener, bad).ec == error::bad_record_mac, "byte " << i);
                BOOST_TEST(opener.sequence() == 0u);
            }
            // One byte shorter or longer, with a matching header length.
            auto shorter = byte_vec(rec.begin(), rec.end() - 1);
            auto length = be16(shorter.size() - 5);
            std::copy(length.begin(), length.end(), shorter.begin() + 3);
            auto opener = make_protection(s);
            BOOST_TEST(open_record(opener, shorter).ec == error::bad_record_mac);
            auto longer = cat({rec, hex("00")});
            length = be16(longer.size() - 5);
            std::copy(length.begin(), length.end(), longer.begin() + 3);
            BOOST_TEST(open_record(opener, longer).ec == error::bad_record_mac);
        }
    }
}

BOOST_AUTO_TEST_CASE(fragment_shorter_than_overhead_fails)
{
    for (const auto& s : suites) {
        // Any length below explicit nonce + tag (+ inner type) cannot be a record.
        const auto min = explicit_nonce_size(s.scheme) + trailer_size(s.scheme);
        for (std::size_t n = 0; n < min; ++n) {
            auto rec = cat({hex("17 0303"), be16(n), pattern(n)});
            auto opener = make_protection(s);
            BOOST_TEST(open_record(opener, rec).ec == error::bad_record_mac, s.name << ", fragment " << n);
        }
    }
}

BOOST_AUTO_TEST_CASE(tls12_explicit_nonce_is_the_sequence)
{
    // RFC 5288 §3: the explicit nonce is the 8-byte sequence number.
    auto sealer = make_protection(suites[0]);
    for (std::uint64_t seq = 0; seq < 3; ++seq) {
        const auto rec = seal_record(sealer, content_type::application_data, pattern(5));
        BOOST_TEST(to_vec(bytes_view(rec).subspan(5, 8)) == be64(seq), "record " << seq);
    }
}

BOOST_AUTO_TEST_CASE(records_match_an_independent_construction)
{
    // Sequence 2, built by hand from the RFC rules with the raw AEAD, so a
    // nonce or additional-data mistake shared by seal and open still shows.
    const auto text = pattern(33, 9);
    const auto type = content_type::handshake;
    for (const auto& s : suites) {
        BOOST_TEST_CONTEXT(s.name)
        {
            auto sealer = make_protection(s);
            seal_record(sealer, type, pattern(3));
            seal_record(sealer, type, pattern(4));
            const auto got = seal_record(sealer, type, text);

            const auto key = key_for(s.alg, 1);
            const auto iv = iv_for(s.scheme, 1);
            byte_vec nonce;
            if (s.scheme == nonce_scheme::tls12_explicit) {
                nonce = cat({iv, be64(2)});                              // RFC 5288 §3
            } else {
                nonce = cat({hex("00000000"), be64(2)});                 // RFC 7905 §2, RFC 8446 §5.3
                for (std::size_t i = 0; i < nonce.size(); ++i)
                    nonce[i] ^= iv[i];
            }
            byte_vec expected;
            aead raw(mtls::crypto::mbedtls_provider(), s.alg, key);
            byte_vec tag(16);
            if (s.scheme == nonce_scheme::tls13) {
                auto inner = cat({text, hex("16")});                    // RFC 8446 §5.2
                const auto header = cat({hex("17 0303"), be16(inner.size() + 16)});
                raw.seal(nonce, header, inner, tag);
                expected = cat({header, inner, tag});
            } else {
                // RFC 5246 §6.2.3.3: seq_num || type || version || plaintext length.
                const auto ad = cat({be64(2), hex("16 0303"), be16(text.size())});
                auto body = text;
                raw.seal(nonce, ad, body, tag);
                const auto explicit_part = s.scheme == nonce_scheme::tls12_explicit ? be64(2) : byte_vec{};
                expected = cat({hex("16 0303"), be16(explicit_part.size() + body.size() + 16), explicit_part, body, tag});
            }
            BOOST_TEST(got == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(tls13_all_zero_inner_plaintext)
{
    // RFC 8446 §5.4: no non-zero byte means no content type.
    for (const auto& s : suites) {
        if (s.scheme != nonce_scheme::tls13)
            continue;
        for (std::size_t zeros : {1u, 5u}) {
            const auto key = key_for(s.alg, 1);
            auto nonce = iv_for(s.scheme, 1);   // sequence 0: the IV itself
            byte_vec inner(zeros);
            const auto header = cat({hex("17 0303"), be16(zeros + 16)});
            byte_vec tag(16);
            aead(mtls::crypto::mbedtls_provider(), s.alg, key).seal(nonce, header, inner, tag);
            auto opener = make_protection(s);
            BOOST_TEST(open_record(opener, cat({header, inner, tag})).ec == error::no_inner_content_type,
                       s.name << ", " << zeros << " zeros");
        }
    }
}

BOOST_AUTO_TEST_CASE(tls13_padding_is_stripped)
{
    // RFC 8446 §5.4: content || type || zeros; the last non-zero byte is the type.
    const suite& s = suites[3];
    const std::pair<byte_vec, byte_vec> cases[] = {
        {hex("6869 16 000000"), hex("6869")},
        {hex("0000 16 00"), hex("0000")},          // zeros inside the content stay
        {hex("17"), {}},                           // empty content
    };
    for (const auto& [inner_plain, content] : cases) {
        auto inner = inner_plain;
        const auto header = cat({hex("17 0303"), be16(inner.size() + 16)});
        byte_vec tag(16);
        aead(mtls::crypto::mbedtls_provider(), s.alg, key_for(s.alg, 1)).seal(iv_for(s.scheme, 1), header, inner, tag);
        auto opener = make_protection(s);
        auto got = open_record(opener, cat({header, inner, tag}));
        BOOST_TEST_REQUIRE(got.ec == error_code{});
        BOOST_TEST(got.type == static_cast<content_type>(inner_plain[content.size()]));
        BOOST_TEST(got.plaintext == content);
    }
}

BOOST_AUTO_TEST_CASE(tls13_rfc8448_server_handshake_record)
{
    // RFC 8448 §3 (Simple 1-RTT Handshake): the server's encrypted
    // EncryptedExtensions..Finished record, sequence 0 under the server
    // handshake traffic key and IV listed there.
    const auto& key = rfc8448::server_hs_key;
    const auto& iv = rfc8448::server_hs_iv;
    const auto payload = cat({rfc8448::encrypted_extensions, rfc8448::certificate, rfc8448::certificate_verify,
                              rfc8448::server_finished});
    const auto& complete_record = rfc8448::server_flight_record;
    BOOST_TEST_REQUIRE(payload.size() == 657u);
    BOOST_TEST_REQUIRE(complete_record.size() == 679u);

    protection opener(mtls::crypto::mbedtls_provider(), aead_alg::aes_128_gcm, key, iv, nonce_scheme::tls13);
    auto got = open_record(opener, complete_record);
    BOOST_TEST_REQUIRE(got.ec == error_code{});
    BOOST_TEST(got.type == content_type::handshake);
    BOOST_TEST(got.plaintext == payload);

    protection sealer(mtls::crypto::mbedtls_provider(), aead_alg::aes_128_gcm, key, iv, nonce_scheme::tls13);
    BOOST_TEST(seal_record(sealer, content_type::handshake, payload) == complete_record);
}

BOOST_AUTO_TEST_SUITE_END()
