// Public keys as a peer's certificate brings them: a SubjectPublicKeyInfo
// loaded by every crypto provider of the build (the OpenSSL provider reads a
// P-256 or P-384 point itself, src/crypto/openssl/keys.cpp), then a signature
// checked with each key that loaded. Input: byte 0 picks the signature
// scheme (byte 0 % 8) and whether the signature is over the message or over
// its digest (verify or verify_digest, as a certificate's is: byte 0 / 8,
// odd); bytes 1-2 are the SPKI's length n, big-endian; then n bytes of SPKI;
// the rest is the signature. Beyond "no crash": where two providers both
// load the key, they give the same verdict on the signature.

#include "fuzz_support.hpp"

#include "crypto/hash.hpp"
#include "crypto/provider.hpp"
#include "crypto/vocabulary.hpp"

#include <array>
#include <optional>
#include <span>

using namespace mtls;

namespace {

const std::span<const std::byte> message{reinterpret_cast<const std::byte*>(fuzz::public_key_message.data()),
                                         fuzz::public_key_message.size()};

/// The signature's verdict with provider `p`, or nothing when `p` does not
/// load the key.
std::optional<bool> verdict(const crypto::provider& p, fuzz::bytes_view spki, const crypto::scheme_row& scheme,
                            bool over_digest, fuzz::bytes_view signature)
{
    const auto key = p.load_public_key(spki);
    if (!key)
        return std::nullopt;
    if (!over_digest)
        return key->verify(scheme.id, message, signature);
    std::array<std::byte, crypto::max_digest_size> digest{};
    const auto d = crypto::digest(p, scheme.hash, message, digest);
    return key->verify_digest(scheme.kind, scheme.hash, d, signature);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::cursor in(data, size);
    const std::uint8_t selector = in.u8();
    const crypto::scheme_row& scheme = crypto::schemes[selector % crypto::schemes.size()];
    const bool over_digest = (selector / crypto::schemes.size()) % 2 == 1;
    const std::size_t spki_size = in.u16();
    const fuzz::bytes spki = in.take(spki_size); // exact size: ASan flags any read past it
    const fuzz::bytes signature = in.rest();
    std::optional<bool> first;
    for (const crypto_provider id : {crypto_provider::mbedtls, crypto_provider::openssl}) {
        const crypto::provider* p = crypto::find_provider(id);
        if (p == nullptr)
            continue;
        const auto v = verdict(*p, spki, scheme, over_digest, signature);
        if (v && first && *v != *first)
            fuzz::oracle_failure("the providers disagree on a signature");
        if (v && !first)
            first = v;
    }
    return 0;
}
