// Signatures with OpenSSL's libcrypto: the provider's signing keys and public
// keys. Every check refuses exactly what the mbedTLS provider refuses
// (mbedtls/signing.cpp), so a peer's signature passes or fails the same way
// whichever provider a context uses.

#include "fetched.hpp"

#include "../pki.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace mtls::crypto::openssl {
namespace {

using fetched = openssl_provider::fetched;
using ecdsa_sig_ptr = std::unique_ptr<ECDSA_SIG, freer<ECDSA_SIG_free>>;

// A refused signature or key leaves reasons on the thread's OpenSSL error
// queue, where the application's own libssl calls would find them.
bool cleared(bool ok) noexcept
{
    if (!ok)
        ERR_clear_error();
    return ok;
}

// The key types the mbedTLS provider takes; others (P-521, Ed25519, an
// id-RSASSA-PSS key) are unsupported there and here.
key_type type_of(const EVP_PKEY* k) noexcept
{
    if (EVP_PKEY_is_a(k, "RSA") == 1)
        return key_type::rsa;
    std::array<char, 64> name{};
    if (EVP_PKEY_is_a(k, "EC") != 1 || EVP_PKEY_get_group_name(k, name.data(), name.size(), nullptr) != 1)
        return key_type::unsupported;
    switch (OBJ_sn2nid(name.data())) {
    case NID_X9_62_prime256v1: return key_type::ec_p256;
    case NID_secp384r1: return key_type::ec_p384;
    default: return key_type::unsupported;
    }
}

// The scheme's row when `k` makes or checks its signatures: the family
// check of TLS 1.2, where ECDSA schemes name no curve (the handshake applies
// TLS 1.3's curve rule itself, key_matches_scheme).
const scheme_row* scheme_for(signature_scheme s, key_type k) noexcept
{
    return key_matches_scheme(k, s, true) ? find_row(schemes, s) : nullptr;
}

// Padding for RSA signatures; ECDSA has none to set.
bool configure(EVP_PKEY_CTX* ctx, signature_kind kind, const EVP_MD* md) noexcept
{
    switch (kind) {
    case signature_kind::ecdsa: return true;
    case signature_kind::rsa_pkcs1: return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    case signature_kind::rsa_pss:
        // RFC 8446 §4.2.3: MGF1 with the signature's hash, salt as long as
        // the digest; on verification OpenSSL then requires that length.
        return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    return false;
}

// One DER element with tag `tag` from the front of `in`, by the rules of
// mbedtls_asn1_get_tag: a definite length of at most four bytes, minimal or
// not, that stays within `in`.
bool take_element(bytes_view& in, std::uint8_t tag, bytes_view& content) noexcept
{
    if (in.size() < 2 || std::to_integer<std::uint8_t>(in[0]) != tag)
        return false;
    std::size_t len = std::to_integer<std::size_t>(in[1]);
    std::size_t header = 2;
    if (len >= 0x80) {
        const std::size_t n = len & 0x7f;
        if (n == 0 || n > 4 || in.size() - 2 < n)
            return false;
        len = 0;
        for (std::size_t i = 0; i < n; ++i)
            len = len << 8 | std::to_integer<std::size_t>(in[2 + i]);
        header += n;
    }
    if (len > in.size() - header)
        return false;
    content = in.subspan(header, len);
    in = in.subspan(header + len);
    return true;
}

// The DER ECDSA-Sig-Value OpenSSL checks for `signature`, or false when the
// mbedTLS provider refuses it. OpenSSL insists on minimal DER, mbedTLS does
// not; both read r and s as unsigned magnitudes, so r and s are re-encoded.
bool canonical_ecdsa(bytes_view signature, std::vector<unsigned char>& der)
{
    bytes_view rest = signature;
    bytes_view seq;
    bytes_view r;
    bytes_view s;
    // RFC 8422 §5.4: ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER },
    // filling the signature exactly, as mbedtls_ecdsa_read_signature wants.
    if (!take_element(rest, 0x30, seq) || !rest.empty() || !take_element(seq, 0x02, r) || !take_element(seq, 0x02, s) ||
        !seq.empty())
        return false;
    const ecdsa_sig_ptr sig(ECDSA_SIG_new());
    BIGNUM* br = BN_bin2bn(u8(r), static_cast<int>(r.size()), nullptr);
    BIGNUM* bs = BN_bin2bn(u8(s), static_cast<int>(s.size()), nullptr);
    if (!sig || br == nullptr || bs == nullptr || ECDSA_SIG_set0(sig.get(), br, bs) != 1) {
        BN_free(br);
        BN_free(bs);
        return false;
    }
    const int n = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (n <= 0)
        return false;
    der.resize(static_cast<std::size_t>(n));
    unsigned char* out = der.data();
    return i2d_ECDSA_SIG(sig.get(), &out) == n;
}

class key_holder {
public:
    key_holder(const fetched& algorithms, pkey_ptr k) noexcept
        : algorithms_(algorithms), key_(std::move(k)), type_(type_of(key_.get()))
    {
    }

    bool usable() const noexcept { return type_ != key_type::unsupported; }

protected:
    // The signature as OpenSSL must see it; false when mbedTLS refuses it.
    bool admit(signature_kind kind, bytes_view signature, std::vector<unsigned char>& der, bytes_view& checked) const
    {
        if (kind == signature_kind::ecdsa) {
            if (!canonical_ecdsa(signature, der))
                return false;
            checked = {reinterpret_cast<const std::byte*>(der.data()), der.size()};
            return true;
        }
        // mbedTLS reads exactly modulus-length bytes; OpenSSL would take a
        // shorter signature as if zero-padded.
        checked = signature;
        return signature.size() == static_cast<std::size_t>(EVP_PKEY_get_size(key_.get()));
    }

    // The digest fetched once, not looked up by name per signature.
    const EVP_MD* md(hash_alg h) const noexcept { return algorithms_.md(h); }

    const fetched& algorithms_;
    pkey_ptr key_;
    key_type type_;
};

class signing_key final : public signing_key_impl, key_holder {
public:
    using key_holder::key_holder;
    using key_holder::usable;

    std::vector<std::byte> sign(signature_scheme s, bytes_view message) const override
    {
        const scheme_row* r = scheme_for(s, type_);
        const EVP_MD* digest = r != nullptr ? md(r->hash) : nullptr;
        const md_ctx_ptr ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
        std::size_t len = 0;
        if (!cleared(digest != nullptr && ctx &&
                     EVP_DigestSignInit(ctx.get(), &pctx, digest, nullptr, key_.get()) == 1 &&
                     configure(pctx, r->kind, digest) &&
                     EVP_DigestSign(ctx.get(), nullptr, &len, u8(message), message.size()) == 1))
            return {};
        // ECDSA signatures come out as DER Ecdsa-Sig-Value (RFC 8422 §5.4).
        std::vector<std::byte> sig(len);
        if (!cleared(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, u8(message),
                                    message.size()) == 1))
            return {};
        sig.resize(len);
        return sig;
    }
};

class public_key final : public public_key_impl, key_holder {
public:
    using key_holder::key_holder;
    using key_holder::usable;

    bool verify(signature_scheme s, bytes_view message, bytes_view signature) const override
    {
        const scheme_row* r = scheme_for(s, type_);
        const EVP_MD* digest = r != nullptr ? md(r->hash) : nullptr;
        std::vector<unsigned char> der;
        bytes_view checked;
        if (digest == nullptr || !admit(r->kind, signature, der, checked))
            return false;
        const md_ctx_ptr ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
        return cleared(ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, digest, nullptr, key_.get()) == 1 &&
                       configure(pctx, r->kind, digest) &&
                       EVP_DigestVerify(ctx.get(), u8(checked), checked.size(), u8(message), message.size()) == 1);
    }

    bool verify_digest(signature_kind kind, hash_alg h, bytes_view digest, bytes_view signature) const override
    {
        std::vector<unsigned char> der;
        bytes_view checked;
        // A key of the other family fails below: OpenSSL refuses RSA
        // padding on an EC key, and RSA arithmetic on an ECDSA signature.
        const EVP_MD* digest_md = md(h);
        if (digest_md == nullptr || !admit(kind, signature, der, checked))
            return false;
        const pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
        // The digest must be as long as the hash names (OpenSSL checks it).
        return cleared(ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                       EVP_PKEY_CTX_set_signature_md(ctx.get(), digest_md) == 1 &&
                       configure(ctx.get(), kind, digest_md) &&
                       EVP_PKEY_verify(ctx.get(), u8(checked), checked.size(), u8(digest), digest.size()) == 1);
    }
};

// The key decoded from all of `der`, or null.
template <class Decode>
pkey_ptr decode_all(bytes_view der, Decode decode)
{
    const unsigned char* p = u8(der);
    pkey_ptr k(decode(&p, static_cast<long>(der.size())));
    if (k && p != u8(der) + der.size())
        k.reset();
    if (!k)
        ERR_clear_error();
    return k;
}

// DER contents of the OIDs of RFC 5480 §2.1.1: id-ecPublicKey, secp256r1
// and secp384r1.
constexpr std::array<unsigned char, 7> ec_public_key_oid{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<unsigned char, 8> secp256r1_oid{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<unsigned char, 5> secp384r1_oid{0x2b, 0x81, 0x04, 0x00, 0x22};

template <std::size_t N>
bool is_oid(bytes_view content, const std::array<unsigned char, N>& oid) noexcept
{
    return content.size() == N && std::equal(oid.begin(), oid.end(), u8(content));
}

// A P-256 or P-384 SubjectPublicKeyInfo made into a key from its point,
// which costs a fraction of what libcrypto's generic DER decoder (d2i_PUBKEY)
// spends finding the decoder. True when this decided: `out` is the key, or
// null when the point is not an uncompressed one on the curve
// (EC_POINT_oct2point checks the curve, as d2i_PUBKEY does) or the key's BIT
// STRING has unused bits. False for any other key, for d2i_PUBKEY to decode.
bool ec_from_spki(bytes_view spki, pkey_ptr& out)
{
    // RFC 5480 §2: SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve },
    // BIT STRING }.
    bytes_view rest = spki;
    bytes_view info;
    bytes_view algorithm;
    bytes_view bits;
    if (!take_element(rest, 0x30, info) || !rest.empty() || !take_element(info, 0x30, algorithm) ||
        !take_element(info, 0x03, bits) || !info.empty())
        return false;
    out.reset();
    // mbedTLS refuses unused bits (mbedtls_asn1_get_bitstring_null);
    // d2i_PUBKEY would clear them in the key's last byte and go on.
    if (bits.empty() || bits[0] != std::byte{0})
        return true;
    bytes_view oid;
    bytes_view curve;
    if (!take_element(algorithm, 0x06, oid) || !is_oid(oid, ec_public_key_oid) ||
        !take_element(algorithm, 0x06, curve) || !algorithm.empty())
        return false;
    const char* group = nullptr;
    std::size_t coordinate = 0;
    if (is_oid(curve, secp256r1_oid)) {
        group = SN_X9_62_prime256v1;
        coordinate = 32;
    } else if (is_oid(curve, secp384r1_oid)) {
        group = SN_secp384r1;
        coordinate = 48;
    } else {
        return false;
    }
    const bytes_view point = bits.subspan(1);
    // mbedTLS 2.28 reads only the uncompressed form (SEC 1 §2.3.3: 04 || X
    // || Y); EC_POINT_oct2point would take compressed and hybrid points too.
    if (point.size() != 1 + 2 * coordinate || point[0] != std::byte{0x04})
        return true;
    const pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(u8(point)),
                                          point.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* raw = nullptr;
    if (cleared(ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) == 1))
        out.reset(raw);
    return true;
}

template <class Key>
std::unique_ptr<Key> usable_or_null(const fetched& algorithms, pkey_ptr k)
{
    if (!k)
        return nullptr;
    auto out = std::make_unique<Key>(algorithms, std::move(k));
    return out->usable() ? std::move(out) : nullptr;
}

} // namespace

std::unique_ptr<signing_key_impl> openssl_provider::load_signing_key(bytes_view der) const
{
    // SEC1 ECPrivateKey, PKCS#1 RSAPrivateKey or PKCS#8, read in place:
    // no copy of the key to wipe.
    return usable_or_null<signing_key>(
        *fetched_, decode_all(der, [](const unsigned char** p, long n) { return d2i_AutoPrivateKey(nullptr, p, n); }));
}

std::unique_ptr<public_key_impl> openssl_provider::load_public_key(bytes_view spki) const
{
    pkey_ptr key;
    if (!ec_from_spki(spki, key))
        key = decode_all(spki, [](const unsigned char** p, long n) { return d2i_PUBKEY(nullptr, p, n); });
    return usable_or_null<public_key>(*fetched_, std::move(key));
}

} // namespace mtls::crypto::openssl
