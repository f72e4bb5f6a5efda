// Known-answer tests run against every crypto provider this build has, called
// through the provider interface (src/crypto/provider.hpp) directly: AEADs,
// hashes and HMAC, and key shares, with the refusals a provider must make on
// its own (tampered tags, keys that are not points of the curve), key shares
// that agree across providers, and records that allocate nothing.

#define BOOST_TEST_MODULE crypto_provider_kat
#include <boost/test/unit_test.hpp>

#include "support/heap_meter.hpp"
#include "support/hex.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"
#include "crypto/provider.hpp"
#include "crypto/vocabulary.hpp"

#include <array>
#include <optional>
#include <string_view>
#include <vector>

BOOST_TEST_DONT_PRINT_LOG_VALUE(std::byte)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<std::byte>)

using namespace mtls;
using namespace mtls::crypto;

namespace {

constexpr std::array all_providers{crypto_provider::mbedtls, crypto_provider::openssl};

std::string_view name_of(crypto_provider id)
{
    return id == crypto_provider::openssl ? "openssl" : "mbedtls";
}

/// Runs `f` once per provider of this build, naming it in failures.
template <class F>
void for_each_provider(F f)
{
    for (crypto_provider id : all_providers) {
        if (const provider* p = find_provider(id)) {
            BOOST_TEST_CONTEXT("provider " << name_of(id)) { f(*p); }
        }
    }
}

struct aead_vector {
    const char* name;
    aead_alg alg;
    std::string_view key, nonce, aad, plaintext, ciphertext, tag;
};

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 4 and
// 16 (96-bit IV, with AAD); RFC 8439 §2.8.2.
const aead_vector aead_vectors[] = {
    {"GCM test case 4", aead_alg::aes_128_gcm, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de6"
     "57ba637b39",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac97"
     "3d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"GCM test case 16", aead_alg::aes_256_gcm, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
     "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de6"
     "57ba637b39",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0a"
     "bcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"RFC 8439 2.8.2", aead_alg::chacha20_poly1305, "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
     "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
     "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a204966204920636f756c64206f66"
     "66657220796f75206f6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73637265656e20776f756c64206265"
     "2069742e",
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b29"
     "05d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec6"
     "4b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
};

/// Seals a copy of `plain`: the ciphertext, and the tag in `tag`.
byte_vec seal(aead_impl& a, bytes_view nonce, bytes_view aad, bytes_view plain, byte_vec& tag)
{
    byte_vec data = to_vec(plain);
    tag.assign(aead_tag_size, std::byte{0});
    a.seal(nonce, aad, data, tag);
    return data;
}

/// Opens a copy of `sealed`; the plaintext, or nothing when refused.
std::optional<byte_vec> open(aead_impl& a, bytes_view nonce, bytes_view aad, bytes_view sealed, bytes_view tag)
{
    byte_vec data = to_vec(sealed);
    if (!a.open(nonce, aad, data, tag))
        return std::nullopt;
    return data;
}

const char* alg_name(aead_alg a)
{
    switch (a) {
    case aead_alg::aes_128_gcm: return "AES-128-GCM";
    case aead_alg::aes_256_gcm: return "AES-256-GCM";
    case aead_alg::chacha20_poly1305: return "ChaCha20-Poly1305";
    }
    return "?";
}

byte_vec flipped(byte_vec b, std::size_t at)
{
    b.at(at) ^= std::byte{0x01};
    return b;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_build_has_mbedtls)
{
    // Otherwise the loops below could run over no provider at all.
    BOOST_TEST(find_provider(crypto_provider::mbedtls) != nullptr);
}

BOOST_AUTO_TEST_CASE(supports_what_mtls_offers)
{
    for_each_provider([](const provider& p) {
        for (const suite_row& s : suites)
            BOOST_TEST(p.supports(s.aead), s.name);
        for (const group_row& g : groups)
            BOOST_TEST(p.supports(g.id), g.name);
        for (const scheme_row& s : schemes)
            BOOST_TEST(p.supports(s.id), s.name);
    });
}

BOOST_AUTO_TEST_CASE(random_draws_differ)
{
    for_each_provider([](const provider& p) {
        byte_vec a(32), b(32);
        p.random(a);
        p.random(b);
        BOOST_TEST(a != b);
        BOOST_TEST(a != byte_vec(32));
    });
}

BOOST_AUTO_TEST_SUITE(aead_kat)

/// Runs `f(p, v, a)` for every provider `p` and AEAD vector `v`, with `a`
/// keyed with v's key by p.
template <class F>
void for_each_aead_vector(F f)
{
    for_each_provider([&](const provider& p) {
        for (const aead_vector& v : aead_vectors) {
            BOOST_TEST_CONTEXT(v.name) { f(p, v, *p.make_aead(v.alg, hex(v.key))); }
        }
    });
}

BOOST_AUTO_TEST_CASE(published_vectors)
{
    for_each_aead_vector([](const provider&, const aead_vector& v, aead_impl& a) {
        byte_vec tag;
        const byte_vec sealed = seal(a, hex(v.nonce), hex(v.aad), hex(v.plaintext), tag);
        BOOST_TEST(sealed == hex(v.ciphertext));
        BOOST_TEST(tag == hex(v.tag));
        BOOST_TEST((open(a, hex(v.nonce), hex(v.aad), sealed, tag) == hex(v.plaintext)));
    });
}

BOOST_AUTO_TEST_CASE(tampering_is_refused)
{
    for_each_aead_vector([](const provider&, const aead_vector& v, aead_impl& a) {
        const byte_vec nonce = hex(v.nonce), aad = hex(v.aad), sealed = hex(v.ciphertext), tag = hex(v.tag);
        BOOST_TEST(!open(a, nonce, aad, sealed, flipped(tag, 15)));
        BOOST_TEST(!open(a, nonce, aad, flipped(sealed, 0), tag));
        BOOST_TEST(!open(a, nonce, flipped(aad, aad.size() - 1), sealed, tag));
        BOOST_TEST(!open(a, flipped(nonce, 11), aad, sealed, tag));
        // A refusal leaves the key usable: the genuine record still opens.
        BOOST_TEST((open(a, nonce, aad, sealed, tag) == hex(v.plaintext)));
    });
}

// Records after the first start from a fresh nonce, not from where the last
// one ended; sealing and opening may alternate on one key.
BOOST_AUTO_TEST_CASE(each_record_starts_afresh)
{
    for_each_aead_vector([](const provider& p, const aead_vector& v, aead_impl& a) {
        byte_vec tag;
        const byte_vec other_nonce = flipped(hex(v.nonce), 0);
        const byte_vec first = seal(a, other_nonce, {}, hex(v.plaintext), tag);
        BOOST_TEST((open(a, other_nonce, {}, first, tag) == hex(v.plaintext)));
        BOOST_TEST(seal(a, hex(v.nonce), hex(v.aad), hex(v.plaintext), tag) == hex(v.ciphertext));
        BOOST_TEST(tag == hex(v.tag));
        const auto fresh = p.make_aead(v.alg, hex(v.key));
        byte_vec fresh_tag;
        BOOST_TEST(seal(*fresh, other_nonce, {}, hex(v.plaintext), fresh_tag) == first);
    });
}

BOOST_AUTO_TEST_CASE(empty_records)
{
    for_each_provider([](const provider& p) {
        // McGrew & Viega test case 1: no plaintext, no AAD, only a tag.
        const auto a = p.make_aead(aead_alg::aes_128_gcm, byte_vec(16));
        byte_vec tag;
        BOOST_TEST(seal(*a, byte_vec(12), {}, {}, tag).empty());
        BOOST_TEST(tag == hex("58e2fccefa7e3061367f1d57a4e7455a"));
        BOOST_TEST(open(*a, byte_vec(12), {}, {}, tag).has_value());
        BOOST_TEST(!open(*a, byte_vec(12), {}, {}, flipped(tag, 0)));
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hash_kat)

struct digest_vector {
    hash_alg alg;
    std::string_view message, digest;
};

// FIPS 180-2 appendices B.1, D.1, C.1 ("abc") and the empty message.
const digest_vector digest_vectors[] = {
    {hash_alg::sha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {hash_alg::sha256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {hash_alg::sha384, "abc",
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {hash_alg::sha384, "",
     "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"},
    {hash_alg::sha512, "abc",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
     "2a9ac94fa54ca49f"},
    {hash_alg::sha512, "",
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81"
     "a538327af927da3e"},
};

byte_vec snapshot_of(const hash_impl& h, hash_alg a)
{
    byte_vec out(digest_size(a));
    h.snapshot(out);
    return out;
}

byte_vec digest_of(const provider& p, hash_alg a, bytes_view message)
{
    const auto h = p.make_hash(a);
    h->update(message);
    return snapshot_of(*h, a);
}

BOOST_AUTO_TEST_CASE(fips_180_vectors)
{
    for_each_provider([](const provider& p) {
        for (const digest_vector& v : digest_vectors) {
            BOOST_TEST_CONTEXT(digest_size(v.alg) * 8 << " bits of \"" << v.message << '"')
            {
                BOOST_TEST(digest_of(p, v.alg, text(v.message)) == hex(v.digest));
                // Fed a byte at a time, the running hash ends the same.
                const auto h = p.make_hash(v.alg);
                for (std::byte b : text(v.message))
                    h->update(bytes_view(&b, 1));
                BOOST_TEST(snapshot_of(*h, v.alg) == hex(v.digest));
            }
        }
    });
}

BOOST_AUTO_TEST_CASE(snapshots_do_not_end_the_hash)
{
    const byte_vec message = text("a transcript of several handshake messages, hashed as it grows");
    for_each_provider([&](const provider& p) {
        for (hash_alg a : {hash_alg::sha256, hash_alg::sha384, hash_alg::sha512}) {
            BOOST_TEST_CONTEXT(digest_size(a) * 8 << " bits")
            {
                const auto h = p.make_hash(a);
                for (std::size_t at = 0; at < message.size(); at += 7) {
                    const std::size_t end = std::min(message.size(), at + 7);
                    h->update(bytes_view(message).subspan(at, end - at));
                    const bytes_view prefix = bytes_view(message).first(end);
                    BOOST_TEST(snapshot_of(*h, a) == digest_of(p, a, prefix));
                    BOOST_TEST(snapshot_of(*h, a) == digest_of(p, a, prefix)); // twice: unchanged
                }
            }
        }
    });
}

BOOST_AUTO_TEST_CASE(clones_run_independently)
{
    for_each_provider([](const provider& p) {
        const auto h = p.make_hash(hash_alg::sha256);
        h->update(text("a"));
        const auto fork = h->clone();
        h->update(text("bc"));
        fork->update(text("xyz"));
        BOOST_TEST(snapshot_of(*h, hash_alg::sha256) == digest_of(p, hash_alg::sha256, text("abc")));
        BOOST_TEST(snapshot_of(*fork, hash_alg::sha256) == digest_of(p, hash_alg::sha256, text("axyz")));
        // A clone of a clone, then the original goes on: neither sees the other.
        const auto second = fork->clone();
        fork->update(text("!"));
        BOOST_TEST(snapshot_of(*second, hash_alg::sha256) == digest_of(p, hash_alg::sha256, text("axyz")));
        BOOST_TEST(snapshot_of(*fork, hash_alg::sha256) == digest_of(p, hash_alg::sha256, text("axyz!")));
    });
}

struct hmac_vector {
    const char* name;
    std::string_view key, data; // hex
    std::string_view sha256, sha384, sha512;
};

// RFC 4231 §4.2, §4.3 and §4.7 (a key longer than the block, hashed first).
const hmac_vector hmac_vectors[] = {
    {"RFC 4231 test case 1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f170"
     "2e696c203a126854"},
    {"RFC 4231 test case 2", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b"
     "636e070a38bce737"},
    {"RFC 4231 test case 6",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
     "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
     "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec"
     "8b915a985d786598"},
};

// HMAC(key, data1 || data2) is the HMAC of the whole, wherever it is split.
BOOST_AUTO_TEST_CASE(rfc_4231_vectors_split_anywhere)
{
    for_each_provider([](const provider& p) {
        for (const hmac_vector& v : hmac_vectors) {
            const byte_vec data = hex(v.data);
            const std::pair<hash_alg, std::string_view> expected[] = {
                {hash_alg::sha256, v.sha256}, {hash_alg::sha384, v.sha384}, {hash_alg::sha512, v.sha512}};
            for (const auto& [a, mac] : expected) {
                for (std::size_t split : {std::size_t{0}, data.size() / 2, data.size()}) {
                    BOOST_TEST_CONTEXT(v.name << ", " << digest_size(a) * 8 << " bits, split at " << split)
                    {
                        byte_vec out(digest_size(a));
                        p.hmac(a, hex(v.key), bytes_view(data).first(split), bytes_view(data).subspan(split), out);
                        BOOST_TEST(out == hex(mac));
                    }
                }
            }
        }
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(key_share_kat)

struct ecdh_vector {
    const char* name;
    named_group group;
    std::string_view a_private, a_public, b_private, b_public, shared;
};

// RFC 7748 §6.1 (Alice and Bob); RFC 5903 §8.1 and §8.2 (i, g^i, r, g^r,
// and the x-coordinate of g^ir), points as 0x04 || X || Y.
const ecdh_vector ecdh_vectors[] = {
    {"RFC 7748 6.1", named_group::x25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
     "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
     "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
     "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
     "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
    {"RFC 5903 8.1", named_group::secp256r1, "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
     "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
     "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
     "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
     "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
     "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
     "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"},
    {"RFC 5903 8.2", named_group::secp384r1,
     "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194",
     "04667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa"
     "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
     "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
     "04e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571"
     "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
     "11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"},
};

/// The secret `k` agrees on with `peer`, or nothing when it refuses.
std::optional<byte_vec> agree(const key_share_impl& k, bytes_view peer)
{
    secret shared;
    if (!k.agree(peer, shared))
        return std::nullopt;
    return to_vec(shared.view());
}

BOOST_AUTO_TEST_CASE(published_vectors)
{
    for_each_provider([](const provider& p) {
        for (const ecdh_vector& v : ecdh_vectors) {
            BOOST_TEST_CONTEXT(v.name)
            {
                std::vector<std::byte> a_public, b_public;
                const auto a = p.make_key_share(v.group, hex(v.a_private), a_public);
                const auto b = p.make_key_share(v.group, hex(v.b_private), b_public);
                BOOST_TEST(a_public == hex(v.a_public));
                BOOST_TEST(b_public == hex(v.b_public));
                BOOST_TEST((agree(*a, hex(v.b_public)) == hex(v.shared)));
                BOOST_TEST((agree(*b, hex(v.a_public)) == hex(v.shared)));
            }
        }
    });
}

/// Peer keys of `v`'s group that are no valid TLS key share.
std::vector<std::pair<const char*, byte_vec>> bad_peers(const ecdh_vector& v)
{
    const byte_vec good = hex(v.b_public);
    byte_vec longer = good;
    longer.push_back(std::byte{0});
    std::vector<std::pair<const char*, byte_vec>> bad{
        {"empty", {}},
        {"one byte short", byte_vec(good.begin(), good.end() - 1)},
        {"one byte long", longer},
    };
    if (v.group == named_group::x25519) {
        // RFC 7748 §6.1: u = 0 and u = 1 have small order; the result
        // would be all zeros.
        bad.push_back({"u = 0", byte_vec(32)});
        bad.push_back({"u = 1", hex("0100000000000000000000000000000000000000000000000000000000000000")});
        return bad;
    }
    // RFC 8422 §5.11: on the curve. Changing y's last bit moves it off.
    bad.push_back({"y changed", flipped(good, good.size() - 1)});
    bad.push_back({"(0, 0)", cat({hex("04"), byte_vec(good.size() - 1)})});
    // RFC 8446 §4.2.8.2: uncompressed only. A hybrid encoding (0x06 or 0x07
    // with the parity of y) of a point on the curve is still refused, as is
    // a compressed prefix on an uncompressed point.
    byte_vec hybrid = good;
    hybrid[0] = std::byte{0x06} | (good.back() & std::byte{0x01});
    bad.push_back({"hybrid form", hybrid});
    byte_vec compressed = good;
    compressed[0] = std::byte{0x02} | (good.back() & std::byte{0x01});
    bad.push_back({"compressed prefix", compressed});
    return bad;
}

BOOST_AUTO_TEST_CASE(invalid_peer_keys_are_refused)
{
    for_each_provider([](const provider& p) {
        for (const ecdh_vector& v : ecdh_vectors) {
            std::vector<std::byte> a_public;
            const auto a = p.make_key_share(v.group, hex(v.a_private), a_public);
            for (const auto& [what, peer] : bad_peers(v)) {
                BOOST_TEST_CONTEXT(v.name << ": " << what)
                {
                    secret shared;
                    BOOST_TEST(!a->agree(peer, shared));
                }
            }
            // Refusals leave the key share usable.
            BOOST_TEST((agree(*a, hex(v.b_public)) == hex(v.shared)), v.name);
        }
    });
}

BOOST_AUTO_TEST_CASE(fresh_key_pairs)
{
    for_each_provider([](const provider& p) {
        for (const group_row& g : groups) {
            BOOST_TEST_CONTEXT(g.name)
            {
                std::vector<std::byte> one, two;
                const auto a = p.make_key_share(g.id, {}, one);
                const auto b = p.make_key_share(g.id, {}, two);
                BOOST_TEST(one.size() == g.public_key_size);
                BOOST_TEST(one != two);
                if (g.id != named_group::x25519)
                    BOOST_TEST((one.at(0) == std::byte{0x04}));
            }
        }
    });
}

// A key share of one provider and one of another (or the same) agree on
// one secret of the group's field size, either way round.
BOOST_AUTO_TEST_CASE(cross_provider_agreement)
{
    for_each_provider([](const provider& p) {
        for_each_provider([&](const provider& q) {
            for (const group_row& g : groups) {
                BOOST_TEST_CONTEXT(name_of(p.id()) << " with " << name_of(q.id()) << ", " << g.name)
                {
                    std::vector<std::byte> p_public, q_public;
                    const auto pk = p.make_key_share(g.id, {}, p_public);
                    const auto qk = q.make_key_share(g.id, {}, q_public);
                    const auto pq = agree(*pk, q_public);
                    const auto qp = agree(*qk, p_public);
                    BOOST_TEST_REQUIRE(pq.has_value());
                    BOOST_TEST((qp == pq));
                    BOOST_TEST(pq->size() == g.field_size);
                }
            }
        });
    });
}

BOOST_AUTO_TEST_SUITE_END()

// Record protection in steady state allocates nothing: after a key's first
// record, 64 records of 16 KiB sealed and opened make no heap allocation.
BOOST_AUTO_TEST_CASE(records_allocate_nothing)
{
    constexpr std::size_t record_size = 16 * 1024;
    constexpr int records = 64;
    for_each_provider([](const provider& p) {
        for (aead_alg alg : {aead_alg::aes_128_gcm, aead_alg::aes_256_gcm, aead_alg::chacha20_poly1305}) {
            BOOST_TEST_CONTEXT(alg_name(alg))
            {
                byte_vec key(aead_key_size(alg)), nonce(aead_nonce_size), aad(13), tag(aead_tag_size);
                byte_vec data(record_size), original(record_size);
                p.random(key);
                p.random(original);
                const auto a = p.make_aead(alg, key);
                data = original;
                a->seal(nonce, aad, data, tag);
                const bool first_ok = a->open(nonce, aad, data, tag);

                bool all_ok = true;
                const std::uint64_t before = mtls::test::heap::now().calls;
                for (int i = 0; i < records; ++i) {
                    nonce[11] = static_cast<std::byte>(i);
                    a->seal(nonce, aad, data, tag);
                    all_ok = a->open(nonce, aad, data, tag) && all_ok;
                }
                const std::uint64_t calls = mtls::test::heap::now().calls - before;
                BOOST_TEST(first_ok);
                BOOST_TEST(all_ok);
                BOOST_TEST((data == original));
                BOOST_TEST(calls == 0u);
            }
        }
    });
}
