#ifndef MTLS_TEST_SUPPORT_TLS13_BAD_INPUT_HPP
#define MTLS_TEST_SUPPORT_TLS13_BAD_INPUT_HPP

// What the engine_tls13_bad_*_test files share: contexts, flight predicates
// and message builders for feeding a TLS 1.3 engine malformed input through
// the man in the middle (tls13_mitm.hpp).

#include "support/bytes.hpp"
#include "support/certs.hpp"
#include "support/messages.hpp"
#include "support/records.hpp"
#include "support/tls13_mitm.hpp"

#include <mtls/context.hpp>
#include <mtls/types.hpp>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace mtls::test::mitm {

inline constexpr auto to_server = direction::to_server;
inline constexpr auto to_client = direction::to_client;

inline bool is(const clear_flight& f, direction d, std::size_t index) { return f.dir == d && f.index == index; }

/// The role of the engine that receives direction `d`.
inline role receiver_of(direction d) { return d == to_server ? role::server : role::client; }

/// The flight in direction `d` that carries the sender's Finished: the
/// server's first; the client's second (its first is the ClientHello).
inline bool finished_flight(const clear_flight& f, direction d) { return is(f, d, d == to_client ? 0 : 1); }

/// A server that answers the default client's x25519 share with a
/// HelloRetryRequest for secp256r1 (RFC 8446 §4.1.4).
inline context hrr_server_context()
{
    auto ctx = server_context();
    ctx.set_groups({named_group::secp256r1});
    return ctx;
}

inline void flip_last_byte(bytes& m) { m.back() ^= std::byte{0x01}; }

inline void append_byte(bytes& m)
{
    m.push_back(std::byte{0});
    fix_handshake_length(m);
}

inline bytes ccs_body(std::initializer_list<int> v)
{
    bytes b;
    for (int x : v)
        put8(b, static_cast<std::size_t>(x));
    return b;
}

/// A well-formed NewSessionTicket (RFC 8446 §4.6.1) with `extensions` (the
/// block's content).
inline bytes new_session_ticket(const bytes& extensions = {})
{
    bytes b;
    put16(b, 0);
    put16(b, 7200);        // ticket_lifetime
    put16(b, 0x1234);
    put16(b, 0x5678);      // ticket_age_add
    put8(b, 1);
    put8(b, 0);            // ticket_nonce
    auto ticket = pattern(48, 3);
    put16(b, ticket.size());
    b.insert(b.end(), ticket.begin(), ticket.end());
    put16(b, extensions.size());
    b.insert(b.end(), extensions.begin(), extensions.end());
    return make_handshake(msg::new_session_ticket, b);
}

} // namespace mtls::test::mitm

#endif
