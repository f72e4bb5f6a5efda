// Signatures with OpenSSL's libcrypto: the provider's signing keys and public
// keys. Every check refuses exactly what the mbedTLS provider refuses
// (mbedtls/signing.cpp), so a peer's signature passes or fails the same way
// whichever provider a context uses.

#include "openssl_provider.hpp"

#include "../pki.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>

namespace mtls::crypto::openssl {
namespace {

const unsigned char* uc(bytes_view b) noexcept
{
    return reinterpret_cast<const unsigned char*>(b.data());
}

struct pkey_free {
    void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); } // clears a private key
};
struct md_ctx_free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct ecdsa_sig_free {
    void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
using owned_pkey = std::unique_ptr<EVP_PKEY, pkey_free>;

// A refused signature or key leaves reasons on the thread's OpenSSL error
// queue, where the application's own libssl calls would find them.
bool cleared(bool ok) noexcept
{
    if (!ok)
        ERR_clear_error();
    return ok;
}

const char* md_name(hash_alg h) noexcept
{
    switch (h) {
    case hash_alg::sha256: return "SHA2-256";
    case hash_alg::sha384: return "SHA2-384";
    case hash_alg::sha512: return "SHA2-512";
    }
    return "";
}

// The digest a signature over a precomputed digest names (only its name is
// passed on to libcrypto's signature implementation).
const EVP_MD* digest_md(hash_alg h) noexcept
{
    switch (h) {
    case hash_alg::sha256: return EVP_sha256();
    case hash_alg::sha384: return EVP_sha384();
    case hash_alg::sha512: return EVP_sha512();
    }
    return nullptr;
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
bool configure(EVP_PKEY_CTX* ctx, signature_kind kind, hash_alg h) noexcept
{
    switch (kind) {
    case signature_kind::ecdsa: return true;
    case signature_kind::rsa_pkcs1: return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    case signature_kind::rsa_pss:
        // RFC 8446 §4.2.3: MGF1 with the signature's hash, salt as long as
        // the digest; on verification OpenSSL then requires that length.
        return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md_name(h), nullptr) == 1 &&
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
    std::unique_ptr<ECDSA_SIG, ecdsa_sig_free> sig(ECDSA_SIG_new());
    BIGNUM* br = BN_bin2bn(uc(r), static_cast<int>(r.size()), nullptr);
    BIGNUM* bs = BN_bin2bn(uc(s), static_cast<int>(s.size()), nullptr);
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
    explicit key_holder(owned_pkey k) noexcept : key_(std::move(k)), type_(type_of(key_.get())) {}

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

    owned_pkey key_;
    key_type type_;
};

class signing_key final : public signing_key_impl, key_holder {
public:
    using key_holder::key_holder;
    using key_holder::usable;

    std::vector<std::byte> sign(signature_scheme s, bytes_view message) const override
    {
        const scheme_row* r = scheme_for(s, type_);
        std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
        std::size_t len = 0;
        if (!cleared(r != nullptr && ctx &&
                     EVP_DigestSignInit_ex(ctx.get(), &pctx, md_name(r->hash), nullptr, nullptr, key_.get(), nullptr) ==
                         1 &&
                     configure(pctx, r->kind, r->hash) &&
                     EVP_DigestSign(ctx.get(), nullptr, &len, uc(message), message.size()) == 1))
            return {};
        // ECDSA signatures come out as DER Ecdsa-Sig-Value (RFC 8422 §5.4).
        std::vector<std::byte> sig(len);
        if (!cleared(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, uc(message),
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
        std::vector<unsigned char> der;
        bytes_view checked;
        if (r == nullptr || !admit(r->kind, signature, der, checked))
            return false;
        std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
        EVP_PKEY_CTX* pctx = nullptr; // owned by ctx
        return cleared(
            ctx &&
            EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md_name(r->hash), nullptr, nullptr, key_.get(), nullptr) == 1 &&
            configure(pctx, r->kind, r->hash) &&
            EVP_DigestVerify(ctx.get(), uc(checked), checked.size(), uc(message), message.size()) == 1);
    }

    bool verify_digest(signature_kind kind, hash_alg h, bytes_view digest, bytes_view signature) const override
    {
        std::vector<unsigned char> der;
        bytes_view checked;
        // A key of the other family fails below: OpenSSL refuses RSA
        // padding on an EC key, and RSA arithmetic on an ECDSA signature.
        if (!admit(kind, signature, der, checked))
            return false;
        std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
        // The digest must be as long as the hash names (OpenSSL checks it).
        return cleared(ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
                       EVP_PKEY_CTX_set_signature_md(ctx.get(), digest_md(h)) == 1 && configure(ctx.get(), kind, h) &&
                       EVP_PKEY_verify(ctx.get(), uc(checked), checked.size(), uc(digest), digest.size()) == 1);
    }
};

// The key decoded from all of `der`, or null.
template <class Decode>
owned_pkey decode_all(bytes_view der, Decode decode)
{
    const unsigned char* p = uc(der);
    owned_pkey k(decode(&p, static_cast<long>(der.size())));
    if (k && p != uc(der) + der.size())
        k.reset();
    if (!k)
        ERR_clear_error();
    return k;
}

template <class Key>
std::unique_ptr<Key> usable_or_null(owned_pkey k)
{
    if (!k)
        return nullptr;
    auto out = std::make_unique<Key>(std::move(k));
    return out->usable() ? std::move(out) : nullptr;
}

} // namespace

std::unique_ptr<signing_key_impl> openssl_provider::load_signing_key(bytes_view der) const
{
    // SEC1 ECPrivateKey, PKCS#1 RSAPrivateKey or PKCS#8, read in place:
    // no copy of the key to wipe.
    return usable_or_null<signing_key>(
        decode_all(der, [](const unsigned char** p, long n) { return d2i_AutoPrivateKey(nullptr, p, n); }));
}

std::unique_ptr<public_key_impl> openssl_provider::load_public_key(bytes_view spki) const
{
    return usable_or_null<public_key>(
        decode_all(spki, [](const unsigned char** p, long n) { return d2i_PUBKEY(nullptr, p, n); }));
}

} // namespace mtls::crypto::openssl
