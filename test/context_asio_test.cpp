// The Asio spellings of mtls::context and tls_stream (context.hpp, "Asio's
// spellings"; docs/migrating-from-asio-ssl.md): each overload loads or sets
// what its arguments say, shown by a handshake or a load whose outcome
// depends on it.

#define BOOST_TEST_MODULE context_asio
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/pump.hpp"

#include "crypto/pki.hpp"

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/system/system_error.hpp>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

// Code written for asio::ssl names these.
static_assert(std::is_same_v<stream_base, tls_stream_base>);
static_assert(stream_base::client == role::client && stream_base::server == role::server);
static_assert(std::is_same_v<context::file_format, file_format>);
static_assert(context::pem == file_format::pem && context::asn1 == file_format::asn1);

std::string read_text(std::string_view name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::byte> read_bytes(std::string_view name)
{
    const auto s = read_text(name);
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

// The first certificate of a PEM file, as DER.
std::vector<std::byte> der_of(std::string_view name)
{
    error_code ec;
    const auto certs = crypto::certificate::parse_all(read_bytes(name), file_format::pem, ec);
    BOOST_TEST_REQUIRE(!ec);
    const auto der = certs.front().der();
    return {der.begin(), der.end()};
}

// An error_code that is set, for checking that an overload clears it.
error_code stale()
{
    return make_error_code(error::invalid_configuration);
}

// A server context without credentials: each test loads them its own way.
context bare_server()
{
    context ctx;
    ctx.load_verify_file(cert_path("ca.pem"));
    return ctx;
}

// A client trusting ca.pem completes a handshake with `server`.
void check_serves(const context& server)
{
    engine_pair p(client_context(), server);
    const bool ok = p.handshake();
    BOOST_TEST(ok, "client: " << describe(p.client.error()) << "; server: " << describe(p.server.error()));
}

// The error the client of a handshake with `server` failed with.
error_code client_failure(const context& client, const context& server)
{
    engine_pair p(client, server);
    BOOST_TEST(!p.handshake());
    return cause_code(p.client.error());
}

} // namespace

BOOST_AUTO_TEST_SUITE(own_credentials)

// server-chain.pem is a leaf under intermediate-ca: a client trusting ca.pem
// accepts it only when the intermediate was loaded and sent too.
BOOST_AUTO_TEST_CASE(use_certificate_chain_from_a_buffer_loads_the_whole_chain)
{
    const auto pem = read_text("server-chain.pem");
    const auto load = [&](auto&& how) {
        auto ctx = bare_server();
        how(ctx);
        ctx.use_private_key_file(cert_path("server-chain.key"));
        return ctx;
    };
    check_serves(load([&](context& c) { c.use_certificate_chain(boost::asio::buffer(pem)); }));
    std::string writable = pem;
    check_serves(load(
        [&](context& c) { c.use_certificate_chain(boost::asio::mutable_buffer(writable.data(), writable.size())); }));
    check_serves(load([&](context& c) {
        error_code ec = stale();
        c.use_certificate_chain(boost::asio::buffer(pem), ec);
        BOOST_TEST(!ec, describe(ec));
    }));
    check_serves(load([&](context& c) {
        error_code ec = stale();
        c.use_certificate_chain(read_bytes("server-chain.pem"), ec);
        BOOST_TEST(!ec, describe(ec));
    }));

    context ctx;
    error_code ec;
    ctx.use_certificate_chain(boost::asio::buffer(std::string("not a certificate")), ec);
    BOOST_TEST(ec);
    BOOST_CHECK_THROW(ctx.use_certificate_chain(boost::asio::buffer(std::string("x"))), boost::system::system_error);
}

// Asio's use_certificate: one certificate, without intermediates.
BOOST_AUTO_TEST_CASE(use_certificate_loads_the_first_certificate_only)
{
    const auto pem = read_text("server-ecdsa.pem");
    const auto der = der_of("server-ecdsa.pem");
    using loader = std::function<void(context&)>;
    const std::vector<std::pair<std::string, loader>> spellings{
        {"span, pem", [&](context& c) { c.use_certificate(read_bytes("server-ecdsa.pem")); }},
        {"span, asn1", [&](context& c) { c.use_certificate(der, context::asn1); }},
        {"span, asn1, ec",
         [&](context& c) {
             error_code ec = stale();
             c.use_certificate(der, context::asn1, ec);
             BOOST_TEST(!ec, describe(ec));
         }},
        {"span, ec",
         [&](context& c) {
             error_code ec = stale();
             c.use_certificate(read_bytes("server-ecdsa.pem"), ec);
             BOOST_TEST(!ec, describe(ec));
         }},
        {"buffer, pem", [&](context& c) { c.use_certificate(boost::asio::buffer(pem), context::pem); }},
        {"buffer, asn1, ec",
         [&](context& c) {
             error_code ec = stale();
             c.use_certificate(boost::asio::buffer(der), context::asn1, ec);
             BOOST_TEST(!ec, describe(ec));
         }},
        {"file", [&](context& c) { c.use_certificate_file(cert_path("server-ecdsa.pem"), context::pem); }},
        {"file, ec",
         [&](context& c) {
             error_code ec = stale();
             c.use_certificate_file(cert_path("server-ecdsa.pem"), context::pem, ec);
             BOOST_TEST(!ec, describe(ec));
         }},
    };
    for (const auto& [name, load] : spellings) {
        BOOST_TEST_CONTEXT(name)
        {
            auto ctx = bare_server();
            load(ctx);
            ctx.use_private_key_file(cert_path("server-ecdsa.key"));
            check_serves(ctx);
        }
    }

    // From a chain file only the leaf is taken, so the client cannot reach its CA.
    auto leaf_only = bare_server();
    leaf_only.use_certificate_file(cert_path("server-chain.pem"));
    leaf_only.use_private_key_file(cert_path("server-chain.key"));
    BOOST_TEST(describe(client_failure(client_context(), leaf_only)) ==
               describe(make_error_code(error::certificate_untrusted)));

    context ctx;
    error_code ec;
    ctx.use_certificate_file(cert_path("no-such-file.pem"), context::pem, ec);
    BOOST_TEST(ec == boost::system::errc::no_such_file_or_directory);
    ctx.use_certificate(read_bytes("server-ecdsa.pem"), context::asn1, ec);
    BOOST_TEST(ec);
    // Garbage is the context's own input, not a peer's certificate.
    const std::string garbage = "not a certificate";
    ctx.use_certificate(std::as_bytes(std::span(garbage)), context::asn1, ec);
    BOOST_TEST(ec == make_error_code(error::bad_local_certificate), describe(ec));
    // The throwing form names the file, as the other file overloads do.
    BOOST_CHECK_EXCEPTION(
        ctx.use_certificate_file(cert_path("server-ecdsa.key")), boost::system::system_error,
        [](const boost::system::system_error& e) { return contains(e.what(), cert_path("server-ecdsa.key")); });
}

BOOST_AUTO_TEST_CASE(use_private_key_spellings_load_the_key)
{
    const auto pem = read_text("server-ecdsa.key");
    using loader = std::function<void(context&, error_code&)>;
    const std::vector<std::pair<std::string, loader>> spellings{
        {"buffer, pem",
         [&](context& c, error_code& ec) {
             c.use_private_key(boost::asio::buffer(pem), context::pem);
             ec = {}; // it throws on failure
         }},
        {"buffer, pem, ec",
         [&](context& c, error_code& ec) { c.use_private_key(boost::asio::buffer(pem), context::pem, ec); }},
        {"span, ec", [&](context& c, error_code& ec) { c.use_private_key(read_bytes("server-ecdsa.key"), ec); }},
        {"file, ec", [&](context& c, error_code& ec) { c.use_private_key_file(cert_path("server-ecdsa.key"), ec); }},
    };
    for (const auto& [name, load] : spellings) {
        BOOST_TEST_CONTEXT(name)
        {
            auto ctx = bare_server();
            ctx.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
            error_code ec = stale();
            load(ctx, ec);
            BOOST_TEST(!ec, describe(ec));
            check_serves(ctx);
        }
    }

    context ctx;
    error_code ec;
    ctx.use_private_key_file(cert_path("server-ecdsa.pem"), ec);
    BOOST_TEST(ec);
}

BOOST_AUTO_TEST_CASE(certified_key_spellings_with_error_code_read_pem)
{
    const auto chain = read_bytes("server-chain.pem");
    const auto key = read_bytes("server-chain.key");
    error_code ec = stale();
    auto use = bare_server();
    use.use_certified_key(chain, key, ec);
    BOOST_TEST(!ec, describe(ec));
    check_serves(use);

    ec = stale();
    auto add = bare_server();
    add.add_certified_key(chain, key, ec);
    BOOST_TEST(!ec, describe(ec));
    check_serves(add);

    add.add_certified_key(chain, read_bytes("server-rsa.key"), ec);
    BOOST_TEST(ec);
}

BOOST_AUTO_TEST_CASE(an_asio_password_callback_decrypts_keys_for_reading)
{
    const auto encrypted = cert_path("client-ecdsa-encrypted.key");
    std::vector<context::password_purpose> asked;
    const auto secret = [&](std::size_t max_length, context::password_purpose purpose) {
        BOOST_TEST(max_length > 0u);
        asked.push_back(purpose);
        return std::string("secret");
    };

    context throwing;
    throwing.set_password_callback(secret);
    throwing.use_private_key_file(encrypted, context::pem);

    context with_ec;
    error_code ec = stale();
    with_ec.set_password_callback(secret, ec);
    BOOST_TEST(!ec, describe(ec));
    with_ec.use_private_key_file(encrypted, context::pem, ec);
    BOOST_TEST(!ec, describe(ec));
    BOOST_TEST(asked == std::vector<context::password_purpose>(2, context::for_reading),
               boost::test_tools::per_element());

    context mtls_shape;
    ec = stale();
    mtls_shape.set_password_callback([](std::size_t) { return std::string("secret"); }, ec);
    BOOST_TEST(!ec, describe(ec));
    mtls_shape.use_private_key_file(encrypted, context::pem, ec);
    BOOST_TEST(!ec, describe(ec));

    context wrong;
    wrong.set_password_callback([](std::size_t, context::password_purpose) { return std::string("wrong"); });
    wrong.use_private_key_file(encrypted, context::pem, ec);
    BOOST_TEST(ec);
    // Clearing still reads as before the Asio shape was added.
    context cleared;
    cleared.set_password_callback(secret);
    cleared.set_password_callback(nullptr);
    cleared.use_private_key_file(encrypted, context::pem, ec);
    BOOST_TEST(ec);
    cleared.set_password_callback(secret);
    cleared.set_password_callback({});
    cleared.use_private_key_file(encrypted, context::pem, ec);
    BOOST_TEST(ec);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trust_and_policy)

BOOST_AUTO_TEST_CASE(add_certificate_authority_spellings_add_anchors)
{
    const auto pem = read_text("ca.pem");
    using loader = std::function<void(context&, error_code&)>;
    const std::vector<std::pair<std::string, loader>> spellings{
        {"buffer",
         [&](context& c, error_code& ec) {
             c.add_certificate_authority(boost::asio::buffer(pem));
             ec = {}; // it throws on failure
         }},
        {"buffer, ec", [&](context& c, error_code& ec) { c.add_certificate_authority(boost::asio::buffer(pem), ec); }},
        {"span, ec", [&](context& c, error_code& ec) { c.add_certificate_authority(read_bytes("ca.pem"), ec); }},
    };
    for (const auto& [name, load] : spellings) {
        BOOST_TEST_CONTEXT(name)
        {
            context client;
            BOOST_TEST(describe(client_failure(client, server_context())) ==
                       describe(make_error_code(error::certificate_untrusted)));
            error_code ec = stale();
            load(client, ec);
            BOOST_TEST(!ec, describe(ec));
            engine_pair p(client, server_context());
            MTLS_REQUIRE_HANDSHAKE(p);
        }
    }

    context ctx;
    error_code ec;
    ctx.add_certificate_authority(boost::asio::buffer(std::string("garbage")), ec);
    BOOST_TEST(ec);
    BOOST_CHECK_THROW(ctx.add_certificate_authority(boost::asio::buffer(std::string("garbage"))),
                      boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(add_crl_with_error_code_reads_pem)
{
    auto client = client_context();
    error_code ec = stale();
    client.add_crl(read_bytes("int-crl.pem"), ec);
    BOOST_TEST(!ec, describe(ec));
    BOOST_TEST(describe(client_failure(client, server_context("server-revoked-chain"))) ==
               describe(make_error_code(error::certificate_revoked)));
}

BOOST_AUTO_TEST_CASE(verify_setters_with_error_code_apply_and_clear_it)
{
    // A client without trust anchors: refused unless verification is off or
    // the callback overrides it.
    error_code ec = stale();
    context none;
    none.set_verify_mode(verify_none, ec);
    BOOST_TEST(!ec, describe(ec));
    engine_pair unverified(none, server_context());
    MTLS_REQUIRE_HANDSHAKE(unverified);

    int calls = 0;
    ec = stale();
    context overriding;
    overriding.set_verify_callback(
        [&](bool, verify_context&) {
            ++calls;
            return true;
        },
        ec);
    BOOST_TEST(!ec, describe(ec));
    engine_pair overridden(overriding, server_context());
    MTLS_REQUIRE_HANDSHAKE(overridden);
    BOOST_TEST(calls > 0);

    // server-chain has one intermediate: depth 0 refuses it.
    ec = stale();
    auto shallow = client_context();
    shallow.set_verify_depth(0, ec);
    BOOST_TEST(!ec, describe(ec));
    BOOST_TEST(describe(client_failure(shallow, server_context("server-chain"))) ==
               describe(make_error_code(error::certificate_chain_too_long)));
    check_serves(server_context("server-chain"));
}

BOOST_AUTO_TEST_SUITE_END()
