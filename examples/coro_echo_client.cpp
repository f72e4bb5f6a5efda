// coro_echo_client: sends each line of its standard input to an echo server
// (echo_server, coro_echo_server) over mtls and prints each echo; written with
// C++20 coroutines.
//
//   coro_echo_client HOST PORT --cert F --key F --ca F [--timeout SECONDS]
//
// The server's certificate must chain to --ca and name HOST (sent as SNI too).
// Prints the handshake on stderr:
//   TLSv1.3 TLS_AES_128_GCM_SHA256 server: CN=localhost
// then each echoed line on stdout, and closes with close_notify at the end of
// its input. Every wait on the server (connect, handshake, each echo,
// shutdown) is raced against a timer: one that takes longer than --timeout
// seconds (default 10) ends the program with a message and exit 1, as does any
// error. Exit 2 for a bad command line, with one line saying why and the usage
// (options.hpp); --help prints the usage.
// SSLKEYLOGFILE, when set, names a file the TLS secrets are appended to, for
// Wireshark (key_log_file.hpp); for debugging only.

#include "key_log_file.hpp"
#include "options.hpp"

#include <mtls/context.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::string_view usage_text =
    "usage: coro_echo_client HOST PORT --cert F --key F --ca F [--timeout SECONDS]\n";

struct settings {
    std::string host, port;
    std::string timeout_text; // as given, for messages
    std::chrono::steady_clock::duration timeout;
};

// Results as a tuple, error code first, instead of an exception: `op || timer`
// completes when either one *succeeds*, so a failing op that threw would
// leave the timer to win and the error to be reported as a timeout.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> run(const settings& s, const mtls::context& ctx) {
    const auto executor = co_await asio::this_coro::executor;
    mtls::tls_stream<tcp::socket> stream(executor, ctx);
    stream.set_host_name(s.host);

    // Every wait on the server is raced against this timer, as
    // `co_await (op || deadline())`; whichever finishes first cancels the other.
    asio::steady_timer timer(executor);
    const auto deadline = [&] {
        timer.expires_after(s.timeout);
        return timer.async_wait(asio::use_awaitable);
    };
    // The results of such a race; throws when the timer won or the op failed.
    const auto check = [&]<class... R>(std::variant<std::tuple<mtls::error_code, R...>, std::monostate> race,
                                       const std::string& what) {
        if (race.index() == 1)
            throw std::runtime_error(what + ": timed out after " + s.timeout_text + " s");
        auto results = std::get<0>(std::move(race));
        if (const mtls::error_code ec = std::get<0>(results))
            throw std::runtime_error(what + ": " + ec.message());
        return results;
    };

    tcp::resolver resolver(executor);
    const auto endpoints = std::get<1>(
        check(co_await (resolver.async_resolve(s.host, s.port, use_tuple) || deadline()), "resolve"));
    check(co_await (asio::async_connect(stream.next_layer(), endpoints, use_tuple) || deadline()),
          "connect");
    check(co_await (stream.async_handshake(mtls::role::client, use_tuple) || deadline()), "handshake");
    const mtls::connection_info& info = stream.info();
    std::cerr << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
              << " server: " << info.peer_subject << std::endl;

    // Reading standard input blocks the whole program, which has nothing
    // else to do meanwhile (it also works when stdin is a regular file).
    std::string line, echo;
    for (int number = 1; std::getline(std::cin, line); ++number) {
        line += '\n';
        const std::string what = "line " + std::to_string(number);
        check(co_await (asio::async_write(stream, asio::buffer(line), use_tuple) || deadline()),
              "send " + what);
        const std::size_t n = std::get<1>(check(
            co_await (asio::async_read_until(stream, asio::dynamic_buffer(echo), '\n', use_tuple) ||
                      deadline()),
            "echo of " + what));
        std::cout.write(echo.data(), static_cast<std::streamsize>(n)) << std::flush;
        echo.erase(0, n);
    }
    check(co_await (stream.async_shutdown(use_tuple) || deadline()), "shutdown");
}

} // namespace

int main(int argc, char** argv) {
    // HOST PORT, then the flags of the comment at the top; a bad one exits 2 (options.hpp).
    const examples::command_line cli(argc, argv, "coro_echo_client", usage_text, {"HOST", "PORT"},
                                     {{"--cert"}, {"--key"}, {"--ca"}, {"--timeout"}});
    cli.to_number(cli.positional(1), 1, 65535, "PORT");
    settings s{cli.positional(0), cli.positional(1), cli.value("--timeout", "10"), {}};
    const std::string cert = cli.required("--cert");
    const std::string key = cli.required("--key");
    const std::string ca = cli.required("--ca");
    std::size_t used = 0;
    double seconds = 0;
    try { seconds = std::stod(s.timeout_text, &used); } catch (const std::exception&) {}
    if (used != s.timeout_text.size() || !(seconds > 0 && seconds <= 86400))
        cli.fail("bad --timeout " + s.timeout_text + " (expected seconds, more than 0 and at most 86400)");
    s.timeout =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));

    try {
        mtls::context ctx;
        ctx.use_certificate_chain_file(cert);
        ctx.use_private_key_file(key);
        ctx.load_verify_file(ca);
        examples::use_key_log_file(ctx);

        asio::io_context io;
        asio::co_spawn(io, run(s, ctx), [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "coro_echo_client: " << e.what() << std::endl;
        return 1;
    }
}
