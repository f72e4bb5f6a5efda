// Mistakes made while loading a context's credentials, each with its own
// error and message, raised at load time: a key that does not match its
// certificate (whichever is loaded second), certificate input that does not
// parse or is in the other format, and the path named by every overload that
// reads a file. SSL_CERT_FILE / SSL_CERT_DIR errors name the path too.

#define BOOST_TEST_MODULE context_errors
#include <boost/test/unit_test.hpp>

#include "support/certs.hpp"
#include "support/checks.hpp"

#include "context_impl.hpp"

#include <mtls/context.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

using namespace mtls;
using namespace mtls::test;

namespace {

namespace fs = std::filesystem;

std::vector<std::byte> read_file(const std::string& name)
{
    std::ifstream f(cert_path(name), std::ios::binary);
    BOOST_TEST_REQUIRE(f.good(), "cannot open " << name);
    const std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto b = std::as_bytes(std::span(raw));
    return {b.begin(), b.end()};
}

std::vector<std::byte> text(std::string_view s)
{
    const auto b = std::as_bytes(std::span(s));
    return {b.begin(), b.end()};
}

/// A PEM block that is not a certificate: what a corrupted CA file looks like.
const std::string garbage_pem = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";

/// A directory of its own under the temporary directory, removed at the end.
struct scratch_dir {
    fs::path path = fs::temp_directory_path() / ("mtls-context-errors-" + std::to_string(::getpid()));

    scratch_dir()
    {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~scratch_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, std::string_view content) const
    {
        const auto p = path / name;
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
};

/// The context's first chain and key, as a handshake starting now sees them.
detail::certified_key first_key(const context& ctx)
{
    const auto c = ctx.impl().current_credentials();
    return c->keys.empty() ? detail::certified_key{} : *c->keys.front();
}

struct thrown {
    error_code code;
    std::string what;
};

/// What `f` throws as boost::system::system_error (nothing: empty).
template <class F>
thrown thrown_by(F&& f)
{
    try {
        f();
    } catch (const boost::system::system_error& e) {
        return {e.code(), e.what()};
    }
    return {};
}

} // namespace

/// `ec` is `code` and its message says `text`.
#define CHECK_ERROR(ec, code, text)                                                                                    \
    do {                                                                                                               \
        BOOST_TEST(describe(ec) == describe(make_error_code(code)));                                                   \
        BOOST_TEST(contains((ec).message(), text), (ec).message());                                                    \
    } while (false)

/// `t` (a thrown) carries `expected`, and its what() reads "<function>: <path>: <text>".
#define CHECK_THROWN(t, expected, function, path, text)                                                                \
    do {                                                                                                               \
        BOOST_TEST(((t).code == (expected)), describe((t).code));                                                      \
        BOOST_TEST(contains((t).what, std::string(function) + ": " + (path) + ": " + (text)), (t).what);               \
    } while (false)

BOOST_AUTO_TEST_SUITE(key_mismatch)

BOOST_AUTO_TEST_CASE(a_key_loaded_after_a_chain_for_another_key)
{
    context ctx;
    ctx.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
    error_code ec;
    ctx.use_private_key(read_file("client-ecdsa.key"), file_format::pem, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    ctx.use_private_key_file(cert_path("server-rsa.key"), file_format::pem, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    BOOST_TEST(!first_key(ctx).key);
    BOOST_TEST(first_key(ctx).chain.size() == 1u);

    const auto t = thrown_by([&] { ctx.use_private_key_file(cert_path("client-ecdsa.key")); });
    CHECK_THROWN(t, error::key_mismatch, "mtls::context::use_private_key_file", cert_path("client-ecdsa.key"),
                 "key values mismatch");

    ctx.use_private_key_file(cert_path("server-ecdsa.key"));
    BOOST_TEST(first_key(ctx).usable());
}

BOOST_AUTO_TEST_CASE(a_chain_loaded_after_a_key_for_another_certificate)
{
    context ctx;
    ctx.use_private_key_file(cert_path("server-ecdsa.key"));
    error_code ec;
    ctx.use_certificate_chain(read_file("client-rsa.pem"), file_format::pem, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    // The key loaded first stays, alone, for the right chain to join it.
    BOOST_TEST(first_key(ctx).chain.empty());
    BOOST_TEST(static_cast<bool>(first_key(ctx).key));

    const auto t = thrown_by([&] { ctx.use_certificate_chain_file(cert_path("server-rsa.pem")); });
    CHECK_THROWN(t, error::key_mismatch, "mtls::context::use_certificate_chain_file", cert_path("server-rsa.pem"),
                 "key values mismatch");

    ctx.use_certificate_chain_file(cert_path("server-ecdsa.pem"));
    BOOST_TEST(first_key(ctx).usable());
}

BOOST_AUTO_TEST_CASE(certified_keys_whose_key_is_for_another_chain)
{
    const auto chain = cert_path("server-ecdsa.pem");
    const auto key = cert_path("server-rsa.key");
    context ctx;
    ctx.use_certified_key_file(cert_path("server-rsa.pem"), key);
    error_code ec;
    ctx.use_certified_key(read_file("server-ecdsa.pem"), read_file("server-rsa.key"), file_format::pem, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    ctx.add_certified_key(read_file("server-ecdsa.pem"), read_file("server-rsa.key"), file_format::pem, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    ctx.use_certified_key_file(chain, key, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");
    ctx.add_certified_key_file(chain, key, ec);
    CHECK_ERROR(ec, error::key_mismatch, "key values mismatch");

    // The throwing forms name both files: either may be the wrong one.
    auto t = thrown_by([&] { ctx.use_certified_key_file(chain, key); });
    CHECK_THROWN(t, error::key_mismatch, "mtls::context::use_certified_key_file", chain + ", " + key,
                 "key values mismatch");
    t = thrown_by([&] { ctx.add_certified_key_file(chain, key); });
    CHECK_THROWN(t, error::key_mismatch, "mtls::context::add_certified_key_file", chain + ", " + key,
                 "key values mismatch");

    // Nothing was replaced or added.
    BOOST_TEST(ctx.impl().current_credentials()->keys.size() == 1u);
    BOOST_TEST((first_key(ctx).key->type() == crypto::key_type::rsa));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificate_input)

BOOST_AUTO_TEST_CASE(garbage_is_a_bad_local_certificate)
{
    const scratch_dir dir;
    const auto file = dir.write("garbage.pem", garbage_pem);
    context ctx;
    error_code ec;
    ctx.use_certificate_chain(text(garbage_pem), file_format::pem, ec);
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");
    BOOST_TEST(!contains(ec.message(), "peer"));
    ctx.use_certificate_chain(read_file("server-ecdsa.key"), file_format::pem, ec); // a key, not a chain
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");
    auto der = read_file("client-ecdsa.der");
    der.resize(der.size() / 2);
    ctx.use_certificate_chain(der, file_format::asn1, ec);
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");
    ctx.use_certified_key(text(garbage_pem), read_file("server-ecdsa.key"), file_format::pem, ec);
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");

    auto t = thrown_by([&] { ctx.use_certificate_chain_file(file); });
    CHECK_THROWN(t, error::bad_local_certificate, "mtls::context::use_certificate_chain_file", file,
                 "certificate given to the context cannot be parsed");
    // Of a chain and a key file, the chain is named.
    t = thrown_by([&] { ctx.use_certified_key_file(file, cert_path("server-ecdsa.key")); });
    CHECK_THROWN(t, error::bad_local_certificate, "mtls::context::use_certified_key_file", file,
                 "certificate given to the context cannot be parsed");
    BOOST_TEST(!contains(t.what, "server-ecdsa.key"));
    BOOST_TEST(ctx.impl().current_credentials()->keys.empty());
}

BOOST_AUTO_TEST_CASE(garbage_trust_anchors_are_bad_local_certificates)
{
    const scratch_dir dir;
    const auto file = dir.write("garbage.pem", garbage_pem);
    context ctx;
    error_code ec;
    ctx.add_certificate_authority(text(garbage_pem), file_format::pem, ec);
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");
    ctx.load_verify_file(file, ec);
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");
    ctx.add_verify_path(dir.path.string(), ec); // holds no certificate
    CHECK_ERROR(ec, error::bad_local_certificate, "certificate given to the context cannot be parsed");

    auto t = thrown_by([&] { ctx.load_verify_file(file); });
    CHECK_THROWN(t, error::bad_local_certificate, "mtls::context::load_verify_file", file,
                 "certificate given to the context cannot be parsed");
    t = thrown_by([&] { ctx.add_verify_path(dir.path.string()); });
    CHECK_THROWN(t, error::bad_local_certificate, "mtls::context::add_verify_path", dir.path.string(),
                 "certificate given to the context cannot be parsed");
    BOOST_TEST(ctx.impl().current_credentials()->anchors->empty());
}

BOOST_AUTO_TEST_CASE(pem_loaded_as_der)
{
    context ctx;
    error_code ec;
    ctx.use_certificate_chain(read_file("server-ecdsa.pem"), file_format::asn1, ec);
    CHECK_ERROR(ec, error::pem_loaded_as_der, "input is PEM but was loaded as DER");
    ctx.add_certificate_authority(read_file("ca.pem"), file_format::asn1, ec);
    CHECK_ERROR(ec, error::pem_loaded_as_der, "input is PEM but was loaded as DER");
    ctx.use_certified_key(read_file("server-ecdsa.pem"), read_file("client-ecdsa.key.der"), file_format::asn1, ec);
    CHECK_ERROR(ec, error::pem_loaded_as_der, "input is PEM but was loaded as DER");
    BOOST_TEST(ctx.impl().current_credentials()->keys.empty());
    BOOST_TEST(ctx.impl().current_credentials()->anchors->empty());
}

BOOST_AUTO_TEST_CASE(not_pem)
{
    context ctx;
    error_code ec;
    ctx.use_certificate_chain(read_file("client-ecdsa.der"), file_format::pem, ec);
    CHECK_ERROR(ec, error::not_pem, "input is not PEM");
    ctx.use_certificate_chain({}, file_format::pem, ec);
    CHECK_ERROR(ec, error::not_pem, "input is not PEM");
    ctx.add_certificate_authority(read_file("ca.der"), file_format::pem, ec);
    CHECK_ERROR(ec, error::not_pem, "input is not PEM");

    // The file overloads read PEM: a DER file is named as not PEM.
    const auto der = cert_path("client-ecdsa.der");
    auto t = thrown_by([&] { ctx.use_certificate_chain_file(der); });
    CHECK_THROWN(t, error::not_pem, "mtls::context::use_certificate_chain_file", der, "input is not PEM");
    t = thrown_by([&] { ctx.add_certified_key_file(der, cert_path("client-ecdsa.key")); });
    CHECK_THROWN(t, error::not_pem, "mtls::context::add_certified_key_file", der, "input is not PEM");
    BOOST_TEST(ctx.impl().current_credentials()->keys.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(files_are_named)

BOOST_AUTO_TEST_CASE(a_missing_file_is_named_with_its_errno)
{
    const scratch_dir dir;
    const auto missing = (dir.path / "missing.pem").string();
    const auto chain = cert_path("server-ecdsa.pem");
    const auto key = cert_path("server-ecdsa.key");
    context ctx;
    const auto enoent = make_error_code(boost::system::errc::no_such_file_or_directory);
    const std::string why = enoent.message();
    const struct {
        const char* function;
        std::function<void()> call;
        std::string path;
    } cases[] = {
        {"use_certificate_chain_file", [&] { ctx.use_certificate_chain_file(missing); }, missing},
        {"use_private_key_file", [&] { ctx.use_private_key_file(missing); }, missing},
        {"use_certified_key_file", [&] { ctx.use_certified_key_file(missing, key); }, missing},
        {"use_certified_key_file", [&] { ctx.use_certified_key_file(chain, missing); }, missing},
        {"add_certified_key_file", [&] { ctx.add_certified_key_file(missing, key); }, missing},
        {"add_certified_key_file", [&] { ctx.add_certified_key_file(chain, missing); }, missing},
        {"load_verify_file", [&] { ctx.load_verify_file(missing); }, missing},
        {"add_verify_path", [&] { ctx.add_verify_path(missing); }, missing},
        {"add_crl_file", [&] { ctx.add_crl_file(missing); }, missing},
        {"add_crl_path", [&] { ctx.add_crl_path(missing); }, missing},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.function)
        {
            const auto t = thrown_by(c.call);
            CHECK_THROWN(t, boost::system::errc::no_such_file_or_directory, std::string("mtls::context::") + c.function,
                         c.path, why);
            // Only the missing file is named.
            BOOST_TEST(!contains(t.what, chain + ","));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_key_file_that_does_not_load_is_named)
{
    const scratch_dir dir;
    const auto file = dir.write("garbage.key", "not a key\n");
    context ctx;
    auto t = thrown_by([&] { ctx.use_private_key_file(file); });
    CHECK_THROWN(t, error::not_pem, "mtls::context::use_private_key_file", file, "input is not PEM");

    const auto encrypted = cert_path("client-ecdsa-encrypted.key");
    ctx.set_password_callback([](std::size_t) { return std::string("wrong"); });
    t = thrown_by([&] { ctx.use_private_key_file(encrypted); });
    CHECK_THROWN(t, error::key_password_wrong, "mtls::context::use_private_key_file", encrypted, "bad decrypt");
}

BOOST_AUTO_TEST_SUITE_END()
