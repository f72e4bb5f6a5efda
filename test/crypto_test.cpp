// Known-answer and behaviour tests for src/crypto: hashes, HMAC, the TLS 1.2
// PRF, HKDF, AEADs, ECDH key shares, the CSPRNG and secrets. Signatures and
// certificates: crypto_pki_test.cpp.

#define BOOST_TEST_MODULE crypto
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/key_share.hpp"
#include "crypto/random.hpp"
#include "crypto/secret.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

// Byte strings compare as wholes; on failure the test names the vector.
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using namespace mtls::crypto;

BOOST_AUTO_TEST_SUITE(hashes)

BOOST_AUTO_TEST_CASE(sha256_and_sha384_abc)   // FIPS 180-2 appendix B.1, D.1
{
    std::array<std::byte, max_digest_size> out;
    BOOST_TEST(to_vec(digest(crypto::mbedtls_provider(), hash_alg::sha256, text("abc"), out)) ==
               hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    BOOST_TEST(to_vec(digest(crypto::mbedtls_provider(), hash_alg::sha384, text("abc"), out)) ==
               hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                   "8086072ba1e7cc2358baeca134c825a7"));
}

BOOST_AUTO_TEST_CASE(snapshot_then_continue)
{
    std::array<std::byte, max_digest_size> out;
    hash h(crypto::mbedtls_provider(), hash_alg::sha256);
    h.update(text("a"));
    BOOST_TEST(to_vec(h.snapshot(out)) ==
               hex("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"));
    hash fork(h);   // a copy runs on independently
    h.update(text("bc"));
    BOOST_TEST(to_vec(h.snapshot(out)) ==
               hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    BOOST_TEST(to_vec(h.snapshot(out)) ==   // snapshots do not end the hash
               hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    BOOST_TEST(to_vec(fork.snapshot(out)) ==
               hex("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"));

    hash h384(crypto::mbedtls_provider(), hash_alg::sha384);
    h384.update(text("ab"));
    h384.snapshot(out);
    h384.update(text("c"));
    BOOST_TEST(h384.snapshot(out).size() == 48u);
    BOOST_TEST(to_vec(h384.snapshot(out)) ==
               hex("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                   "8086072ba1e7cc2358baeca134c825a7"));
}

BOOST_AUTO_TEST_CASE(hmac_rfc4231_case2)
{
    std::array<std::byte, max_digest_size> out;
    // data1 || data2 is the message: split it to check the concatenation.
    BOOST_TEST(to_vec(hmac(crypto::mbedtls_provider(), hash_alg::sha256, text("Jefe"), text("what do ya want "),
                           text("for nothing?"), out)) ==
               hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    BOOST_TEST(to_vec(hmac(crypto::mbedtls_provider(), hash_alg::sha384, text("Jefe"), text("what do ya want for nothing?"), {},
                           out)) ==
               hex("af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
                   "8e2240ca5e69e2c78b3239ecfab21649"));
}

BOOST_AUTO_TEST_CASE(tls12_prf_sha256)
{
    // The widely published P_SHA256 vector; the full value was checked with
    // `openssl kdf ... TLS1-PRF`.
    const auto secret_bytes = hex("9bbe436ba940f017b17652849a71db35");
    const auto seed = hex("a0ba9f936cda311827a6f796ffd5198c");
    const auto expected = hex(
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
        "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
        "87347b66");
    byte_vec out(100);
    prf12(crypto::mbedtls_provider(), hash_alg::sha256, secret_bytes, "test label", seed, {}, out);
    BOOST_TEST(out == expected);
    // seed1 || seed2 is the seed.
    byte_vec split(100);
    prf12(crypto::mbedtls_provider(), hash_alg::sha256, secret_bytes, "test label", bytes_view(seed).first(5),
          bytes_view(seed).subspan(5), split);
    BOOST_TEST(split == expected);
    // A shorter output is a prefix.
    byte_vec shorter(12);
    prf12(crypto::mbedtls_provider(), hash_alg::sha256, secret_bytes, "test label", seed, {}, shorter);
    BOOST_TEST(shorter == byte_vec(expected.begin(), expected.begin() + 12));
}

BOOST_AUTO_TEST_CASE(hkdf_rfc5869_case1)
{
    const byte_vec ikm(22, std::byte{0x0b});
    std::array<std::byte, max_digest_size> prk;
    const auto p = hkdf_extract(crypto::mbedtls_provider(), hash_alg::sha256, hex("000102030405060708090a0b0c"), ikm, prk);
    BOOST_TEST(to_vec(p) == hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
    byte_vec okm(42);
    hkdf_expand(crypto::mbedtls_provider(), hash_alg::sha256, p, hex("f0f1f2f3f4f5f6f7f8f9"), okm);
    BOOST_TEST(okm == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                          "34007208d5b887185865"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(aeads)

namespace {

struct aead_vector {
    aead_alg alg;
    std::string_view key, nonce, aad, plaintext, ciphertext, tag;
};

// McGrew-Viega GCM spec test cases 4 and 16; RFC 8439 §2.8.2.
const aead_vector vectors[] = {
    {aead_alg::aes_128_gcm, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449"
     "a6b525b16aedf5aa0de657ba637b39",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac"
     "84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {aead_alg::aes_256_gcm,
     "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449"
     "a6b525b16aedf5aa0de657ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056"
     "828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {aead_alg::chacha20_poly1305,
     "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     "50515253c0c1c2c3c4c5c6c7",
     "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966"
     "204920636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572"
     "652c2073756e73637265656e20776f756c642062652069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da"
     "92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585"
     "808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

} // namespace

BOOST_AUTO_TEST_CASE(known_answers)
{
    for (const auto& v : vectors) {
        BOOST_TEST_CONTEXT("alg " << static_cast<int>(v.alg))
        {
            aead a(crypto::mbedtls_provider(), v.alg, hex(v.key));
            auto data = hex(v.plaintext);
            byte_vec tag(aead_tag_size);
            a.seal(hex(v.nonce), hex(v.aad), data, tag);
            BOOST_TEST(data == hex(v.ciphertext));
            BOOST_TEST(tag == hex(v.tag));
            BOOST_TEST(a.open(hex(v.nonce), hex(v.aad), data, tag));
            BOOST_TEST(data == hex(v.plaintext));
        }
    }
}

BOOST_AUTO_TEST_CASE(tampering_is_detected)
{
    for (const auto& v : vectors) {
        BOOST_TEST_CONTEXT("alg " << static_cast<int>(v.alg))
        {
            aead a(crypto::mbedtls_provider(), v.alg, hex(v.key));
            const auto ct = hex(v.ciphertext);
            const auto good_tag = hex(v.tag);

            auto tag = good_tag;
            tag[0] ^= std::byte{0x01};
            auto data = ct;
            BOOST_TEST(!a.open(hex(v.nonce), hex(v.aad), data, tag));

            data = ct;
            data.back() ^= std::byte{0x80};
            BOOST_TEST(!a.open(hex(v.nonce), hex(v.aad), data, good_tag));

            auto aad = hex(v.aad);
            aad[0] ^= std::byte{0x01};
            data = ct;
            BOOST_TEST(!a.open(hex(v.nonce), aad, data, good_tag));

            auto nonce = hex(v.nonce);
            nonce[11] ^= std::byte{0x01};
            data = ct;
            BOOST_TEST(!a.open(nonce, hex(v.aad), data, good_tag));

            data = ct;   // untouched inputs still open
            BOOST_TEST(a.open(hex(v.nonce), hex(v.aad), data, good_tag));
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_plaintext)
{
    aead a(crypto::mbedtls_provider(), aead_alg::aes_128_gcm, byte_vec(16));
    byte_vec tag(aead_tag_size);
    const byte_vec nonce(aead_nonce_size);
    a.seal(nonce, text("hdr"), {}, tag);
    BOOST_TEST(a.open(nonce, text("hdr"), {}, tag));
    BOOST_TEST(!a.open(nonce, text("hdX"), {}, tag));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_shares)

BOOST_AUTO_TEST_CASE(x25519_rfc7748)   // RFC 7748 §6.1
{
    auto alice = key_share::from_private(crypto::mbedtls_provider(), 
        named_group::x25519, hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
    auto bob = key_share::from_private(crypto::mbedtls_provider(), 
        named_group::x25519, hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
    BOOST_TEST(to_vec(alice.public_key()) ==
               hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    BOOST_TEST(to_vec(bob.public_key()) ==
               hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    const auto expected = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    secret s1, s2;
    BOOST_TEST(!alice.agree(bob.public_key(), s1));
    BOOST_TEST(!bob.agree(alice.public_key(), s2));
    BOOST_TEST(to_vec(s1.view()) == expected);
    BOOST_TEST(to_vec(s2.view()) == expected);
}

BOOST_AUTO_TEST_CASE(generated_shares_agree)
{
    const std::pair<named_group, std::size_t> groups[] = {
        {named_group::x25519, 32}, {named_group::secp256r1, 65}, {named_group::secp384r1, 97}};
    for (auto [g, pub_size] : groups) {
        BOOST_TEST_CONTEXT(to_string(g))
        {
            BOOST_TEST(is_supported(g));
            auto a = key_share::generate(crypto::mbedtls_provider(), g);
            auto b = key_share::generate(crypto::mbedtls_provider(), g);
            BOOST_TEST(a.public_key().size() == pub_size);
            if (g != named_group::x25519)
                BOOST_TEST(a.public_key()[0] == std::byte{0x04});
            BOOST_TEST(to_vec(a.public_key()) != to_vec(b.public_key()));
            secret s1, s2;
            BOOST_TEST(!a.agree(b.public_key(), s1));
            BOOST_TEST(!b.agree(a.public_key(), s2));
            BOOST_TEST(s1.size() == (g == named_group::secp384r1 ? 48u : 32u));
            BOOST_TEST(to_vec(s1.view()) == to_vec(s2.view()));
        }
    }
}

BOOST_AUTO_TEST_CASE(nist_points_are_validated)   // RFC 8422 §5.11, RFC 8446 §4.2.8.2
{
    for (auto g : {named_group::secp256r1, named_group::secp384r1}) {
        BOOST_TEST_CONTEXT(to_string(g))
        {
            auto mine = key_share::generate(crypto::mbedtls_provider(), g);
            const auto peer = to_vec(key_share::generate(crypto::mbedtls_provider(), g).public_key());
            const std::size_t coord = (peer.size() - 1) / 2;
            secret s;

            auto off_curve = peer;
            off_curve.back() ^= std::byte{0x01};
            BOOST_TEST(mine.agree(off_curve, s) == error::invalid_key_share);

            BOOST_TEST(mine.agree(bytes_view(peer).first(peer.size() - 1), s) ==
                       error::invalid_key_share);

            byte_vec compressed(peer.begin(), peer.begin() + 1 + static_cast<std::ptrdiff_t>(coord));
            compressed[0] = std::byte{0x02} | (peer.back() & std::byte{0x01});
            BOOST_TEST(mine.agree(compressed, s) == error::invalid_key_share);
            auto wrong_prefix = peer;   // right length, not the uncompressed form
            wrong_prefix[0] = std::byte{0x03};
            BOOST_TEST(mine.agree(wrong_prefix, s) == error::invalid_key_share);

            BOOST_TEST(mine.agree(hex("00"), s) == error::invalid_key_share);   // infinity
            byte_vec zeros(peer.size());
            zeros[0] = std::byte{0x04};
            BOOST_TEST(mine.agree(zeros, s) == error::invalid_key_share);
            BOOST_TEST(mine.agree({}, s) == error::invalid_key_share);

            BOOST_TEST(!mine.agree(peer, s));   // the original still works
        }
    }
}

BOOST_AUTO_TEST_CASE(x25519_low_order_points_rejected)   // RFC 7748 §6.1
{
    auto mine = key_share::generate(crypto::mbedtls_provider(), named_group::x25519);
    secret s;
    // u = 0, u = 1 and a point of order 8: each gives an all-zero result.
    BOOST_TEST(mine.agree(byte_vec(32), s) == error::invalid_key_share);
    auto one = byte_vec(32);
    one[0] = std::byte{1};
    BOOST_TEST(mine.agree(one, s) == error::invalid_key_share);
    BOOST_TEST(mine.agree(hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), s) ==
               error::invalid_key_share);
    BOOST_TEST(mine.agree(byte_vec(31, std::byte{9}), s) == error::invalid_key_share);
    BOOST_TEST(mine.agree(byte_vec(33, std::byte{9}), s) == error::invalid_key_share);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(random_bytes_from_many_threads)
{
    constexpr int threads = 4;
    constexpr int draws = 500;
    std::vector<std::vector<byte_vec>> results(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&results, t] {
            for (int i = 0; i < draws; ++i) {
                byte_vec b(32);
                random_bytes(b);
                results[t].push_back(std::move(b));
            }
        });
    for (auto& th : pool)
        th.join();
    std::set<byte_vec> unique;
    for (const auto& r : results)
        unique.insert(r.begin(), r.end());
    BOOST_TEST(unique.size() == static_cast<std::size_t>(threads * draws));

    // Larger than one CTR_DRBG request: every part must be filled.
    byte_vec big(5000);
    random_bytes(big);
    const byte_vec zeros(64);
    BOOST_TEST(!std::equal(zeros.begin(), zeros.end(), big.end() - 64));
}

BOOST_AUTO_TEST_CASE(secrets_and_comparison)
{
    secret s(text("key material"));
    BOOST_TEST(s.size() == 12u);
    secret copy = s;
    BOOST_TEST(constant_time_equal(copy.view(), s.view()));
    s.clear();
    BOOST_TEST(s.empty());
    BOOST_TEST(!constant_time_equal(copy.view(), s.view()));
    BOOST_TEST(!constant_time_equal(text("abc"), text("abd")));
    BOOST_TEST(constant_time_equal(text("abc"), text("abc")));
    BOOST_TEST(s.resize(100).size() == secret::capacity);
}
