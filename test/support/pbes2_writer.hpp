#ifndef MTLS_TEST_SUPPORT_PBES2_WRITER_HPP
#define MTLS_TEST_SUPPORT_PBES2_WRITER_HPP

// Writes PKCS#8 EncryptedPrivateKeyInfo with PBES2 (RFC 8018 §6.2, §A.4)
// with mbedTLS, including the malformed ones OpenSSL will not write: bad
// padding, out-of-range counts, odd salts and IVs. Used by context_keys_test
// and by fuzz_make_corpus for fuzz_pkcs8's seeds.

#include <mbedtls/asn1write.h>
#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pkcs5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mtls::test {

struct pbes2_spec {
    std::string prf_oid = MBEDTLS_OID_HMAC_SHA256; // empty: omitted, so HMAC-SHA1
    mbedtls_md_type_t md = MBEDTLS_MD_SHA256;
    std::string cipher_oid = MBEDTLS_OID_AES "\x2a"; // aes256-CBC-PAD
    mbedtls_cipher_type_t cipher = MBEDTLS_CIPHER_AES_256_CBC;
    std::size_t key_length = 32;
    std::size_t iv_length = 16;
    unsigned iterations = 1000;
    std::optional<long> written_iterations; // the count written, when not `iterations`
    long written_key_length = 0;            // keyLength written when nonzero
    std::size_t salt_length = 16;
    bool bad_padding = false; // the last padding byte one too small
    std::size_t truncate = 0; // ciphertext bytes dropped at the end
};

namespace pbes2_detail {

inline void check(int rc)
{
    if (rc < 0)
        throw std::runtime_error("pbes2_writer: mbedTLS error " + std::to_string(rc));
}

// mbedTLS writes DER backwards from the end of a buffer; each helper
// prepends one element and returns its length.
struct der_writer {
    std::vector<unsigned char> buf = std::vector<unsigned char>(1 << 16);
    unsigned char* p = buf.data() + buf.size();

    std::size_t raw(const unsigned char* data, std::size_t n)
    {
        const int rc = mbedtls_asn1_write_raw_buffer(&p, buf.data(), data, n);
        check(rc);
        return static_cast<std::size_t>(rc);
    }
    std::size_t octets(const unsigned char* data, std::size_t n)
    {
        const int rc = mbedtls_asn1_write_octet_string(&p, buf.data(), data, n);
        check(rc);
        return static_cast<std::size_t>(rc);
    }
    // Negative values from -128 to -1 too, which mbedTLS does not write.
    std::size_t integer(long v)
    {
        if (v < 0) {
            const unsigned char der[] = {MBEDTLS_ASN1_INTEGER, 1, static_cast<unsigned char>(v)};
            return raw(der, sizeof der);
        }
        const int rc = mbedtls_asn1_write_int(&p, buf.data(), static_cast<int>(v));
        check(rc);
        return static_cast<std::size_t>(rc);
    }
    std::size_t algorithm(const std::string& oid, std::size_t params)
    {
        const int rc = mbedtls_asn1_write_algorithm_identifier(&p, buf.data(), oid.data(), oid.size(), params);
        check(rc);
        return static_cast<std::size_t>(rc);
    }
    std::size_t sequence(std::size_t contents)
    {
        int rc = mbedtls_asn1_write_len(&p, buf.data(), contents);
        check(rc);
        std::size_t n = static_cast<std::size_t>(rc);
        rc = mbedtls_asn1_write_tag(&p, buf.data(), MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
        check(rc);
        return n + static_cast<std::size_t>(rc) + contents;
    }
    std::vector<unsigned char> result() const
    {
        return std::vector<unsigned char>(static_cast<const unsigned char*>(p), buf.data() + buf.size());
    }
};

inline std::vector<unsigned char> encrypt(const std::vector<unsigned char>& plain, std::string_view password,
                                          const pbes2_spec& s, const std::vector<unsigned char>& salt,
                                          const std::vector<unsigned char>& iv)
{
    std::vector<unsigned char> key(s.key_length);
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    int rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(s.md), 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&md, reinterpret_cast<const unsigned char*>(password.data()), password.size(),
                                       salt.data(), salt.size(), s.iterations, static_cast<std::uint32_t>(key.size()),
                                       key.data());
    mbedtls_md_free(&md);
    check(rc);
    const auto* info = mbedtls_cipher_info_from_type(s.cipher);
    const std::size_t block = info->block_size;
    std::vector<unsigned char> padded = plain;
    const std::size_t pad = block - plain.size() % block;
    padded.insert(padded.end(), pad, static_cast<unsigned char>(pad));
    if (s.bad_padding)
        --padded.back();
    std::vector<unsigned char> out(padded.size() + block);
    std::size_t written = 0;
    mbedtls_cipher_context_t c;
    mbedtls_cipher_init(&c);
    rc = mbedtls_cipher_setup(&c, info);
    if (rc == 0)
        rc = mbedtls_cipher_setkey(&c, key.data(), static_cast<int>(key.size() * 8), MBEDTLS_ENCRYPT);
    if (rc == 0)
        rc = mbedtls_cipher_set_padding_mode(&c, MBEDTLS_PADDING_NONE);
    if (rc == 0)
        rc = mbedtls_cipher_crypt(&c, iv.data(), block, padded.data(), padded.size(), out.data(), &written);
    mbedtls_cipher_free(&c);
    check(rc);
    out.resize(written - s.truncate);
    return out;
}

} // namespace pbes2_detail

/// `plain` (a PrivateKeyInfo, RFC 5958 §2) encrypted under `password` as
/// `spec` says, as DER. Salt and IV are fixed patterns: the output is
/// deterministic, as fuzz seeds must be.
inline std::vector<unsigned char> pbes2_encrypt(const std::vector<unsigned char>& plain, std::string_view password,
                                                const pbes2_spec& spec = {})
{
    std::vector<unsigned char> salt(spec.salt_length);
    std::vector<unsigned char> iv(spec.iv_length < 16 ? 16 : spec.iv_length);
    for (std::size_t i = 0; i < salt.size(); ++i)
        salt[i] = static_cast<unsigned char>(i * 7 + 1);
    for (std::size_t i = 0; i < iv.size(); ++i)
        iv[i] = static_cast<unsigned char>(i * 13 + 5);
    const auto data = pbes2_detail::encrypt(plain, password, spec, salt, iv);

    pbes2_detail::der_writer w;
    std::size_t n = w.octets(data.data(), data.size()); // encryptedData
    // encryptionScheme: cipher OID with its IV
    std::size_t scheme = w.octets(iv.data(), spec.iv_length);
    scheme = w.algorithm(spec.cipher_oid, scheme);
    // keyDerivationFunc: PBKDF2-params
    std::size_t kdf = 0;
    if (!spec.prf_oid.empty()) {
        const int rc = mbedtls_asn1_write_null(&w.p, w.buf.data());
        pbes2_detail::check(rc);
        kdf += w.algorithm(spec.prf_oid, static_cast<std::size_t>(rc));
    }
    if (spec.written_key_length != 0)
        kdf += w.integer(spec.written_key_length);
    kdf += w.integer(spec.written_iterations.value_or(static_cast<long>(spec.iterations)));
    kdf += w.octets(salt.data(), salt.size());
    kdf = w.sequence(kdf);
    kdf = w.algorithm(MBEDTLS_OID_PKCS5_PBKDF2, kdf);
    std::size_t params = w.sequence(kdf + scheme);
    n += w.algorithm(MBEDTLS_OID_PKCS5_PBES2, params);
    w.sequence(n);
    return w.result();
}

} // namespace mtls::test

#endif
