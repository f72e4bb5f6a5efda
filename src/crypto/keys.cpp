// Private keys and signing; the signature schemes' meaning for keys.

#include "pki_internal.hpp"

#include "pbes2.hpp"

#include <mbedtls/pem.h>
#include <mbedtls/pkcs12.h>

#include <algorithm>
#include <mutex>

namespace mtls::crypto {
namespace detail {
namespace {

bool is_ec(key_type k) noexcept
{
    return k == key_type::ec_p256 || k == key_type::ec_p384;
}

bool contains(bytes_view data, std::string_view what) noexcept
{
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find(what) != std::string_view::npos;
}

const unsigned char* password_bytes(std::string_view password) noexcept
{
    return password.empty() ? nullptr : reinterpret_cast<const unsigned char*>(password.data());
}

// What a failed mbedtls_pk_parse_key means. `encrypted`: the input was
// encrypted and a password was given, so a failure after decryption is a
// wrong password whose garbage passed mbedTLS's padding check.
error_code key_error(int rc, bool encrypted) noexcept
{
    switch (rc) {
    case MBEDTLS_ERR_PK_PASSWORD_MISMATCH:
    case MBEDTLS_ERR_PEM_PASSWORD_MISMATCH: return error::key_password_wrong;
    case MBEDTLS_ERR_PK_PASSWORD_REQUIRED:
    case MBEDTLS_ERR_PEM_PASSWORD_REQUIRED: return error::key_password_missing;
    case MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE:
    case MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG: return error::unsupported_key_encryption;
    case MBEDTLS_ERR_PEM_INVALID_ENC_IV: return error::bad_private_key;
    default: return encrypted ? error::key_password_wrong : error::bad_private_key;
    }
}

bool is_der_certificate(bytes_view der)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    const bool ok = mbedtls_x509_crt_parse_der(&crt, u8(der), der.size()) == 0;
    mbedtls_x509_crt_free(&crt);
    return ok;
}

// An EncryptedPrivateKeyInfo (RFC 5958 §3): PBES2 here, PKCS#12 PBE
// (RFC 7292 Appendix C, 3DES) in mbedTLS, nothing else.
error_code parse_encrypted(mbedtls_pk_context& pk, bytes_view der, const encrypted_key_info& info,
                           std::string_view password, unsigned max_iterations)
{
    if (password.empty())
        return error::key_password_missing;
    if (is_pbes2(info)) {
        wiped_bytes plain;
        if (error_code ec = pbes2_decrypt(info, password, max_iterations, plain))
            return ec;
        // A wrong password whose padding happened to check out leaves
        // garbage that is no PrivateKeyInfo (RFC 5958 §2).
        const int rc = mbedtls_pk_parse_key(&pk, plain.data(), plain.size(), nullptr, 0);
        return rc == 0 ? error_code{} : error::key_password_wrong;
    }
    mbedtls_md_type_t md{};
    mbedtls_cipher_type_t cipher{};
    if (mbedtls_oid_get_pkcs12_pbe_alg(&info.algorithm, &md, &cipher) != 0)
        return error::unsupported_key_encryption;
    if (error_code ec = check_pkcs12_params(info, max_iterations))
        return ec;
    const int rc = mbedtls_pk_parse_key(&pk, u8(der), der.size(), password_bytes(password), password.size());
    return rc == 0 ? error_code{} : key_error(rc, true);
}

error_code parse_der_key(mbedtls_pk_context& pk, bytes_view der, std::string_view password, unsigned max_iterations)
{
    encrypted_key_info info;
    if (parse_encrypted_key_info(der, info))
        return parse_encrypted(pk, der, info, password, max_iterations);
    // Not encrypted: no password, so mbedTLS tries the plain forms only.
    if (mbedtls_pk_parse_key(&pk, u8(der), der.size(), nullptr, 0) == 0)
        return {};
    return is_der_certificate(der) ? error::key_is_certificate : error::bad_private_key;
}

error_code parse_pem_key(mbedtls_pk_context& pk, bytes_view data, std::string_view password, unsigned max_iterations)
{
    const pem_buffer buf(data);
    static constexpr const char* begin_encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    if (contains(data, begin_encrypted)) {
        // RFC 7468 §11: its DER, decrypted here rather than by mbedTLS.
        mbedtls_pem_context pem;
        mbedtls_pem_init(&pem);
        std::size_t used = 0;
        error_code ec = error::bad_private_key;
        if (mbedtls_pem_read_buffer(&pem, begin_encrypted, "-----END ENCRYPTED PRIVATE KEY-----", buf.data(), nullptr,
                                    0, &used) == 0)
            ec = parse_der_key(pk, {reinterpret_cast<const std::byte*>(pem.buf), pem.buflen}, password, max_iterations);
        mbedtls_pem_free(&pem); // wipes the DER
        return ec;
    }
    const int rc = mbedtls_pk_parse_key(&pk, buf.data(), buf.size(), password_bytes(password), password.size());
    if (rc == 0)
        return {};
    const error_code ec = key_error(rc, !password.empty() && contains(data, "Proc-Type: 4,ENCRYPTED"));
    if (ec == error::bad_private_key && contains(data, "CERTIFICATE-----"))
        return error::key_is_certificate;
    return ec;
}

} // namespace

error_code parse_private_key(mbedtls_pk_context& pk, bytes_view data, file_format fmt, std::string_view password,
                             unsigned max_iterations)
{
    if (error_code ec = format_mismatch(data, fmt))
        return ec;
    if (fmt == file_format::pem)
        return parse_pem_key(pk, data, password, max_iterations);
    return parse_der_key(pk, data, password, max_iterations);
}

pem_buffer::pem_buffer(bytes_view data) : buf_(data.size() + 1, 0)
{
    std::copy_n(u8(data), data.size(), buf_.begin());
}

pem_buffer::~pem_buffer()
{
    secure_zero(buf_.data(), buf_.size());
}

bool looks_like_pem(bytes_view data) noexcept
{
    static constexpr std::string_view marker = "-----BEGIN ";
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    return text.find(marker) != std::string_view::npos;
}

error_code format_mismatch(bytes_view data, file_format fmt) noexcept
{
    if (fmt == file_format::asn1 && looks_like_pem(data))
        return error::pem_loaded_as_der;
    if (fmt == file_format::pem && !looks_like_pem(data))
        return error::not_pem;
    return {};
}

key_type type_of(const mbedtls_pk_context& pk) noexcept
{
    switch (mbedtls_pk_get_type(&pk)) {
    case MBEDTLS_PK_RSA: return key_type::rsa;
    case MBEDTLS_PK_ECKEY:
    case MBEDTLS_PK_ECDSA:
        switch (mbedtls_pk_ec(pk)->grp.id) {
        case MBEDTLS_ECP_DP_SECP256R1: return key_type::ec_p256;
        case MBEDTLS_ECP_DP_SECP384R1: return key_type::ec_p384;
        default: return key_type::unsupported;
        }
    default: return key_type::unsupported;
    }
}

const scheme_row* usable_scheme(signature_scheme s, key_type k) noexcept
{
    const scheme_row* r = find_row(schemes, s);
    if (r == nullptr)
        return nullptr;
    const bool family = r->kind == signature_kind::ecdsa ? is_ec(k) : k == key_type::rsa;
    return family ? r : nullptr;
}

mbedtls_md_type_t md_type(hash_alg a) noexcept
{
    switch (a) {
    case hash_alg::sha256: return MBEDTLS_MD_SHA256;
    case hash_alg::sha384: return MBEDTLS_MD_SHA384;
    case hash_alg::sha512: return MBEDTLS_MD_SHA512;
    }
    return MBEDTLS_MD_NONE;
}

} // namespace detail

using detail::u8;

bool key_matches_scheme(key_type k, signature_scheme s, bool tls12) noexcept
{
    const scheme_row* r = find_row(schemes, s);
    if (r == nullptr)
        return false;
    switch (r->kind) {
    case signature_kind::ecdsa:
        // RFC 8446 §4.2.3: in TLS 1.3 the scheme names the curve; in TLS 1.2
        // only the hash.
        return k == r->key || (tls12 && detail::is_ec(k));
    case signature_kind::rsa_pss: return k == key_type::rsa;
    case signature_kind::rsa_pkcs1:
        // RFC 8446 §4.4.3: TLS 1.3 handshake signatures with RSA use PSS only.
        return tls12 && k == key_type::rsa;
    }
    return false;
}

struct private_key::state {
    // The key as mbedTLS parsed it: its type, and matches().
    mbedtls_pk_context pk;
    // mbedtls_pk_check_pair writes RSA blinding values to the key's context.
    mutable std::mutex mutex;
    // The same key in the context's provider, which signs.
    std::unique_ptr<signing_key_impl> signer;

    state() noexcept { mbedtls_pk_init(&pk); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
    ~state() { mbedtls_pk_free(&pk); } // wipes the key
};

private_key::private_key() = default;
private_key::private_key(private_key&&) noexcept = default;
private_key& private_key::operator=(private_key&&) noexcept = default;
private_key::~private_key() = default;

namespace {

// The provider gets the parsed key as DER (SEC1 or PKCS#1), so every
// provider accepts the same files and reports the same parse errors.
std::unique_ptr<signing_key_impl> load_into(const provider& p, mbedtls_pk_context& pk)
{
    // mbedtls_pk_write_key_der writes at the end of the buffer.
    std::vector<unsigned char> buf(8192);
    const int n = mbedtls_pk_write_key_der(&pk, buf.data(), buf.size());
    std::unique_ptr<signing_key_impl> out;
    if (n > 0)
        out = p.load_signing_key(bytes_view(reinterpret_cast<const std::byte*>(buf.data()) + buf.size() - n,
                                            static_cast<std::size_t>(n)));
    secure_zero(buf.data(), buf.size());
    return out;
}

} // namespace

private_key private_key::parse(const provider& p, bytes_view data, file_format fmt, std::string_view password,
                               error_code& ec)
{
    private_key k;
    auto st = std::make_unique<state>();
    ec = detail::parse_private_key(st->pk, data, fmt, password, detail::max_pbkdf2_iterations);
    if (ec)
        return k;
    st->signer = load_into(p, st->pk);
    if (!st->signer) {
        ec = error::bad_private_key;
        return k;
    }
    k.st_ = std::move(st);
    return k;
}

key_type private_key::type() const noexcept
{
    return st_ ? detail::type_of(st_->pk) : key_type::unsupported;
}

std::vector<std::byte> private_key::sign(signature_scheme s, bytes_view message) const
{
    ++detail::public_key_operation_count;
    if (!st_ || detail::usable_scheme(s, type()) == nullptr)
        return {};
    return st_->signer->sign(s, message);
}

bool private_key::matches(const certificate& c) const
{
    if (!st_ || !c)
        return false;
    // A private parse of the certificate: its state is private to it.
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    bool ok = false;
    if (mbedtls_x509_crt_parse_der(&crt, u8(c.der()), c.der().size()) == 0) {
        std::lock_guard lock(st_->mutex);
        ok = mbedtls_pk_check_pair(&crt.pk, &st_->pk) == 0;
    }
    mbedtls_x509_crt_free(&crt);
    return ok;
}

} // namespace mtls::crypto
