// PBES2 with PBKDF2 (RFC 8018 §6.2, §5.2, §A.2, §A.4) for PKCS#8 keys,
// built from mbedTLS's ASN.1 reader, PBKDF2 and block ciphers.

#include "pbes2.hpp"

#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pkcs5.h>

#include <array>
#include <cstring>
#include <string_view>

namespace mtls::crypto::detail {
namespace {

template <std::size_t N>
constexpr std::string_view oid(const char (&s)[N]) noexcept
{
    return {s, N - 1};
}

bool oid_is(const mbedtls_asn1_buf& b, std::string_view want) noexcept
{
    return b.len == want.size() && std::memcmp(b.p, want.data(), want.size()) == 0;
}

struct prf_row {
    std::string_view oid;
    mbedtls_md_type_t md;
};

// RFC 8018 §B.1.1, §B.1.2.
constexpr prf_row prfs[] = {
    {oid(MBEDTLS_OID_HMAC_SHA1), MBEDTLS_MD_SHA1},     {oid(MBEDTLS_OID_HMAC_SHA224), MBEDTLS_MD_SHA224},
    {oid(MBEDTLS_OID_HMAC_SHA256), MBEDTLS_MD_SHA256}, {oid(MBEDTLS_OID_HMAC_SHA384), MBEDTLS_MD_SHA384},
    {oid(MBEDTLS_OID_HMAC_SHA512), MBEDTLS_MD_SHA512},
};

struct cipher_row {
    std::string_view oid;
    mbedtls_cipher_type_t type;
    std::size_t key_length; // bytes
    std::size_t block;      // = IV length
};

// RFC 8018 §B.2.1, §B.2.2, §B.2.5: the CBC ciphers with PKCS#7 padding.
// DES stays for keys mbedTLS used to decrypt itself (HMAC-SHA1 only there).
constexpr cipher_row ciphers[] = {
    {oid(MBEDTLS_OID_AES "\x02"), MBEDTLS_CIPHER_AES_128_CBC, 16, 16},
    {oid(MBEDTLS_OID_AES "\x16"), MBEDTLS_CIPHER_AES_192_CBC, 24, 16},
    {oid(MBEDTLS_OID_AES "\x2a"), MBEDTLS_CIPHER_AES_256_CBC, 32, 16},
    {oid(MBEDTLS_OID_DES_EDE3_CBC), MBEDTLS_CIPHER_DES_EDE3_CBC, 24, 8},
    {oid(MBEDTLS_OID_DES_CBC), MBEDTLS_CIPHER_DES_CBC, 8, 8},
};

struct pbes2_params {
    mbedtls_asn1_buf salt{};
    unsigned iterations = 0;
    mbedtls_md_type_t md = MBEDTLS_MD_SHA1; // RFC 8018 §A.2: the DEFAULT prf
    const cipher_row* cipher = nullptr;
    mbedtls_asn1_buf iv{};
};

error_code bad() noexcept
{
    return error::bad_private_key;
}

error_code unsupported() noexcept
{
    return error::unsupported_key_encryption;
}

// A positive INTEGER up to `limit`: bad when malformed, zero or negative,
// unsupported when above the limit.
error_code read_count(unsigned char** p, const unsigned char* end, unsigned limit, unsigned& out) noexcept
{
    std::size_t len = 0;
    if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_INTEGER) != 0 || len == 0)
        return bad();
    const unsigned char* v = *p;
    *p += len;
    if ((v[0] & 0x80) != 0)
        return bad();
    while (len > 0 && *v == 0) { // leading zero octets
        ++v;
        --len;
    }
    if (len > sizeof(unsigned))
        return unsupported();
    unsigned long long n = 0;
    for (std::size_t i = 0; i < len; ++i)
        n = n << 8 | v[i];
    if (n == 0)
        return bad(); // RFC 8018 §A.2: INTEGER (1..MAX)
    if (n > limit)
        return unsupported();
    out = static_cast<unsigned>(n);
    return {};
}

// RFC 8018 §A.2: PBKDF2-params. `end` ends the SEQUENCE's contents.
error_code parse_pbkdf2(unsigned char* p, const unsigned char* end, unsigned max_iterations, pbes2_params& out)
{
    std::size_t len = 0;
    if (p < end && *p == (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return unsupported(); // salt's otherSource: no source is defined
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
        return bad();
    if (len > max_pbkdf2_salt)
        return unsupported();
    out.salt = {MBEDTLS_ASN1_OCTET_STRING, len, p};
    p += len;
    if (error_code ec = read_count(&p, end, max_iterations, out.iterations))
        return ec;
    if (p < end && *p == MBEDTLS_ASN1_INTEGER) {
        unsigned key_length = 0;
        if (error_code ec = read_count(&p, end, 64, key_length))
            return ec == error::unsupported_key_encryption ? bad() : ec;
        if (key_length != out.cipher->key_length)
            return bad(); // the cipher fixes the key length
    }
    if (p < end) {
        mbedtls_asn1_buf prf{};
        mbedtls_asn1_buf params{};
        if (mbedtls_asn1_get_alg(&p, end, &prf, &params) != 0)
            return bad();
        if (params.tag != 0 && !(params.tag == MBEDTLS_ASN1_NULL && params.len == 0))
            return bad(); // RFC 8018 §B.1: the parameters are NULL
        const prf_row* row = nullptr;
        for (const auto& r : prfs)
            if (oid_is(prf, r.oid))
                row = &r;
        if (row == nullptr)
            return unsupported();
        out.md = row->md;
    }
    return p == end ? error_code{} : bad();
}

// RFC 8018 §A.4: PBES2-params, with PBKDF2 as the key derivation function.
error_code parse_params(const encrypted_key_info& info, unsigned max_iterations, pbes2_params& out)
{
    if (info.parameters.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return bad();
    unsigned char* p = info.parameters.p;
    const unsigned char* end = p + info.parameters.len;
    mbedtls_asn1_buf kdf{};
    mbedtls_asn1_buf kdf_params{};
    mbedtls_asn1_buf enc{};
    if (mbedtls_asn1_get_alg(&p, end, &kdf, &kdf_params) != 0 || mbedtls_asn1_get_alg(&p, end, &enc, &out.iv) != 0 ||
        p != end)
        return bad();
    if (!oid_is(kdf, oid(MBEDTLS_OID_PKCS5_PBKDF2)))
        return unsupported();
    for (const auto& r : ciphers)
        if (oid_is(enc, r.oid))
            out.cipher = &r;
    if (out.cipher == nullptr)
        return unsupported();
    // RFC 8018 §B.2.2, §B.2.5: the parameters are the IV, one block long.
    if (out.iv.tag != MBEDTLS_ASN1_OCTET_STRING || out.iv.len != out.cipher->block)
        return bad();
    if (kdf_params.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return bad();
    return parse_pbkdf2(kdf_params.p, kdf_params.p + kdf_params.len, max_iterations, out);
}

// RFC 8018 §5.2: DK = PBKDF2(P, S, c, dkLen).
bool derive(const pbes2_params& params, std::string_view password, unsigned char* key)
{
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    bool ok = mbedtls_md_setup(&md, mbedtls_md_info_from_type(params.md), 1) == 0 &&
              mbedtls_pkcs5_pbkdf2_hmac(&md, reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                                        params.salt.p, params.salt.len, params.iterations,
                                        static_cast<std::uint32_t>(params.cipher->key_length), key) == 0;
    mbedtls_md_free(&md);
    return ok;
}

// CBC decryption without padding removal, which the caller checks.
bool cbc_decrypt(const pbes2_params& params, const unsigned char* key, const mbedtls_asn1_buf& in, unsigned char* out)
{
    mbedtls_cipher_context_t c;
    mbedtls_cipher_init(&c);
    std::size_t written = 0;
    const int bits = static_cast<int>(params.cipher->key_length * 8);
    const bool ok = mbedtls_cipher_setup(&c, mbedtls_cipher_info_from_type(params.cipher->type)) == 0 &&
                    mbedtls_cipher_setkey(&c, key, bits, MBEDTLS_DECRYPT) == 0 &&
                    mbedtls_cipher_set_padding_mode(&c, MBEDTLS_PADDING_NONE) == 0 &&
                    mbedtls_cipher_crypt(&c, params.iv.p, params.iv.len, in.p, in.len, out, &written) == 0 &&
                    written == in.len;
    mbedtls_cipher_free(&c); // wipes the key schedule
    return ok;
}

// RFC 8018 §6.2.2 step 4 and §B.2.5 (padding as RFC 5652 §6.3): 1 to
// `block` bytes, each holding the count. Anything else is a wrong password.
std::size_t padding_length(const wiped_bytes& plain, std::size_t block) noexcept
{
    const std::size_t n = plain.size();
    const unsigned pad = plain.data()[n - 1];
    if (pad == 0 || pad > block)
        return 0;
    unsigned diff = 0;
    for (std::size_t i = n - pad; i < n; ++i)
        diff |= plain.data()[i] ^ pad;
    return diff == 0 ? pad : 0;
}

} // namespace

void wiped_bytes::allocate(std::size_t n)
{
    secure_zero(buf_.data(), buf_.size());
    buf_.assign(n, 0);
    size_ = n;
}

bool parse_encrypted_key_info(bytes_view der, encrypted_key_info& out) noexcept
{
    // mbedTLS's reader takes a non-const pointer but only reads.
    auto* p = const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(der.data()));
    const unsigned char* end = p + der.size();
    std::size_t len = 0;
    // RFC 5958 §3: SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || p + len != end)
        return false;
    if (mbedtls_asn1_get_alg(&p, end, &out.algorithm, &out.parameters) != 0)
        return false;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 || p + len != end)
        return false;
    out.data = {MBEDTLS_ASN1_OCTET_STRING, len, p};
    return true;
}

bool is_pbes2(const encrypted_key_info& info) noexcept
{
    return oid_is(info.algorithm, oid(MBEDTLS_OID_PKCS5_PBES2));
}

error_code pbes2_decrypt(const encrypted_key_info& info, std::string_view password, unsigned max_iterations,
                         wiped_bytes& plaintext)
{
    pbes2_params params;
    if (error_code ec = parse_params(info, max_iterations, params))
        return ec;
    if (info.data.len > max_encrypted_key)
        return unsupported();
    // Whole blocks, at least one: padding always adds one (RFC 8018 §6.2.1).
    if (info.data.len == 0 || info.data.len % params.cipher->block != 0)
        return bad();
    std::array<unsigned char, 32> key{};
    plaintext.allocate(info.data.len);
    const bool ok =
        derive(params, password, key.data()) && cbc_decrypt(params, key.data(), info.data, plaintext.data());
    secure_zero(key.data(), key.size());
    if (!ok)
        return error::crypto_failure;
    const std::size_t pad = padding_length(plaintext, params.cipher->block);
    if (pad == 0)
        return error::key_password_wrong;
    plaintext.shrink(plaintext.size() - pad);
    return {};
}

error_code check_pkcs12_params(const encrypted_key_info& info, unsigned max_iterations)
{
    if (info.parameters.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return bad();
    unsigned char* p = info.parameters.p;
    const unsigned char* end = p + info.parameters.len;
    std::size_t len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0)
        return bad();
    if (len > max_pbkdf2_salt)
        return unsupported();
    p += len;
    unsigned iterations = 0;
    if (error_code ec = read_count(&p, end, max_iterations, iterations))
        return ec;
    return p == end ? error_code{} : bad();
}

} // namespace mtls::crypto::detail
