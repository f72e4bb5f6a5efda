// A default-constructed context's crypto provider comes from the environment
// variable MTLS_CRYPTO_PROVIDER (how ctest runs the suite over both
// providers). CTest runs each case in its own process with the variable set
// (test/CMakeLists.txt, context_provider_test.<case>), so the cases do not
// depend on when the library reads it.

#define BOOST_TEST_MODULE context_provider
#include <boost/test/unit_test.hpp>

#include <mtls/context.hpp>
#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <boost/system/system_error.hpp>

#include <cstdlib>
#include <string>

using mtls::context;
using mtls::crypto_provider;

BOOST_TEST_DONT_PRINT_LOG_VALUE(crypto_provider)

namespace {

/// Fails the case unless CTest set MTLS_CRYPTO_PROVIDER to `value`: a case
/// run without it would check nothing.
void require_environment(const std::string& value)
{
    const char* set = std::getenv("MTLS_CRYPTO_PROVIDER");
    BOOST_TEST_REQUIRE(set != nullptr, "MTLS_CRYPTO_PROVIDER is not set; run through ctest");
    BOOST_TEST_REQUIRE(std::string(set) == value);
}

bool is_unavailable(const boost::system::system_error& e)
{
    return e.code() == mtls::error::crypto_provider_unavailable;
}

} // namespace

BOOST_AUTO_TEST_CASE(environment_openssl)
{
    require_environment("openssl");
    if (!mtls::available(crypto_provider::openssl)) {
        // A build without OpenSSL's provider refuses rather than falling back.
        BOOST_CHECK_EXCEPTION(context{}, boost::system::system_error, is_unavailable);
        return;
    }
    const context ctx;
    BOOST_TEST(ctx.provider() == crypto_provider::openssl);
    const context copy = ctx; // copies share one configuration
    BOOST_TEST(copy.provider() == crypto_provider::openssl);
    // An explicit provider wins over the environment.
    BOOST_TEST(context{crypto_provider::mbedtls}.provider() == crypto_provider::mbedtls);
}

BOOST_AUTO_TEST_CASE(environment_mbedtls)
{
    require_environment("mbedtls");
    BOOST_TEST(context{}.provider() == crypto_provider::mbedtls);
    if (mtls::available(crypto_provider::openssl))
        BOOST_TEST(context{crypto_provider::openssl}.provider() == crypto_provider::openssl);
}

BOOST_AUTO_TEST_CASE(environment_empty)
{
    require_environment("");
    BOOST_TEST(context{}.provider() == crypto_provider::mbedtls);
}

BOOST_AUTO_TEST_CASE(environment_unknown)
{
    require_environment("nonesuch");
    // A typo never falls back to the default provider.
    BOOST_CHECK_EXCEPTION(context{}, boost::system::system_error, is_unavailable);
    // Only the default constructor reads the variable.
    BOOST_TEST(context{crypto_provider::mbedtls}.provider() == crypto_provider::mbedtls);
}
