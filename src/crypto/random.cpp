#include "random.hpp"

#include "mbedtls_rng.hpp"

#include <mtls/error.hpp>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <mutex>

namespace mtls::crypto {
namespace {

// One CTR_DRBG for the process, seeded from the OS on first use. The mutex
// serialises every draw: a DRBG state must not be advanced concurrently.
class drbg {
public:
    drbg()
    {
        mbedtls_entropy_init(&entropy_);
        mbedtls_ctr_drbg_init(&ctr_);
        static constexpr unsigned char personalization[] = "mtls ctr_drbg";
        const int rc = mbedtls_ctr_drbg_seed(&ctr_, mbedtls_entropy_func, &entropy_,
                                             personalization, sizeof personalization - 1);
        if (rc != 0) {
            mbedtls_ctr_drbg_free(&ctr_);
            mbedtls_entropy_free(&entropy_);
            throw boost::system::system_error(make_error_code(error::crypto_failure),
                                              "seeding the CSPRNG");
        }
    }
    drbg(const drbg&) = delete;
    drbg& operator=(const drbg&) = delete;
    ~drbg()
    {
        mbedtls_ctr_drbg_free(&ctr_);
        mbedtls_entropy_free(&entropy_);
    }

    void fill(unsigned char* out, std::size_t len)
    {
        std::lock_guard lock(mutex_);
        // CTR_DRBG caps one request at MBEDTLS_CTR_DRBG_MAX_REQUEST bytes.
        while (len != 0) {
            const std::size_t n = std::min<std::size_t>(len, MBEDTLS_CTR_DRBG_MAX_REQUEST);
            if (mbedtls_ctr_drbg_random(&ctr_, out, n) != 0)
                throw boost::system::system_error(make_error_code(error::crypto_failure),
                                                  "drawing from the CSPRNG");
            out += n;
            len -= n;
        }
    }

private:
    std::mutex mutex_;
    mbedtls_entropy_context entropy_;
    mbedtls_ctr_drbg_context ctr_;
};

drbg& instance()
{
    // Function-local static: initialised once, thread-safely, on first use.
    static drbg d;
    return d;
}

} // namespace

void random_bytes(mutable_bytes out)
{
    if (!out.empty())
        instance().fill(reinterpret_cast<unsigned char*>(out.data()), out.size());
}

namespace detail {

int rng_callback(void*, unsigned char* out, std::size_t len)
{
    // Called from C: report failure by return value, never by exception.
    try {
        if (len != 0)
            instance().fill(out, len);
        return 0;
    } catch (...) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
}

void check(int rc)
{
    if (rc != 0)
        throw boost::system::system_error(make_error_code(error::crypto_failure));
}

} // namespace detail
} // namespace mtls::crypto
