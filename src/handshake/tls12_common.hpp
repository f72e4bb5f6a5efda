#ifndef MTLS_SRC_HANDSHAKE_TLS12_COMMON_HPP
#define MTLS_SRC_HANDSHAKE_TLS12_COMMON_HPP

// What the TLS 1.2 client and server share: sending messages, the key
// schedule (RFC 5246 §6.3, §8.1, RFC 7627), Finished and peer certificates.

#include "crypto/key_share.hpp"
#include "crypto/pki.hpp"
#include "handshake/handshake.hpp"
#include "handshake/suites.hpp"
#include "handshake/transcript.hpp"

#include <optional>

namespace mtls::handshake {

class tls12_base : public handshake_module {
protected:
    explicit tls12_base(environment& env) : env_(env) {}

    /// Encodes a handshake message, adds it to the transcript and queues it.
    template <class Body>
    void send(wire::handshake_type t, Body&& body)
    {
        scratch_.clear();
        wire::encode_handshake(scratch_, t, std::forward<Body>(body));
        transcript_.add(scratch_);
        env_.records.send(wire::content_type::handshake, scratch_);
    }

    /// Suites of `env_.ctx` usable in TLS 1.2, in preference order.
    std::vector<const suite_info*> tls12_suites() const;

    /// A fresh ephemeral key share (or the test hook's).
    crypto::key_share make_key_share(named_group g) const;

    /// From the ECDHE shared secret: master secret (extended when negotiated)
    /// and both directions' protection; the write side starts at CCS.
    error_code derive_keys(const crypto::secret& premaster);
    void activate_write_keys();
    void activate_read_keys();

    /// verify_data for the transcript so far (RFC 5246 §7.4.9).
    std::array<std::byte, 12> finished_data(bool from_client) const;
    error_code check_finished(bytes_view body, bool from_client) const;
    void send_finished(bool from_client);

    /// Parses and (by the verify mode) verifies the peer's chain, and records
    /// it in the connection info. `peer_role` is the chain owner's role.
    error_code accept_peer_chain(const std::vector<bytes_view>& chain, role peer_role);

    void record_info(named_group g);

    /// The scheme this end's key signs with, from the peer's list, in our
    /// preference order; nullopt when none fits.
    std::optional<signature_scheme> pick_scheme(const std::vector<signature_scheme>& peer) const;
    bool we_accept(signature_scheme s) const;

    environment& env_;
    transcript transcript_;
    std::vector<std::byte> scratch_;
    const suite_info* suite_ = nullptr;
    wire::random_bytes client_random_{};
    wire::random_bytes server_random_{};
    bool ems_ = false;
    crypto::secret master_;
    std::optional<record::protection> pending_write_;
    std::optional<record::protection> pending_read_;
    crypto::certificate peer_leaf_;
};

} // namespace mtls::handshake

#endif
