// Writes the seed corpora of the fuzz targets from real handshakes between
// the engines of fuzz_support (same credentials, same fixed randoms and keys
// as the targets), so nothing binary is committed and the seeds always match
// the code. Usage: make_corpus OUTDIR; writes OUTDIR/<target>/<seed>.
//
//   fuzz_server     the client's bytes of each handshake with the server of
//                   fuzz_server (TLS 1.2/1.3, with/without certificate, HRR)
//   fuzz_client     the server's bytes of each handshake with the client of
//                   fuzz_client
//   fuzz_messages   every handshake message of those runs, TLS 1.3 ones
//                   decrypted with the logged traffic secrets, and the
//                   resumption messages, built by the encoders
//   fuzz_record     records sealed in each protection mode
//   fuzz_handshake  each configuration untouched, with one byte of each
//                   flight flipped, and with a replayed or forged record
//   fuzz_session    serialised TLS 1.2 and 1.3 sessions, and tickets sealed
//                   with fuzz_session's keys
//   fuzz_certificate the credentials' certificates, one with every kind of
//                   subjectAltName, and URI patterns with URIs
//   fuzz_pkcs8      the credentials' client key encrypted with PBES2 under
//                   several PRFs and ciphers (DER and PEM, with and without
//                   the password), one with bad padding, the plain key and a
//                   certificate
//   fuzz_public_key the credentials' public keys, each with the server
//                   key's signature (valid for the server's), over the
//                   message and over its digest

#include "fuzz_support.hpp"

#include "crypto/pki.hpp"
#include "crypto/provider.hpp"
#include "crypto/vocabulary.hpp"
#include "handshake/key_schedule13.hpp"
#include "record/protection.hpp"
#include "session/session_state.hpp"
#include "session/ticket_keys.hpp"
#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include "../test/support/pbes2_writer.hpp"

#include <mbedtls/base64.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

using namespace mtls;
namespace fs = std::filesystem;

namespace {

fs::path out_dir;

const char* const targets[] = {"fuzz_server",      "fuzz_client", "fuzz_messages",  "fuzz_record", "fuzz_handshake",
                               "fuzz_session",     "fuzz_certificate", "fuzz_pkcs8", "fuzz_public_key"};

void write_seed(const std::string& target, const std::string& name, fuzz::bytes_view data)
{
    const auto dir = out_dir / target;
    fs::create_directories(dir);
    std::ofstream f(dir / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f)
        throw std::runtime_error("cannot write " + (dir / name).string());
}

/// A handshake, data both ways (a TLS 1.3 KeyUpdate in between), then
/// close_notify both ways: the scenario fuzz_handshake runs untouched.
struct conversation {
    std::map<std::string, fuzz::bytes, std::less<>> secrets;
    std::unique_ptr<fuzz::engine_pair> pair;

    conversation(const fuzz::setup& client, const fuzz::setup& server)
    {
        auto log = [this](std::string_view label, fuzz::bytes_view s) {
            secrets.emplace(std::string(label), fuzz::bytes(s.begin(), s.end()));
        };
        pair = std::make_unique<fuzz::engine_pair>(client, server, fuzz::fixed_hooks(1, log), fuzz::fixed_hooks(2));
        auto& p = *pair;
        p.run();
        p.write(true, fuzz::pattern(64, 1));
        p.write(false, fuzz::pattern(64, 2));
        p.run();
        p.client.update_keys(true);
        p.write(true, fuzz::pattern(17000, 3));
        p.write(false, fuzz::pattern(300, 4));
        p.run();
        p.client.close();
        p.run();
        p.server.close();
        p.run();
    }

    fuzz::bytes stream(bool to_server) const
    {
        fuzz::bytes out;
        for (const auto& f : pair->flights)
            if (f.to_server == to_server)
                out.insert(out.end(), f.data.begin(), f.data.end());
        return out;
    }

    /// Handshake messages one direction carried, decrypted where needed.
    std::vector<fuzz::bytes> messages(bool to_server) const
    {
        const bool tls13 = pair->client.handshake_done() && pair->client.info().version == tls_version::tls13;
        const std::string side = to_server ? "CLIENT_" : "SERVER_";
        std::vector<std::string> labels{side + "HANDSHAKE_TRAFFIC_SECRET"};
        for (int i = 0; i < 4; ++i)
            labels.push_back(side + "TRAFFIC_SECRET_" + std::to_string(i));
        std::size_t key = 0;
        std::optional<record::protection> prot;
        auto use_key = [&](std::size_t k) {
            prot.reset();
            if (k >= labels.size())
                return;
            auto it = secrets.find(labels[k]);
            if (it == secrets.end())
                return;
            const auto suite = pair->client.info().suite;
            const auto aead = suite == cipher_suite::tls_aes_128_gcm_sha256 ? crypto::aead_alg::aes_128_gcm
                              : suite == cipher_suite::tls_aes_256_gcm_sha384 ? crypto::aead_alg::aes_256_gcm
                                                                              : crypto::aead_alg::chacha20_poly1305;
            const auto hash = suite == cipher_suite::tls_aes_256_gcm_sha384 ? crypto::hash_alg::sha384
                                                                            : crypto::hash_alg::sha256;
            auto tk = handshake::tls13::traffic_keys(crypto::mbedtls_provider(), aead, hash, it->second);
            prot.emplace(mtls::crypto::mbedtls_provider(), aead, tk.key.view(), tk.iv.view(), record::nonce_scheme::tls13);
        };
        use_key(0);

        fuzz::bytes hs;
        auto all = stream(to_server);
        for (std::size_t off = 0; all.size() - off >= record::header_size;) {
            const std::size_t len = (std::to_integer<std::size_t>(all[off + 3]) << 8) | std::to_integer<std::size_t>(all[off + 4]);
            fuzz::bytes rec(all.begin() + static_cast<std::ptrdiff_t>(off),
                            all.begin() + static_cast<std::ptrdiff_t>(off + record::header_size + len));
            off += rec.size();
            const auto type = static_cast<wire::content_type>(rec[0]);
            if (type == wire::content_type::handshake) {
                hs.insert(hs.end(), rec.begin() + record::header_size, rec.end());
            } else if (type == wire::content_type::application_data && tls13) {
                // The key changes after Finished and KeyUpdate; rather than
                // track those, a record that does not open under the current
                // key is tried under the next.
                for (; key < labels.size(); use_key(++key)) {
                    if (!prot)
                        continue;
                    auto copy = rec;
                    wire::content_type inner{};
                    crypto::mutable_bytes plain;
                    if (prot->open(copy, inner, plain))
                        continue;
                    if (inner == wire::content_type::handshake)
                        hs.insert(hs.end(), plain.begin(), plain.end());
                    break;
                }
            }
        }
        std::vector<fuzz::bytes> out;
        for (std::size_t off = 0; hs.size() - off >= wire::handshake_header_size;) {
            const std::size_t len = (std::to_integer<std::size_t>(hs[off + 1]) << 16) |
                                    (std::to_integer<std::size_t>(hs[off + 2]) << 8) | std::to_integer<std::size_t>(hs[off + 3]);
            const std::size_t end = std::min(hs.size(), off + wire::handshake_header_size + len);
            out.emplace_back(hs.begin() + static_cast<std::ptrdiff_t>(off), hs.begin() + static_cast<std::ptrdiff_t>(end));
            off = end;
        }
        return out;
    }
};

std::set<fuzz::bytes> message_seeds;

void add_message_seed(fuzz::decoder d, wire::bytes_view body)
{
    fuzz::bytes seed{std::byte{static_cast<std::uint8_t>(d)}};
    seed.insert(seed.end(), body.begin(), body.end());
    message_seeds.insert(std::move(seed));
}

/// The decoders fuzz_messages has for `message`, with the right body each.
void add_message(const fuzz::bytes& message, bool tls13)
{
    using d = fuzz::decoder;
    const auto type = static_cast<wire::handshake_type>(message[0]);
    const wire::bytes_view body = wire::bytes_view(message).subspan(wire::handshake_header_size);
    wire::reader r(body);
    switch (type) {
    case wire::handshake_type::client_hello:
        add_message_seed(d::client_hello, body);
        r.u16();
        r.bytes(wire::random_size);
        r.vec8();
        r.vec16();
        r.vec8();
        add_message_seed(d::extensions_client_hello, r.vec16());
        break;
    case wire::handshake_type::server_hello: {
        add_message_seed(d::server_hello, body);
        r.u16();
        auto random = r.bytes(wire::random_size);
        r.vec8();
        r.u16();
        r.u8();
        const bool hrr = std::equal(random.begin(), random.end(), wire::hello_retry_request_random.begin(),
                                    wire::hello_retry_request_random.end());
        add_message_seed(hrr ? d::extensions_hello_retry_request : d::extensions_server_hello, r.vec16());
        break;
    }
    case wire::handshake_type::encrypted_extensions:
        add_message_seed(d::encrypted_extensions, body);
        add_message_seed(d::extensions_encrypted_extensions, r.vec16());
        break;
    case wire::handshake_type::certificate:
        add_message_seed(tls13 ? d::certificate13 : d::certificate12, body);
        break;
    case wire::handshake_type::certificate_request:
        if (tls13) {
            add_message_seed(d::certificate_request13, body);
            r.vec8();
            add_message_seed(d::extensions_certificate_request, r.vec16());
        } else {
            add_message_seed(d::certificate_request12, body);
        }
        break;
    case wire::handshake_type::server_key_exchange:
        add_message_seed(d::server_key_exchange, body);
        break;
    case wire::handshake_type::client_key_exchange:
        add_message_seed(d::client_key_exchange, body);
        break;
    case wire::handshake_type::certificate_verify:
        add_message_seed(d::certificate_verify, body);
        break;
    case wire::handshake_type::new_session_ticket:
        add_message_seed(d::new_session_ticket, body);
        break;
    case wire::handshake_type::key_update:
        add_message_seed(d::key_update, body);
        break;
    default:
        break;
    }
}

/// A handshake message of type `t` whose body `body(w)` writes; the
/// encoders' errors end the run, as a broken seed would mislead the fuzzer.
template <class Body>
fuzz::bytes built(wire::handshake_type t, Body&& body)
{
    fuzz::bytes out;
    error_code ec;
    wire::encode_handshake(out, t, [&](wire::writer& w) { ec = body(w); });
    if (ec)
        throw std::runtime_error("a resumption seed does not encode: " + ec.message());
    return out;
}

/// Resumption messages no handshake above sends: a ClientHello offering two
/// PSKs (pre_shared_key last, RFC 8446 §4.2.11) and asking for a TLS 1.2
/// ticket, a ServerHello selecting one, and both NewSessionTickets.
void resumption_seeds()
{
    using wire::handshake_type;
    const fuzz::bytes identity = fuzz::pattern(40, 7);
    const fuzz::bytes binder = fuzz::pattern(32, 8);
    wire::client_hello ch;
    ch.legacy_version = wire::version_tls12;
    ch.cipher_suites = {0x1301, 0xc02b};
    ch.compression_methods = wire::compression_null;
    ch.ext.add_session_ticket({})
        .add_supported_versions({wire::version_tls13, wire::version_tls12})
        .add_key_shares({{named_group::x25519, binder}})
        .add_psk_modes({wire::psk_dhe_ke})
        .add_psks({{{identity, 1000}, {binder, 0}}, {binder, binder}});
    add_message(built(handshake_type::client_hello, [&](wire::writer& w) { return encode_client_hello(w, ch); }),
                true);

    wire::server_hello sh;
    sh.legacy_version = wire::version_tls12;
    sh.cipher_suite = 0x1301;
    sh.ext.add_supported_versions({wire::version_tls13}).add_key_share({named_group::x25519, binder}).add_selected_psk(1);
    add_message(built(handshake_type::server_hello, [&](wire::writer& w) { return encode_server_hello(w, sh); }),
                true);

    const wire::new_session_ticket13 nst13{7200, 0x01020304, binder, identity, 0x4000};
    add_message(built(handshake_type::new_session_ticket,
                      [&](wire::writer& w) {
                          encode_new_session_ticket13(w, nst13);
                          return error_code{};
                      }),
                true);
    const wire::new_session_ticket12 nst12{7200, identity};
    add_message(built(handshake_type::new_session_ticket,
                      [&](wire::writer& w) {
                          encode_new_session_ticket12(w, nst12);
                          return error_code{};
                      }),
                false);
}

std::string label(const fuzz::setup& s)
{
    std::string l = s.max_version == tls_version::tls13 ? "tls13" : "tls12";
    l += s.client_cert ? "-cert" : "-nocert";
    if (s.require_client_cert)
        l += "-required";
    if (s.client_group != s.server_group)
        l += "-hrr";
    return l;
}

void conversation_seeds()
{
    const fuzz::setup target{}; // the engine fuzz_server and fuzz_client build
    std::vector<fuzz::setup> peers;
    for (auto v : {tls_version::tls13, tls_version::tls12})
        for (bool cert : {true, false})
            for (bool required : {false, true}) {
                fuzz::setup s;
                s.max_version = v;
                s.client_cert = cert;
                s.require_client_cert = required;
                peers.push_back(s);
            }

    auto record = [](const conversation& c) {
        for (bool to_server : {true, false}) {
            const bool tls13 = c.pair->client.handshake_done() && c.pair->client.info().version == tls_version::tls13;
            for (const auto& m : c.messages(to_server))
                add_message(m, tls13);
        }
    };

    for (auto peer : peers) {
        if (peer.require_client_cert)
            continue; // the client side decides here
        for (bool hrr : {false, true}) {
            peer.client_group = hrr ? named_group::secp256r1 : named_group::x25519;
            conversation c(peer, target);
            record(c);
            const auto bytes = c.stream(true);
            // The point of these seeds: replayed into a fresh server of
            // fuzz_server, they get through to all the application data.
            auto server = fuzz::make_server(target);
            fuzz::bytes read;
            fuzz::feed_all(server, bytes, read);
            if (read.empty() || read != c.pair->client_wrote)
                throw std::runtime_error("fuzz_server seed " + label(peer) + " does not replay");
            write_seed("fuzz_server", label(peer) + (hrr ? "-hrr" : ""), bytes);
            write_seed("fuzz_server", label(peer) + (hrr ? "-hrr" : "") + "-hello", c.pair->flights.front().data);
        }
    }
    for (auto peer : peers) {
        if (!peer.client_cert)
            continue; // the server side decides here
        for (bool hrr : {false, true}) {
            peer.server_group = hrr ? named_group::secp256r1 : named_group::x25519;
            conversation c(target, peer);
            record(c);
            auto client = fuzz::make_client(target);
            fuzz::drain(client);
            fuzz::bytes read;
            fuzz::feed_all(client, c.stream(false), read);
            if (read.empty() || read != c.pair->server_wrote)
                throw std::runtime_error("fuzz_client seed " + label(peer) + " does not replay");
            write_seed("fuzz_client", label(peer) + (hrr ? "-hrr" : ""), c.stream(false));
        }
    }
    resumption_seeds();
    int n = 0;
    for (const auto& m : message_seeds)
        write_seed("fuzz_messages", "message-" + std::to_string(n++), m);
}

void handshake_seeds()
{
    // Every configuration untouched; edits and injections only for a few, as
    // each seed is a whole handshake and the fuzzer moves between
    // configurations with one bit anyway.
    for (unsigned config = 0; config < 16; ++config) {
        fuzz::setup s;
        s.max_version = (config & 1u) ? tls_version::tls12 : tls_version::tls13;
        s.client_cert = (config & 2u) != 0;
        s.require_client_cert = (config & 4u) != 0;
        if (config & 8u)
            s.server_group = named_group::secp256r1;
        const std::string name = "config-" + std::to_string(config);
        const auto cfg = static_cast<std::uint8_t>(config);
        write_seed("fuzz_handshake", name, fuzz::bytes{std::byte{cfg}});
        if (s.max_version == tls_version::tls13)
            write_seed("fuzz_handshake", name + "-keyupdate", fuzz::bytes{std::byte(cfg | 0x40u)});
        // TLS 1.3 and 1.2 with a client certificate, TLS 1.3 with HRR.
        if (config != 2 && config != 3 && config != 10)
            continue;
        // One flipped byte in each flight, past the first record header.
        const conversation c(s, s);
        for (std::size_t k = 0; k < c.pair->flights.size() && k < 256; ++k) {
            const fuzz::bytes seed{std::byte(cfg | 0x10u), std::byte(k), std::byte{0}, std::byte{0},
                                   std::byte{0}, std::byte{8}, std::byte{0x01}};
            write_seed("fuzz_handshake", name + "-edit-" + std::to_string(k), seed);
        }
        // Replays of records each end received, and a plaintext application
        // data record.
        for (std::uint8_t to_server : {std::uint8_t{0}, std::uint8_t{1}}) {
            const fuzz::bytes replay{std::byte(cfg | 0x20u), std::byte{to_server}, std::byte{1}, std::byte{0},
                                     std::byte{0}, std::byte{1}, std::byte{0xFF}, std::byte{0xFF}};
            write_seed("fuzz_handshake", name + "-replay-" + std::to_string(to_server), replay);
            const fuzz::bytes forged{std::byte(cfg | 0x20u), std::byte{to_server}, std::byte{0}, std::byte{23},
                                     std::byte{4}, std::byte{'d'}, std::byte{'a'}, std::byte{'t'}, std::byte{'a'}};
            write_seed("fuzz_handshake", name + "-plaintext-" + std::to_string(to_server), forged);
        }
    }
}

void record_seeds()
{
    auto put16 = [](fuzz::bytes& b, std::size_t v) {
        b.push_back(std::byte{static_cast<std::uint8_t>(v >> 8)});
        b.push_back(std::byte{static_cast<std::uint8_t>(v)});
    };
    auto rec = [&](fuzz::bytes& b, std::uint8_t type, fuzz::bytes_view payload) {
        b.push_back(std::byte{0x00});
        b.push_back(std::byte{type});
        put16(b, payload.size());
        b.insert(b.end(), payload.begin(), payload.end());
    };
    auto generated = [&](fuzz::bytes& b, std::uint8_t type, std::size_t n) {
        b.push_back(std::byte{0xC0});
        b.push_back(std::byte{type});
        put16(b, n);
    };
    const fuzz::bytes hello{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{2}, std::byte{3}, std::byte{3}};
    const fuzz::bytes alert{std::byte{1}, std::byte{0}};
    const fuzz::bytes ccs{std::byte{1}};
    const fuzz::bytes zeros(8);
    for (unsigned mode = 0; mode < 4; ++mode) {
        const std::string m = "mode-" + std::to_string(mode);
        // Delivery in 16-byte pieces, then whole.
        for (std::uint8_t chunk : {std::uint8_t{0x40}, std::uint8_t{0xF0}}) {
            const std::string name = m + (chunk == 0x40 ? "-chunked" : "-whole");
            fuzz::bytes b{std::byte(chunk | mode)};
            rec(b, 22, hello);
            rec(b, 20, ccs);
            rec(b, 21, alert);
            rec(b, 23, fuzz::pattern(100, 5));
            rec(b, 23, {});
            b.push_back(std::byte{0x80}); // rekey
            rec(b, 23, fuzz::pattern(10, 6));
            generated(b, 23, 1u << 14);
            write_seed("fuzz_record", name, b);

            fuzz::bytes over{std::byte(chunk | mode)};
            generated(over, 23, (1u << 14) + 1);
            write_seed("fuzz_record", name + "-overflow", over);

            fuzz::bytes odd{std::byte(chunk | mode | 0x0C)};
            rec(odd, 0, zeros); // TLS 1.3: all padding, no content type
            rec(odd, 24, hello);
            odd.push_back(std::byte{0x40});
            odd.push_back(std::byte{3});
            odd.insert(odd.end(), {std::byte{22}, std::byte{3}, std::byte{1}});
            write_seed("fuzz_record", name + "-odd", odd);
        }
    }
}

void session_seeds()
{
    detail::ticket_keys keys(mtls::crypto::mbedtls_provider(), 3600);
    if (keys.set(fuzz::session_ticket_key_records()))
        throw std::runtime_error("fuzz_session's ticket keys are refused");
    for (auto version : {tls_version::tls12, tls_version::tls13}) {
        detail::session_state s;
        s.version = version;
        s.suite = version == tls_version::tls12 ? cipher_suite::tls_ecdhe_ecdsa_with_aes_128_gcm_sha256
                                                : cipher_suite::tls_aes_128_gcm_sha256;
        s.secret.assign(fuzz::pattern(version == tls_version::tls12 ? 48 : 32, 7));
        s.extended_master_secret = version == tls_version::tls12;
        s.issued = 1'700'000'000;
        s.lifetime = 7200;
        s.age_add = 0x01020304;
        s.server_name = "server.test";
        s.alpn = "h2";
        s.peer_certificates = {fuzz::test_credentials().server, fuzz::test_credentials().ca};
        s.peer_subject = "CN=server.test";
        s.ticket = fuzz::pattern(version == tls_version::tls13 ? 100 : 0, 8);
        s.session_id = fuzz::pattern(version == tls_version::tls12 ? 32 : 0, 9);
        const std::string name(to_string(version));
        // The first byte picks the parser: even parse_session, odd open.
        fuzz::bytes plain{std::byte{0}};
        detail::encode_session(plain, s);
        write_seed("fuzz_session", name + "-session", plain);
        fuzz::bytes ticket;
        keys.seal(fuzz::bytes_view(plain).subspan(1), ticket, 0);
        ticket.insert(ticket.begin(), std::byte{1});
        write_seed("fuzz_session", name + "-ticket", ticket);
    }
}

void certificate_seeds()
{
    const auto& c = fuzz::test_credentials();
    const std::pair<const char*, fuzz::bytes> certificates[] = {
        {"ca", c.ca}, {"server", c.server}, {"client", c.client}, {"names", fuzz::certificate_with_names()}};
    // The first byte picks: even a certificate, odd a pattern and a URI.
    for (const auto& [name, der] : certificates) {
        fuzz::bytes seed{std::byte{0}};
        seed.insert(seed.end(), der.begin(), der.end());
        write_seed("fuzz_certificate", name, seed);
    }
    const std::pair<const char*, std::string_view> patterns[] = {
        {"spiffe", "spiffe://example.org/ns/*/sa/billing\nspiffe://EXAMPLE.org/ns/prod/sa/billing"},
        {"userinfo", "https://ann@example.test:8443/a/*\nhttps://ann@example.test:8443/a/b"},
        {"urn", "urn:example:billing\nURN:example:billing"},
    };
    for (const auto& [name, text] : patterns) {
        fuzz::bytes seed{std::byte{1}};
        for (char ch : text)
            seed.push_back(std::byte(static_cast<std::uint8_t>(ch)));
        write_seed("fuzz_certificate", std::string("pattern-") + name, seed);
    }
}

fuzz::bytes with_mode(std::uint8_t mode, const std::vector<unsigned char>& body)
{
    fuzz::bytes seed{std::byte{mode}};
    for (unsigned char b : body)
        seed.push_back(std::byte{b});
    return seed;
}

std::vector<unsigned char> unsigned_bytes(const fuzz::bytes& b)
{
    std::vector<unsigned char> out;
    for (std::byte x : b)
        out.push_back(static_cast<unsigned char>(x));
    return out;
}

// RFC 7468 §11: the PEM of an EncryptedPrivateKeyInfo.
std::vector<unsigned char> encrypted_pem(const std::vector<unsigned char>& der)
{
    std::vector<unsigned char> b64(der.size() * 4 / 3 + 4);
    std::size_t n = 0;
    if (mbedtls_base64_encode(b64.data(), b64.size(), &n, der.data(), der.size()) != 0)
        throw std::runtime_error("base64");
    std::string text = "-----BEGIN ENCRYPTED PRIVATE KEY-----\n";
    for (std::size_t i = 0; i < n; i += 64)
        text.append(reinterpret_cast<const char*>(b64.data()) + i, std::min<std::size_t>(64, n - i)).append("\n");
    text += "-----END ENCRYPTED PRIVATE KEY-----\n";
    return {text.begin(), text.end()};
}

// The first byte picks: 0 DER with the password, 1 without, 2 PEM.
void pkcs8_seeds()
{
    const auto& c = fuzz::test_credentials();
    const auto key = unsigned_bytes(c.client_key);
    struct variant {
        const char* name;
        std::string prf; // empty: HMAC-SHA1 by default
        mbedtls_md_type_t md;
        std::string cipher;
        mbedtls_cipher_type_t type;
        std::size_t key_length;
        std::size_t iv_length;
    };
    const variant variants[] = {
        {"sha1-aes128", "", MBEDTLS_MD_SHA1, MBEDTLS_OID_AES "\x02", MBEDTLS_CIPHER_AES_128_CBC, 16, 16},
        {"sha256-aes256", MBEDTLS_OID_HMAC_SHA256, MBEDTLS_MD_SHA256, MBEDTLS_OID_AES "\x2a",
         MBEDTLS_CIPHER_AES_256_CBC, 32, 16},
        {"sha512-aes192", MBEDTLS_OID_HMAC_SHA512, MBEDTLS_MD_SHA512, MBEDTLS_OID_AES "\x16",
         MBEDTLS_CIPHER_AES_192_CBC, 24, 16},
        {"sha224-des3", MBEDTLS_OID_HMAC_SHA224, MBEDTLS_MD_SHA224, MBEDTLS_OID_DES_EDE3_CBC,
         MBEDTLS_CIPHER_DES_EDE3_CBC, 24, 8},
    };
    for (const auto& v : variants) {
        test::pbes2_spec spec;
        spec.prf_oid = v.prf;
        spec.md = v.md;
        spec.cipher_oid = v.cipher;
        spec.cipher = v.type;
        spec.key_length = v.key_length;
        spec.iv_length = v.iv_length;
        spec.iterations = 16;
        const auto der = test::pbes2_encrypt(key, "fuzz password", spec);
        write_seed("fuzz_pkcs8", v.name, with_mode(0, der));
        write_seed("fuzz_pkcs8", std::string(v.name) + "-no-password", with_mode(1, der));
        write_seed("fuzz_pkcs8", std::string(v.name) + "-pem", with_mode(2, encrypted_pem(der)));
    }
    test::pbes2_spec bad;
    bad.iterations = 16;
    bad.bad_padding = true;
    write_seed("fuzz_pkcs8", "bad-padding", with_mode(0, test::pbes2_encrypt(key, "fuzz password", bad)));
    write_seed("fuzz_pkcs8", "plain", with_mode(0, key));
    write_seed("fuzz_pkcs8", "certificate", with_mode(0, unsigned_bytes(c.client)));
}

} // namespace

// Byte 0 picks the scheme (its index in crypto::schemes) and, plus the
// table's size, a signature over the digest; then the SPKI's length and the
// SPKI, then the signature.
void public_key_seeds()
{
    const auto& c = fuzz::test_credentials();
    const crypto::provider& p = crypto::mbedtls_provider();
    const auto signer = p.load_signing_key(c.server_key);
    if (!signer)
        throw std::runtime_error("the server key does not load");
    const auto signature = signer->sign(
        signature_scheme::ecdsa_secp256r1_sha256,
        {reinterpret_cast<const std::byte*>(fuzz::public_key_message.data()), fuzz::public_key_message.size()});
    const auto scheme = static_cast<std::uint8_t>(
        std::find_if(crypto::schemes.begin(), crypto::schemes.end(),
                     [](const auto& r) { return r.id == signature_scheme::ecdsa_secp256r1_sha256; }) -
        crypto::schemes.begin());
    const std::pair<const char*, const fuzz::bytes*> certificates[] = {
        {"ca", &c.ca}, {"server", &c.server}, {"client", &c.client}};
    for (const auto& [name, der] : certificates) {
        error_code ec;
        const auto cert = crypto::certificate::parse_der(*der, ec);
        if (ec)
            throw std::runtime_error(std::string("the credentials' ") + name + " certificate does not parse");
        const auto spki = cert.public_key_der();
        for (const bool over_digest : {false, true}) {
            const auto selector = static_cast<std::uint8_t>(scheme + (over_digest ? crypto::schemes.size() : 0));
            fuzz::bytes seed{std::byte{selector}, std::byte{static_cast<std::uint8_t>(spki.size() >> 8)},
                             std::byte{static_cast<std::uint8_t>(spki.size())}};
            seed.insert(seed.end(), spki.begin(), spki.end());
            seed.insert(seed.end(), signature.begin(), signature.end());
            write_seed("fuzz_public_key", std::string(name) + (over_digest ? "-digest" : ""), seed);
        }
    }
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    // Seeds of an older version must not linger; only the targets' own
    // directories are removed.
    for (const char* target : targets)
        fs::remove_all(out_dir / target);
    try {
        conversation_seeds();
        handshake_seeds();
        record_seeds();
        session_seeds();
        certificate_seeds();
        pkcs8_seeds();
        public_key_seeds();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_corpus: %s\n", e.what());
        return 1;
    }
    std::size_t total = 0;
    for (const char* target : targets) {
        const auto n = std::distance(fs::directory_iterator(out_dir / target), fs::directory_iterator{});
        std::printf("%s: %td seeds\n", target, n);
        total += static_cast<std::size_t>(n);
    }
    std::printf("%zu seeds in %s\n", total, out_dir.string().c_str());
    return 0;
}
