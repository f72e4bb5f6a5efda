#include "session_state.hpp"

#include "crypto/vocabulary.hpp"
#include "wire/codec.hpp"

#include <stdexcept>

namespace mtls::detail {
namespace {

// Format 1, all integers big-endian. Every length prefix is wider than its
// field's bound, so the parser checks each bound itself:
//   u8 tag (1) | u16 version | u16 suite | u8 ems (0/1) | u64 issued
//   | u32 lifetime | u32 age_add | u16 len, server_name | u16 len, alpn
//   | u8 count, count x (u32 len, certificate) | u24 len, peer_subject
//   | u24 len, ticket | u8 len, session_id | u8 len, secret
// The secret comes last: once it is written the output grows no more, so
// no reallocated-away buffer is left holding it.
constexpr std::uint8_t format_tag = 0x01;

// Seconds an `issued` time may lie ahead of the local clock: the peer's
// clock (TLS 1.3 tickets' issued is the client's receive time, but stored
// sessions may move between machines) is never exactly ours, and refusing
// a session for a few seconds of drift would only cost a full handshake.
constexpr std::uint64_t clock_skew = 60;

constexpr std::size_t max_session_id_size = 32;   // RFC 5246 §7.4.1.2
constexpr std::size_t max_server_name_size = 255; // RFC 6066 §3 (a DNS name)
constexpr std::size_t max_alpn_size = 255;        // RFC 7301 §3.1
constexpr std::size_t max_subject_size = 64 * 1024;

struct field {
    std::size_t width; // bytes of the length prefix
    std::size_t min;
    std::size_t max;
};

constexpr field secret_field{1, 1, crypto::secret::capacity};
constexpr field server_name_field{2, 0, max_server_name_size};
constexpr field alpn_field{2, 0, max_alpn_size};
constexpr field certificate_field{4, 0, max_session_certificate_size};
constexpr field subject_field{3, 0, max_subject_size};
constexpr field ticket_field{3, 0, max_session_ticket_size};
constexpr field session_id_field{1, 0, max_session_id_size};

// A suite mtls implements, of the version given; every suite row is of
// TLS 1.2 or 1.3, so no other version passes.
bool known(tls_version v, cipher_suite s) noexcept
{
    const auto* row = crypto::find_row(crypto::suites, s);
    return row && row->version == v;
}

crypto::bytes_view as_bytes(const std::string& s) noexcept
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void put(wire::writer& w, const field& f, crypto::bytes_view b)
{
    // What encode writes, parse must read back: a state beyond the bounds
    // is a caller's error, not something to serialise.
    if (b.size() < f.min || b.size() > f.max)
        throw std::length_error("mtls: session field out of bounds");
    w.prefixed(f.width, [&] { w.bytes(b); });
}

/// The field's bytes, or empty with `r` failed when its length is out of bounds.
crypto::bytes_view take(wire::reader& r, const field& f) noexcept
{
    std::size_t n = 0;
    switch (f.width) {
    case 1: n = r.u8(); break;
    case 2: n = r.u16(); break;
    case 3: n = r.u24(); break;
    default: n = r.u32(); break;
    }
    if (n < f.min || n > f.max) {
        r.fail();
        return {};
    }
    return r.bytes(n);
}

std::string take_string(wire::reader& r, const field& f)
{
    auto b = take(r, f);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::vector<std::byte> take_vector(wire::reader& r, const field& f)
{
    auto b = take(r, f);
    return {b.begin(), b.end()};
}

void write_fields(std::vector<std::byte>& out, const session_state& s)
{
    wire::writer w(out);
    w.u8(format_tag);
    w.u16(static_cast<std::uint16_t>(s.version));
    w.u16(static_cast<std::uint16_t>(s.suite));
    w.u8(s.extended_master_secret ? 1 : 0);
    w.u64(s.issued);
    w.u32(s.lifetime);
    w.u32(s.age_add);
    put(w, server_name_field, as_bytes(s.server_name));
    put(w, alpn_field, as_bytes(s.alpn));
    w.u8(static_cast<std::uint8_t>(s.peer_certificates.size()));
    for (const auto& c : s.peer_certificates)
        put(w, certificate_field, c);
    put(w, subject_field, as_bytes(s.peer_subject));
    put(w, ticket_field, s.ticket);
    put(w, session_id_field, s.session_id);
    put(w, secret_field, s.secret.view());
}

} // namespace

bool session_state::expired(std::uint64_t now) const noexcept
{
    if (issued > now)
        return issued - now > clock_skew;
    return now - issued >= lifetime;
}

bool storable(const session_state& s) noexcept
{
    auto fits = [](const field& f, std::size_t n) { return f.min <= n && n <= f.max; };
    bool ok = known(s.version, s.suite) && s.lifetime <= max_session_lifetime &&
              s.peer_certificates.size() <= max_session_certificates &&
              fits(server_name_field, s.server_name.size()) && fits(alpn_field, s.alpn.size()) &&
              fits(subject_field, s.peer_subject.size()) && fits(ticket_field, s.ticket.size()) &&
              fits(session_id_field, s.session_id.size()) && fits(secret_field, s.secret.size());
    for (const auto& c : s.peer_certificates)
        ok = ok && fits(certificate_field, c.size());
    return ok;
}

void encode_session(std::vector<std::byte>& out, const session_state& s)
{
    if (!known(s.version, s.suite) || s.lifetime > max_session_lifetime ||
        s.peer_certificates.size() > max_session_certificates)
        throw std::invalid_argument("mtls: session state mtls cannot resume");
    const auto start = out.size();
    try {
        write_fields(out, s);
    } catch (...) {
        out.resize(start); // the secret, written last, is not in a partial output
        throw;
    }
}

error_code parse_session(crypto::bytes_view in, session_state& out)
{
    wire::reader r(in);
    session_state s;
    if (r.u8() != format_tag)
        return error::bad_session;
    s.version = static_cast<tls_version>(r.u16());
    s.suite = static_cast<cipher_suite>(r.u16());
    if (!known(s.version, s.suite))
        return error::bad_session;
    const auto ems = r.u8();
    if (ems > 1)
        return error::bad_session;
    s.extended_master_secret = ems == 1;
    s.issued = r.u64();
    s.lifetime = r.u32();
    s.age_add = r.u32();
    // RFC 8446 §4.6.1: no ticket lifetime beyond seven days.
    if (s.lifetime > max_session_lifetime)
        return error::bad_session;
    s.server_name = take_string(r, server_name_field);
    s.alpn = take_string(r, alpn_field);
    const std::size_t count = r.u8();
    if (count > max_session_certificates)
        return error::bad_session;
    // Each certificate is copied only once the reader has its bytes, so
    // nothing is allocated beyond what the input holds.
    for (std::size_t i = 0; i < count && r.ok(); ++i)
        s.peer_certificates.push_back(take_vector(r, certificate_field));
    s.peer_subject = take_string(r, subject_field);
    s.ticket = take_vector(r, ticket_field);
    s.session_id = take_vector(r, session_id_field);
    s.secret.assign(take(r, secret_field));
    if (!r.done())
        return error::bad_session;
    out = std::move(s);
    return {};
}

} // namespace mtls::detail
