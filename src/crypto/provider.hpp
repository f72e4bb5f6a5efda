#ifndef MTLS_SRC_CRYPTO_PROVIDER_HPP
#define MTLS_SRC_CRYPTO_PROVIDER_HPP

// The crypto provider boundary: the primitives whose arithmetic a provider
// (mbedTLS, OpenSSL's libcrypto) supplies. Everything above it (record
// layer, key schedule, state machines) is one implementation over either.
//
// What stays provider-independent, by design, so that both providers behave
// identically: X.509 parsing, path validation policy (dates, key usage,
// CRLs, callback order) and host name matching, done once with mbedTLS's
// X.509 code, which asks the provider only for the signature checks (see
// pki.hpp); private key parsing (PEM, encrypted PKCS#8), after which the
// provider gets the key as DER; and the checks on a peer's key share
// (lengths, point format, an all-zero X25519 result), made in key_share.cpp.
//
// Only src/crypto/<provider>/ includes a provider's headers.

#include "secret.hpp"
#include "vocabulary.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <memory>
#include <vector>

namespace mtls::crypto {

class certificate;

/// A keyed AEAD (aead.hpp); seal and open work in place. The nonce is
/// aead_nonce_size and the tag aead_tag_size bytes: crypto::aead checks
/// both once, before any provider's code reads or writes them.
class aead_impl {
public:
    virtual ~aead_impl() = default; // wipes the expanded key
    virtual void seal(bytes_view nonce, bytes_view aad, mutable_bytes data, mutable_bytes tag) = 0;
    virtual bool open(bytes_view nonce, bytes_view aad, mutable_bytes data, bytes_view tag) = 0;
};

/// A running hash (hash.hpp).
class hash_impl {
public:
    virtual ~hash_impl() = default;
    virtual std::unique_ptr<hash_impl> clone() const = 0;
    virtual void update(bytes_view data) = 0;
    /// Writes the digest of everything so far to `out` (exactly digest_size
    /// bytes); the hash keeps running.
    virtual void snapshot(mutable_bytes out) const = 0;
};

/// The private half of an ephemeral key share (key_share.hpp).
class key_share_impl {
public:
    virtual ~key_share_impl() = default; // wipes the private key
    /// The shared secret (field_size bytes) with `peer_public`, which has
    /// the TLS length and, for NIST curves, the 0x04 prefix already checked.
    /// False when the point is not on the curve or the computation fails.
    virtual bool agree(bytes_view peer_public, secret& shared) const = 0;
};

/// A private key that signs (pki.hpp's private_key).
class signing_key_impl {
public:
    virtual ~signing_key_impl() = default; // wipes the key
    /// The signature of `message` (hashed here with the scheme's hash), in
    /// TLS's encoding (ECDSA: DER Ecdsa-Sig-Value). Empty on failure.
    virtual std::vector<std::byte> sign(signature_scheme s, bytes_view message) const = 0;
};

/// A public key that checks signatures (a certificate's, or a CA's while a
/// chain is verified).
class public_key_impl {
public:
    virtual ~public_key_impl() = default;
    /// Checks `signature` of `message`, hashed here with the scheme's hash.
    virtual bool verify(signature_scheme s, bytes_view message, bytes_view signature) const = 0;
    /// Checks `signature` of an already computed `digest` (certificate and
    /// CRL signatures): ECDSA, or RSA PKCS#1 v1.5 when `kind` is rsa_pkcs1.
    virtual bool verify_digest(signature_kind kind, hash_alg h, bytes_view digest, bytes_view signature) const = 0;
};

/// One crypto library behind the boundary. Stateless apart from what it
/// caches for speed; one instance per provider serves every thread.
class provider {
public:
    virtual ~provider() = default;
    virtual crypto_provider id() const noexcept = 0;

    /// What this provider implements; a context does not offer the rest.
    virtual bool supports(aead_alg a) const noexcept = 0;
    virtual bool supports(named_group g) const noexcept = 0;
    virtual bool supports(signature_scheme s) const noexcept = 0;

    /// Fills `out` from the provider's CSPRNG; throws on failure.
    virtual void random(mutable_bytes out) const = 0;

    /// `key` is aead_key_size(a) bytes.
    virtual std::unique_ptr<aead_impl> make_aead(aead_alg a, bytes_view key) const = 0;
    virtual std::unique_ptr<hash_impl> make_hash(hash_alg a) const = 0;
    /// HMAC(key, data1 || data2) into `out` (digest_size(a) bytes).
    virtual void hmac(hash_alg a, bytes_view key, bytes_view data1, bytes_view data2, mutable_bytes out) const = 0;

    /// A fresh key pair of `g`, or (non-empty `private_key`, test traces
    /// only) the one of that private key; its public key in TLS encoding
    /// goes to `public_key`.
    virtual std::unique_ptr<key_share_impl> make_key_share(named_group g, bytes_view private_key,
                                                           std::vector<std::byte>& public_key) const = 0;

    /// A signing key from DER: SEC1 ECPrivateKey, PKCS#1 RSAPrivateKey or
    /// unencrypted PKCS#8. Null when the provider cannot use it.
    virtual std::unique_ptr<signing_key_impl> load_signing_key(bytes_view der) const = 0;
    /// A public key from DER SubjectPublicKeyInfo. Null when the provider
    /// cannot use it.
    virtual std::unique_ptr<public_key_impl> load_public_key(bytes_view spki) const = 0;
};

/// The provider `p`, or null when this build does not have it. Throws when
/// the provider fails to start (OpenSSL cannot fetch an algorithm).
const provider* find_provider(crypto_provider p);

/// The provider `p`; throws system_error(error::crypto_provider_unavailable)
/// when this build does not have it.
const provider& get_provider(crypto_provider p);

/// mbedTLS, present in every build.
const provider& mbedtls_provider() noexcept;

} // namespace mtls::crypto

#endif
