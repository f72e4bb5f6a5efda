#ifndef MTLS_BENCH_OPENSSL_FLOOR_HPP
#define MTLS_BENCH_OPENSSL_FLOOR_HPP

// The public-key floor of public_key_floor.hpp, measured with OpenSSL 3's
// libcrypto used at its best: the floor of a handshake whose context runs
// over the OpenSSL provider. The same operations per end — one ECDHE key
// generation and one shared secret, one ECDSA signature, one verification
// of the peer's and one per signature of its chain — through EVP with key
// contexts made and initialised once (EVP_PKEY_sign_init and
// EVP_PKEY_verify_init once per key), so what is timed is the arithmetic.
// Certificates are parsed with mbedTLS's X.509 (public_key_floor.hpp's
// cert_file) for the digests and signatures of the chain.
//
// The bench only, never the library.

#include "public_key_floor.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtls::bench::ossl {

inline void must(bool ok, const std::string& what)
{
    if (!ok)
        throw std::runtime_error("OpenSSL floor: " + what + " failed");
}

struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using pkey = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;

/// The private key of a PEM file.
inline pkey read_private_key(const std::string& path)
{
    BIO* bio = BIO_new_file(path.c_str(), "r");
    must(bio != nullptr, "opening " + path);
    pkey k(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    must(k != nullptr, "reading " + path);
    return k;
}

/// The public key of an mbedTLS-parsed key, through its DER SubjectPublicKeyInfo.
inline pkey public_key_of(mbedtls_pk_context& pk)
{
    std::array<unsigned char, 1024> der{};
    const int len = mbedtls_pk_write_pubkey_der(&pk, der.data(), der.size());
    must(len > 0, "encoding a public key");
    // mbedTLS writes at the end of the buffer.
    const unsigned char* p = der.data() + der.size() - len;
    pkey k(d2i_PUBKEY(nullptr, &p, len));
    must(k != nullptr, "decoding a public key");
    return k;
}

/// A context on `k` for one kind of operation, initialised once.
template <class Init>
pkey_ctx operation_on(EVP_PKEY* k, Init init, const char* what)
{
    pkey_ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
    must(ctx != nullptr && init(ctx.get()) == 1, what);
    return ctx;
}

/// One ECDHE exchange's work for one end on `group` ("X25519", "P-256",
/// "P-384"): a key pair generated and a shared secret with a peer's.
class key_share_ops {
public:
    explicit key_share_ops(const std::string& group)
    {
        const bool x25519 = group == "X25519";
        keygen_.reset(EVP_PKEY_CTX_new_from_name(nullptr, x25519 ? "X25519" : "EC", nullptr));
        must(keygen_ != nullptr && EVP_PKEY_keygen_init(keygen_.get()) == 1, "key generation set-up");
        if (!x25519)
            must(EVP_PKEY_CTX_set_group_name(keygen_.get(), group.c_str()) == 1, "naming the group");
        peer_ = generate();
    }
    void run()
    {
        const pkey own = generate();
        const auto derive = operation_on(own.get(), EVP_PKEY_derive_init, "ECDHE set-up");
        must(EVP_PKEY_derive_set_peer(derive.get(), peer_.get()) == 1, "ECDHE peer");
        std::array<unsigned char, 66> shared{};
        std::size_t len = shared.size();
        must(EVP_PKEY_derive(derive.get(), shared.data(), &len) == 1, "ECDHE shared secret");
    }

private:
    pkey generate()
    {
        EVP_PKEY* k = nullptr;
        must(EVP_PKEY_keygen(keygen_.get(), &k) == 1, "ECDHE key generation");
        return pkey(k);
    }
    pkey_ctx keygen_;
    pkey peer_;
};

/// The signature work of one end, as public_key_floor.hpp's signature_ops.
class signature_ops {
public:
    signature_ops(const std::string& own_key, const std::string& peer_key, const std::string& peer_chain,
                  const std::string& anchors)
        : own_(read_private_key(own_key)), chain_(peer_chain), roots_(anchors)
    {
        signer_ = operation_on(own_.get(), EVP_PKEY_sign_init, "signing set-up");
        peer_public_ = public_key_of(chain_.first().pk);
        verifier_ = operation_on(peer_public_.get(), EVP_PKEY_verify_init, "verifying set-up");
        // A CertificateVerify digest (SHA-256), signed by the peer.
        hash_.fill(0x5a);
        const pkey peer = read_private_key(peer_key);
        const auto peer_signer = operation_on(peer.get(), EVP_PKEY_sign_init, "the peer's signing set-up");
        peer_sig_.resize(256);
        std::size_t len = peer_sig_.size();
        must(EVP_PKEY_sign(peer_signer.get(), peer_sig_.data(), &len, hash_.data(), hash_.size()) == 1,
             "the peer's signature");
        peer_sig_.resize(len);
        for (mbedtls_x509_crt* c = &chain_.first(); c != nullptr && c->version != 0; c = c->next) {
            mbedtls_x509_crt* issuer =
                c->next != nullptr && c->next->version != 0 ? c->next : roots_.find_subject(c->issuer_raw);
            must(issuer != nullptr, "finding the issuer of a certificate of " + peer_chain);
            const mbedtls_md_info_t* md = mbedtls_md_info_from_type(c->sig_md);
            link l{public_key_of(issuer->pk),
                   {},
                   std::vector<unsigned char>(mbedtls_md_get_size(md)),
                   std::vector<unsigned char>(c->sig.p, c->sig.p + c->sig.len)};
            l.verifier = operation_on(l.issuer.get(), EVP_PKEY_verify_init, "chain verifying set-up");
            bench::must(mbedtls_md(md, c->tbs.p, c->tbs.len, l.hash.data()), "hashing a certificate");
            links_.push_back(std::move(l));
        }
    }

    void sign()
    {
        std::array<unsigned char, 256> sig{};
        std::size_t len = sig.size();
        must(EVP_PKEY_sign(signer_.get(), sig.data(), &len, hash_.data(), hash_.size()) == 1, "ECDSA sign");
    }
    void verify()
    {
        must(EVP_PKEY_verify(verifier_.get(), peer_sig_.data(), peer_sig_.size(), hash_.data(), hash_.size()) == 1,
             "ECDSA verify");
    }
    void verify_chain()
    {
        for (auto& l : links_)
            must(EVP_PKEY_verify(l.verifier.get(), l.signature.data(), l.signature.size(), l.hash.data(),
                                 l.hash.size()) == 1,
                 "certificate signature");
    }
    unsigned chain_signatures() const { return static_cast<unsigned>(links_.size()); }

private:
    struct link {
        pkey issuer;
        pkey_ctx verifier;
        std::vector<unsigned char> hash;
        std::vector<unsigned char> signature;
    };
    pkey own_;
    cert_file chain_;
    cert_file roots_;
    pkey_ctx signer_;
    pkey peer_public_;
    pkey_ctx verifier_;
    std::array<unsigned char, 32> hash_{};
    std::vector<unsigned char> peer_sig_;
    std::vector<link> links_;
};

} // namespace mtls::bench::ossl

#endif
