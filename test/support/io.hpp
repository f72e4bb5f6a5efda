#ifndef MTLS_TEST_SUPPORT_IO_HPP
#define MTLS_TEST_SUPPORT_IO_HPP

// Running an io_context in the stream tests, each run bounded in time so a
// bug fails the test instead of hanging the build. Include after
// <boost/test/unit_test.hpp>.

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>

namespace mtls::test {

/// Runs `ioc` until it is out of work; fails the test if work is still
/// pending after `limit`.
inline void run(boost::asio::io_context& ioc, std::chrono::steady_clock::duration limit = std::chrono::seconds(60))
{
    ioc.restart();
    ioc.run_for(limit);
    BOOST_TEST_REQUIRE(ioc.stopped(), "operations still pending after the time limit");
}

/// Runs the handlers that are ready; returns how many ran.
inline std::size_t poll(boost::asio::io_context& ioc)
{
    ioc.restart();
    return ioc.poll();
}

} // namespace mtls::test

#endif
