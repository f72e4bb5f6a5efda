#ifndef MTLS_BENCH_PUBLIC_KEY_FLOOR_HPP
#define MTLS_BENCH_PUBLIC_KEY_FLOOR_HPP

// The public-key floor of a full mutually authenticated handshake: the CPU
// of the public-key operations each end must do, each measured with mbedTLS
// used at its best — persistent ECDSA contexts and groups whose base-point
// table is already built, one CTR_DRBG seeded once. Per end: one ECDHE key
// generation and one shared secret, one ECDSA signature (CertificateVerify,
// or ServerKeyExchange in TLS 1.2), one ECDSA verification of the peer's,
// and one verification per signature in the peer's certificate chain. The
// handshake's CPU over this sum is how far mtls is from the floor.
//
// The bench only, never the library: mbedTLS is otherwise included only
// under src/crypto.

#include "measure.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtls::bench {

inline void must(int rc, const char* what)
{
    if (rc != 0)
        throw std::runtime_error(std::string("public-key floor: ") + what + " failed (mbedTLS " + std::to_string(rc) +
                                 ")");
}

/// A CTR_DRBG seeded once from the OS, as a server process would keep it.
class floor_rng {
public:
    floor_rng()
    {
        mbedtls_entropy_init(&entropy_);
        mbedtls_ctr_drbg_init(&drbg_);
        must(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0), "seeding the DRBG");
    }
    floor_rng(const floor_rng&) = delete;
    floor_rng& operator=(const floor_rng&) = delete;
    ~floor_rng()
    {
        mbedtls_ctr_drbg_free(&drbg_);
        mbedtls_entropy_free(&entropy_);
    }
    static int draw(void* self, unsigned char* out, std::size_t len)
    {
        return mbedtls_ctr_drbg_random(&static_cast<floor_rng*>(self)->drbg_, out, len);
    }

private:
    mbedtls_entropy_context entropy_;
    mbedtls_ctr_drbg_context drbg_;
};

/// A parsed PEM file of certificates (a chain, leaf first, or the anchors).
class cert_file {
public:
    explicit cert_file(const std::string& path)
    {
        mbedtls_x509_crt_init(&crt_);
        must(mbedtls_x509_crt_parse_file(&crt_, path.c_str()), ("reading " + path).c_str());
    }
    cert_file(const cert_file&) = delete;
    cert_file& operator=(const cert_file&) = delete;
    ~cert_file() { mbedtls_x509_crt_free(&crt_); }
    mbedtls_x509_crt& first() { return crt_; }

    /// The certificate whose subject is `issuer`; null when none.
    mbedtls_x509_crt* find_subject(const mbedtls_x509_buf& issuer)
    {
        for (mbedtls_x509_crt* c = &crt_; c != nullptr && c->version != 0; c = c->next)
            if (c->subject_raw.len == issuer.len && std::memcmp(c->subject_raw.p, issuer.p, issuer.len) == 0)
                return c;
        return nullptr;
    }

private:
    mbedtls_x509_crt crt_;
};

/// A persistent ECDSA context holding the EC key of `pk`; verifying or
/// signing once builds its base-point table, which later calls reuse.
class ecdsa_key {
public:
    explicit ecdsa_key(const mbedtls_pk_context& pk)
    {
        mbedtls_ecdsa_init(&ctx_);
        const mbedtls_ecp_keypair* kp = mbedtls_pk_ec(pk);
        if (kp == nullptr)
            throw std::runtime_error("public-key floor: the test PKI must use EC keys");
        must(mbedtls_ecdsa_from_keypair(&ctx_, kp), "copying an EC key");
    }
    ecdsa_key(const ecdsa_key&) = delete;
    ecdsa_key& operator=(const ecdsa_key&) = delete;
    ~ecdsa_key() { mbedtls_ecdsa_free(&ctx_); }
    mbedtls_ecdsa_context* get() { return &ctx_; }

private:
    mbedtls_ecdsa_context ctx_;
};

/// One signature of a certificate, checked under its issuer's key.
struct chain_link {
    std::unique_ptr<ecdsa_key> issuer;
    std::vector<unsigned char> hash;
    std::vector<unsigned char> signature;
};

/// Nanoseconds of thread CPU spent in `op()`.
template <class Op>
std::int64_t cpu_ns_of(Op&& op)
{
    const auto start = thread_cpu_ns();
    op();
    return thread_cpu_ns() - start;
}

/// One ECDHE exchange's work for one end on `id` (an mbedTLS group id): a
/// key pair made and a shared secret computed with a peer's, on a group
/// loaded once (its base-point table built by the first call).
class key_share_ops {
public:
    key_share_ops(mbedtls_ecp_group_id id, floor_rng& rng) : rng_(rng)
    {
        mbedtls_ecp_group_init(&grp_);
        mbedtls_mpi_init(&d_);
        mbedtls_mpi_init(&peer_d_);
        mbedtls_mpi_init(&z_);
        mbedtls_ecp_point_init(&q_);
        mbedtls_ecp_point_init(&peer_q_);
        must(mbedtls_ecp_group_load(&grp_, id), "loading the group");
        must(mbedtls_ecdh_gen_public(&grp_, &peer_d_, &peer_q_, floor_rng::draw, &rng_), "the peer's key share");
    }
    key_share_ops(const key_share_ops&) = delete;
    key_share_ops& operator=(const key_share_ops&) = delete;
    ~key_share_ops()
    {
        mbedtls_ecp_point_free(&peer_q_);
        mbedtls_ecp_point_free(&q_);
        mbedtls_mpi_free(&z_);
        mbedtls_mpi_free(&peer_d_);
        mbedtls_mpi_free(&d_);
        mbedtls_ecp_group_free(&grp_);
    }
    void run()
    {
        must(mbedtls_ecdh_gen_public(&grp_, &d_, &q_, floor_rng::draw, &rng_), "ECDHE key generation");
        must(mbedtls_ecdh_compute_shared(&grp_, &z_, &peer_q_, &d_, floor_rng::draw, &rng_), "ECDHE shared secret");
    }

private:
    floor_rng& rng_;
    mbedtls_ecp_group grp_;
    mbedtls_mpi d_, peer_d_, z_;
    mbedtls_ecp_point q_, peer_q_;
};

/// The signature work of one end that owns `own_key` (a PEM key file) and
/// whose peer presents `peer_chain` (PEM, leaf first) and signs with
/// `peer_key`, the chain ending under an anchor of `anchors`.
class signature_ops {
public:
    signature_ops(const std::string& own_key, const std::string& peer_key, const std::string& peer_chain,
                  const std::string& anchors, floor_rng& rng)
        : rng_(rng), chain_(peer_chain), roots_(anchors)
    {
        mbedtls_pk_context own, peer;
        mbedtls_pk_init(&own);
        mbedtls_pk_init(&peer);
        must(mbedtls_pk_parse_keyfile(&own, own_key.c_str(), nullptr), "reading the own key");
        must(mbedtls_pk_parse_keyfile(&peer, peer_key.c_str(), nullptr), "reading the peer's key");
        signer_ = std::make_unique<ecdsa_key>(own);
        ecdsa_key peer_signer(peer);
        mbedtls_pk_free(&peer);
        mbedtls_pk_free(&own);
        peer_public_ = std::make_unique<ecdsa_key>(chain_.first().pk);
        // A CertificateVerify digest (SHA-256), signed by the peer.
        std::memset(hash_, 0x5a, sizeof hash_);
        must(mbedtls_ecdsa_write_signature(peer_signer.get(), MBEDTLS_MD_SHA256, hash_, sizeof hash_, peer_sig_,
                                           &peer_sig_len_, floor_rng::draw, &rng_),
             "the peer's signature");
        for (mbedtls_x509_crt* c = &chain_.first(); c != nullptr && c->version != 0; c = c->next) {
            mbedtls_x509_crt* issuer =
                c->next != nullptr && c->next->version != 0 ? c->next : roots_.find_subject(c->issuer_raw);
            if (issuer == nullptr)
                throw std::runtime_error("public-key floor: no issuer for a certificate of " + peer_chain);
            const mbedtls_md_info_t* md = mbedtls_md_info_from_type(c->sig_md);
            chain_link link{std::make_unique<ecdsa_key>(issuer->pk),
                            std::vector<unsigned char>(mbedtls_md_get_size(md)),
                            std::vector<unsigned char>(c->sig.p, c->sig.p + c->sig.len)};
            must(mbedtls_md(md, c->tbs.p, c->tbs.len, link.hash.data()), "hashing a certificate");
            links_.push_back(std::move(link));
        }
    }

    void sign()
    {
        unsigned char sig[MBEDTLS_ECDSA_MAX_LEN];
        std::size_t len = 0;
        must(mbedtls_ecdsa_write_signature(signer_->get(), MBEDTLS_MD_SHA256, hash_, sizeof hash_, sig, &len,
                                           floor_rng::draw, &rng_),
             "ECDSA sign");
    }
    void verify()
    {
        must(mbedtls_ecdsa_read_signature(peer_public_->get(), hash_, sizeof hash_, peer_sig_, peer_sig_len_),
             "ECDSA verify");
    }
    void verify_chain()
    {
        for (auto& l : links_)
            must(mbedtls_ecdsa_read_signature(l.issuer->get(), l.hash.data(), l.hash.size(), l.signature.data(),
                                              l.signature.size()),
                 "certificate signature");
    }
    unsigned chain_signatures() const { return static_cast<unsigned>(links_.size()); }

private:
    floor_rng& rng_;
    cert_file chain_;
    cert_file roots_;
    std::unique_ptr<ecdsa_key> signer_;
    std::unique_ptr<ecdsa_key> peer_public_;
    unsigned char hash_[32];
    unsigned char peer_sig_[MBEDTLS_ECDSA_MAX_LEN];
    std::size_t peer_sig_len_ = 0;
    std::vector<chain_link> links_;
};

/// CPU summed over the floor's parts for one end.
struct end_floor {
    std::int64_t key_share_ns = 0; // ECDHE key generation + shared secret
    std::int64_t sign_ns = 0;
    std::int64_t verify_ns = 0; // the peer's CertificateVerify / ServerKeyExchange
    std::int64_t chain_ns = 0;  // every signature of the peer's chain
    std::int64_t total() const { return key_share_ns + sign_ns + verify_ns + chain_ns; }
};

/// Runs one end's floor operations once, adding their CPU to `f`; the
/// operations are mbedTLS's (above) or OpenSSL's (openssl_floor.hpp).
template <class KeyShare, class Signatures>
void run_end(KeyShare& ks, Signatures& sig, end_floor& f)
{
    f.key_share_ns += cpu_ns_of([&] { ks.run(); });
    f.sign_ns += cpu_ns_of([&] { sig.sign(); });
    f.verify_ns += cpu_ns_of([&] { sig.verify(); });
    f.chain_ns += cpu_ns_of([&] { sig.verify_chain(); });
}

} // namespace mtls::bench

#endif
