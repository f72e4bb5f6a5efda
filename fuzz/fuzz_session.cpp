// The session storage parsers: parse_session (the bytes of mtls::session,
// server store values, ticket plaintexts) and ticket_keys::open. The first
// input byte picks which: even, the rest is a serialised session; odd, a
// ticket for a fixed set of two keys, whose plaintext, when it opens, is
// parsed too. The format has one encoding per state, so whatever parses must
// encode back to exactly the bytes it came from.

#include "fuzz_support.hpp"

#include "session/session_state.hpp"
#include "session/ticket_keys.hpp"

#include <algorithm>

using namespace mtls;

namespace {

void parse_and_check(fuzz::bytes_view in)
{
    detail::session_state s;
    if (detail::parse_session(in, s))
        return;
    fuzz::bytes again;
    detail::encode_session(again, s);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end()))
        fuzz::oracle_failure("a parsed session does not encode back to its bytes");
}

struct fixed_keys {
    detail::ticket_keys keys{mtls::crypto::mbedtls_provider(), 3600};
    fixed_keys()
    {
        if (keys.set(fuzz::session_ticket_key_records()))
            fuzz::oracle_failure("the fixed ticket key records are refused");
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    // An exact-size copy: ASan flags any read past the input.
    const fuzz::bytes body(reinterpret_cast<const std::byte*>(data + 1),
                           reinterpret_cast<const std::byte*>(data + size));
    if (data[0] % 2 == 0) {
        parse_and_check(body);
        return 0;
    }
    static fixed_keys fixed;
    fuzz::bytes plaintext;
    if (fixed.keys.open(body, plaintext, 0))
        parse_and_check(plaintext);
    return 0;
}
