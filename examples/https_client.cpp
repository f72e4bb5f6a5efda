// https_client: one HTTPS GET over mtls, optionally with a client certificate.
//
//   https_client URL [--cert F --key F] [--ca F] [--servername N]
//                [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]
//                [--groups LIST] [--ciphers LIST]
//                [--sess-in FILE] [--sess-out FILE] [--alpn LIST]
//
// URL is https://host[:port][/path]. --groups takes key exchange groups in
// preference order, comma-separated (x25519,secp256r1,secp384r1); --ciphers
// takes cipher suites the same way, by IANA name
// (TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,...).
// --sess-out FILE saves the session the server offered for resumption, after
// the request (a TLS 1.3 ticket comes with the response); --sess-in FILE
// resumes one so saved. The file holds the session's secret: it is created
// readable by its owner only.
// --alpn offers application protocols (ALPN, RFC 7301) in preference order,
// comma-separated (e.g. h2,http/1.1); without it none are offered. The client
// speaks HTTP/1.1 whatever the server picks.
// Prints the response body on stdout and, on stderr, five lines about the
// handshake:
//   TLSv1.3 TLS_AES_128_GCM_SHA256 server: CN=localhost
//   group: x25519
//   hello_retry: no                    ("yes" when the server sent HelloRetryRequest)
//   resumed: no                        ("yes" when the handshake resumed --sess-in)
//   alpn: http/1.1                     (the server's pick, or "alpn: none")
// Exits 0 on a 2xx answer; otherwise prints one line saying why and exits 1
// (2 for a bad command line, with the usage: options.hpp; --help prints the
// usage). When the server offered no session, --sess-out prints
// "https_client: no session to save" and the exit status stays the request's;
// a --sess-in file that cannot be read or holds no session, or a --sess-out
// file that cannot be written, exits 1.
// SSLKEYLOGFILE, when set, names a file the TLS secrets are appended to, for
// Wireshark (key_log_file.hpp); for debugging only.

#include "key_log_file.hpp"
#include "options.hpp"

#include <mtls/context.hpp>
#include <mtls/session.hpp>
#include <mtls/tls_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <regex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

// The whole exchange, from name resolution to the end of the response.
constexpr std::chrono::seconds overall_timeout{30};

constexpr std::string_view usage_text =
    "usage: https_client URL [--cert F --key F] [--ca F] [--servername N]"
    " [--tls-min 1.2|1.3] [--tls-max 1.2|1.3]\n"
    "                    [--groups x25519,secp256r1,secp384r1] [--ciphers IANA_NAME,...]\n"
    "                    [--sess-in FILE] [--sess-out FILE] [--alpn PROTOCOL,...]\n";

// URL, then the flags of the comment at the top; a bad one exits 2 (options.hpp).
examples::command_line parse_command_line(int argc, char** argv) {
    return {argc, argv, "https_client", usage_text, {"URL"},
            {{"--cert"}, {"--key"}, {"--ca"}, {"--servername"}, {"--tls-min"}, {"--tls-max"}, {"--groups"},
             {"--ciphers"}, {"--sess-in"}, {"--sess-out"}, {"--alpn"}}};
}

struct url {
    std::string host, port, target;
};

url parse_url(const examples::command_line& cli) {
    // https://host[:port][/path]; an IPv6 literal goes in brackets.
    static const std::regex pattern(R"(https://(\[[^\]]+\]|[^/:]+)(?::(\d+))?(/.*)?)");
    const std::string& text = cli.positional(0);
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) cli.fail("not an https URL: " + text);
    std::string host = m[1];
    if (host.front() == '[') host = host.substr(1, host.size() - 2);
    if (m[2].matched) cli.to_number(m[2].str(), 1, 65535, "port in URL");
    return {host, m[2].matched ? m[2].str() : "443", m[3].matched ? m[3].str() : "/"};
}

// Every value is checked before any file is read, so that a bad command line
// exits 2 whatever its files hold.
mtls::context make_context(const examples::command_line& cli) {
    if (cli.has("--cert") != cli.has("--key")) cli.fail("--cert and --key go together");
    const examples::protocol_options protocol(cli);
    const auto alpn = cli.alpn("--alpn", {});

    mtls::context ctx;
    if (cli.has("--cert")) {
        ctx.use_certificate_chain_file(cli.value("--cert"));
        ctx.use_private_key_file(cli.value("--key"));
    }
    if (cli.has("--ca")) ctx.load_verify_file(cli.value("--ca"));
    else ctx.set_default_verify_paths();
    protocol.apply(ctx);
    if (!alpn.empty()) ctx.set_alpn_protocols(alpn);
    examples::use_key_log_file(ctx);
    return ctx;
}

// --sess-in: the session saved by an earlier run's --sess-out.
mtls::session read_session(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read session file " + path);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    mtls::error_code ec;
    mtls::session s = mtls::session::from_bytes(std::as_bytes(std::span(bytes)), ec);
    if (ec) throw std::runtime_error("session file " + path + ": " + ec.message());
    return s;
}

// --sess-out. The bytes unlock the session (see mtls::session::to_bytes), so
// the file is readable by its owner only, like a private key.
void write_session(const std::string& path, const mtls::session& s) {
    const auto failed = [&](int error) {
        return std::runtime_error("cannot write session file " + path + ": " + std::strerror(error));
    };
    const std::vector<std::byte> bytes = s.to_bytes();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) throw failed(errno);
    errno = EIO; // what a short write reports: it sets none
    // O_TRUNC keeps an existing file's mode: narrow it before writing.
    const bool written = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 &&
                         ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    const int error = errno;
    if (::close(fd) != 0 && written) throw failed(errno);
    if (!written) throw failed(error);
}

struct result {
    http::response<http::string_body> response;
    mtls::session session; // what a later run can resume (--sess-out)
};

asio::awaitable<result>
get(const url& where, const std::string& server_name, const mtls::context& ctx, const mtls::session& resume) {
    auto executor = co_await asio::this_coro::executor;
    mtls::tls_stream<tcp::socket> stream(executor, ctx);
    stream.set_host_name(server_name);
    stream.set_session(resume);

    tcp::resolver resolver(executor);
    const auto endpoints = co_await resolver.async_resolve(where.host, where.port, asio::use_awaitable);
    co_await asio::async_connect(stream.next_layer(), endpoints, asio::use_awaitable);
    co_await stream.async_handshake(mtls::role::client, asio::use_awaitable);
    const mtls::connection_info& info = stream.info();
    std::cerr << mtls::to_string(info.version) << " " << mtls::to_string(info.suite)
              << " server: " << info.peer_subject << "\n"
              << "group: " << mtls::to_string(info.group) << "\n"
              << "hello_retry: " << (info.hello_retry ? "yes" : "no") << "\n"
              << "resumed: " << (info.resumed ? "yes" : "no") << "\n"
              << "alpn: " << (info.alpn.empty() ? "none" : info.alpn) << std::endl;

    http::request<http::empty_body> request{http::verb::get, where.target, 11};
    request.set(http::field::host, where.host);
    request.set(http::field::user_agent, "mtls-https_client");
    request.keep_alive(false);
    co_await http::async_write(stream, request, asio::use_awaitable);

    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::use_awaitable);

    // We asked to close: send close_notify. A server that closes the
    // transport without answering it has already sent everything we need.
    boost::system::error_code ec;
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    // Taken last: a TLS 1.3 server sends its tickets with its first data.
    co_return result{std::move(response), stream.session()};
}

} // namespace

int main(int argc, char** argv) {
    const examples::command_line cli = parse_command_line(argc, argv);
    const url where = parse_url(cli);
    mtls::context ctx;
    mtls::session resume;
    try {
        ctx = make_context(cli);
        if (cli.has("--sess-in")) resume = read_session(cli.value("--sess-in"));
    } catch (const std::exception& e) { // names the file that did not load
        std::cerr << "https_client: " << e.what() << std::endl;
        return 1;
    }
    const std::string server_name = cli.value("--servername", where.host);

    std::optional<result> done;
    try {
        asio::io_context io;
        asio::co_spawn(io, get(where, server_name, ctx, resume), [&](std::exception_ptr e, result r) {
            if (e) std::rethrow_exception(e);
            done = std::move(r);
        });
        io.run_for(overall_timeout);
        if (!done) {
            std::cerr << "https_client: timed out after " << overall_timeout.count() << " s\n";
            return 1;
        }
    } catch (const boost::system::system_error& e) {
        std::cerr << "https_client: " << e.code().message() << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "https_client: " << e.what() << std::endl;
        return 1;
    }

    const http::response<http::string_body>& response = done->response;
    std::cout << response.body() << std::flush;
    if (cli.has("--sess-out")) {
        if (done->session.empty()) {
            std::cerr << "https_client: no session to save" << std::endl;
        } else {
            try {
                write_session(cli.value("--sess-out"), done->session);
            } catch (const std::exception& e) {
                std::cerr << "https_client: " << e.what() << std::endl;
                return 1;
            }
        }
    }
    if (response.result_int() / 100 != 2) {
        std::cerr << "https_client: server answered " << response.result_int() << " "
                  << response.reason() << std::endl;
        return 1;
    }
}
