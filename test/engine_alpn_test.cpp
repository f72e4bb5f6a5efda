// ALPN (RFC 7301) between two engines, both versions: the server's
// preference decides, refusals on both sides, and resumption only under the
// application protocol a session was made with (RFC 8446 §4.6.1).

#define BOOST_TEST_MODULE engine_alpn
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "wire/messages.hpp"

#include <boost/system/system_error.hpp>

using namespace mtls;
using namespace mtls::test;

namespace {

const auto alpn_type = wire_value(wire::extension_type::application_layer_protocol_negotiation);

struct pair_of_contexts {
    pair_of_contexts(tls_version v, std::vector<std::string> client_alpn, std::vector<std::string> server_alpn)
        : client(versioned(client_context("client-ecdsa"), v)),
          server(versioned(server_context_requiring_client_cert(), v))
    {
        client.set_alpn_protocols(std::move(client_alpn));
        server.set_alpn_protocols(std::move(server_alpn));
    }
    context client;
    context server;
};

/// The body of an ALPN extension naming `names`.
bytes alpn_body(std::initializer_list<std::string_view> names)
{
    bytes list;
    for (auto n : names) {
        list.push_back(std::byte(static_cast<std::uint8_t>(n.size())));
        for (char c : n)
            list.push_back(std::byte(static_cast<std::uint8_t>(c)));
    }
    bytes body(2);
    set16(body, 0, list.size());
    body.insert(body.end(), list.begin(), list.end());
    return body;
}

} // namespace

BOOST_AUTO_TEST_SUITE(negotiation)

BOOST_AUTO_TEST_CASE(the_server_preference_decides)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            pair_of_contexts c(v, {"h2", "http/1.1"}, {"http/1.1", "h2"});
            engine_pair p(c.client, c.server);
            MTLS_REQUIRE_HANDSHAKE(p);
            BOOST_TEST(p.client.info().alpn == "http/1.1");
            BOOST_TEST(p.server.info().alpn == "http/1.1");
        }
    }
}

BOOST_AUTO_TEST_CASE(nothing_in_common_is_refused)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            pair_of_contexts c(v, {"h2"}, {"http/1.1"});
            engine_pair p(c.client, c.server);
            BOOST_TEST(!p.handshake());
            MTLS_CHECK_FAILURE(p.server, error::no_application_protocol, p.client, alert::no_application_protocol);
        }
    }
}

BOOST_AUTO_TEST_CASE(either_side_without_a_list_negotiates_none)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            for (auto [client, server] : {std::pair{std::vector<std::string>{"h2"}, std::vector<std::string>{}},
                                          std::pair{std::vector<std::string>{}, std::vector<std::string>{"h2"}}}) {
                pair_of_contexts c(v, client, server);
                engine_pair p(c.client, c.server);
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.client.info().alpn.empty());
                BOOST_TEST(p.server.info().alpn.empty());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(server_selects_a_protocol_not_offered)
{
    pair_of_contexts c(tls_version::tls12, {"h2"}, {"h2"});
    engine_pair p(c.client, c.server);
    p.tamper = [](flight& f) {
        if (f.dir == direction::to_client && f.index == 0)
            BOOST_REQUIRE(f.edit(msg::server_hello, [](bytes& sh) {
                BOOST_REQUIRE(replace_extension(sh, alpn_type, alpn_body({"h3"})));
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::alpn_not_offered, p.server, alert::illegal_parameter);
}

BOOST_AUTO_TEST_CASE(server_answers_alpn_that_was_not_asked_for)
{
    pair_of_contexts c(tls_version::tls12, {"h2"}, {"h2"});
    engine_test_hooks strip;
    strip.edit_client_hello = [](std::vector<std::byte>& hello) { BOOST_REQUIRE(remove_extension(hello, alpn_type)); };
    engine_pair p(c.client, c.server, strip);
    // The server still sees no ALPN; make it answer one anyway.
    p.tamper = [](flight& f) {
        if (f.dir == direction::to_client && f.index == 0)
            BOOST_REQUIRE(f.edit(msg::server_hello, [](bytes& sh) {
                auto block = layout_of(sh).extensions;
                bytes e{std::byte{0}, std::byte{16}};
                auto body = alpn_body({"h2"});
                e.push_back(std::byte{0});
                e.push_back(std::byte(static_cast<std::uint8_t>(body.size())));
                e.insert(e.end(), body.begin(), body.end());
                set16(sh, block, get16(sh, block) + e.size());
                sh.insert(sh.end(), e.begin(), e.end());
                fix_handshake_length(sh);
            }));
    };
    BOOST_TEST(!p.handshake());
    MTLS_CHECK_FAILURE(p.client, error::unsupported_extension, p.server, alert::unsupported_extension);
}

BOOST_AUTO_TEST_CASE(protocol_names_are_checked_when_set)
{
    context ctx;
    BOOST_CHECK_THROW(ctx.set_alpn_protocols({"h2", ""}), boost::system::system_error);
    BOOST_CHECK_THROW(ctx.set_alpn_protocols({std::string(256, 'x')}), boost::system::system_error);
    ctx.set_alpn_protocols({std::string(255, 'x')});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(resumption)

BOOST_AUTO_TEST_CASE(only_under_the_same_application_protocol)
{
    for (auto v : versions) {
        BOOST_TEST_CONTEXT(to_string(v))
        {
            pair_of_contexts c(v, {"h2", "http/1.1"}, {"h2", "http/1.1"});
            auto connect = [&](const session& s) {
                engine_pair p(c.client, c.server);
                p.client.set_session(s);
                MTLS_REQUIRE_HANDSHAKE(p);
                BOOST_TEST(p.exchange(pattern(10), pattern(20)));
                BOOST_TEST(p.server.info().resumed == p.client.info().resumed);
                return std::pair{p.server.info().resumed, p.client.session()};
            };
            auto [first_resumed, s] = connect({});
            BOOST_TEST(!first_resumed);
            BOOST_REQUIRE(!s.empty());
            BOOST_TEST(connect(s).first); // same protocol: resumed
            c.server.set_alpn_protocols({"http/1.1", "h2"});
            BOOST_TEST(!connect(s).first); // now http/1.1: a full handshake
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wire_form)

BOOST_AUTO_TEST_CASE(round_trip_and_refusals)
{
    using namespace mtls::wire;
    hello_extensions ext;
    ext.add_alpn({"h2", "http/1.1"});
    std::vector<std::byte> block;
    writer w(block);
    BOOST_REQUIRE(!encode_extensions(w, ext, extensions_in::client_hello));
    hello_extensions parsed;
    BOOST_REQUIRE(!parse_extensions(std::span(block).subspan(2), extensions_in::client_hello, parsed));
    BOOST_TEST((parsed.alpn == std::vector<std::string_view>{"h2", "http/1.1"}));
    // A server answers with exactly one protocol.
    hello_extensions answer;
    BOOST_TEST(parse_extensions(std::span(block).subspan(2), extensions_in::server_hello, answer) ==
               make_error_code(error::decode_error));
    auto refused = [](const bytes& body) {
        bytes b{std::byte{0}, std::byte{16}, std::byte{0}, std::byte(static_cast<std::uint8_t>(body.size()))};
        b.insert(b.end(), body.begin(), body.end());
        hello_extensions out;
        return parse_extensions(b, extensions_in::client_hello, out) == make_error_code(error::decode_error);
    };
    BOOST_TEST(refused(bytes{std::byte{0}, std::byte{0}}));                           // empty list
    BOOST_TEST(refused(bytes{std::byte{0}, std::byte{1}, std::byte{0}}));             // empty name
    BOOST_TEST(refused(bytes{std::byte{0}, std::byte{3}, std::byte{2}, std::byte{'h'}})); // truncated name
}

BOOST_AUTO_TEST_SUITE_END()
