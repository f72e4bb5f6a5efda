#ifndef MTLS_IMPL_TLS_STREAM_HPP
#define MTLS_IMPL_TLS_STREAM_HPP

// Bodies of tls_stream's members; included at the end of mtls/tls_stream.hpp.

#include <mtls/detail/config.hpp>

#include <mtls/detail/io.hpp>
#include <mtls/detail/ops.hpp>
// Included first on its own, this header still sees the class it defines.
#include <mtls/tls_stream.hpp>

#include <boost/asio/compose.hpp>
#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>

namespace mtls {

namespace detail {

inline void throw_if(const error_code& ec)
{
    if (ec)
        boost::throw_exception(boost::system::system_error(ec));
}

} // namespace detail

template <class NextLayer>
template <class Arg>
tls_stream<NextLayer>::tls_stream(Arg&& arg, const context& ctx)
    : next_layer_(std::forward<Arg>(arg)), core_(ctx)
{
}

template <class NextLayer>
template <class Policy, class Signature, class CompletionToken>
auto tls_stream<NextLayer>::async_run(Policy policy, CompletionToken&& token)
{
    // next_layer_ as the I/O object: the operation keeps its executor busy
    // and intermediate steps default to it.
    return boost::asio::async_compose<CompletionToken, Signature>(
        detail::io_op<next_layer_type, Policy>(next_layer_, core_, std::move(policy)), token,
        next_layer_);
}

template <class NextLayer>
void tls_stream<NextLayer>::export_keying_material(std::string_view label, std::span<const std::byte> context,
                                                   std::span<std::byte> out, error_code& ec) const
{
    if (!core_.connected()) {
        std::fill(out.begin(), out.end(), std::byte{0});
        ec = error::not_connected;
        return;
    }
    core_.eng->export_keying_material(label, context, out, ec);
}

template <class NextLayer>
void tls_stream<NextLayer>::export_keying_material(std::string_view label, std::span<std::byte> out,
                                                   error_code& ec) const
{
    if (!core_.connected()) {
        std::fill(out.begin(), out.end(), std::byte{0});
        ec = error::not_connected;
        return;
    }
    core_.eng->export_keying_material(label, out, ec);
}

template <class NextLayer>
void tls_stream<NextLayer>::set_verify_mode(verify_mode mode)
{
    core_.mode = mode;
    if (core_.eng)
        core_.eng->set_verify_mode(mode);
}

template <class NextLayer>
void tls_stream<NextLayer>::set_verify_mode(verify_mode mode, error_code& ec)
{
    set_verify_mode(mode);
    ec = {};
}

template <class NextLayer>
void tls_stream<NextLayer>::set_verify_callback(verify_callback cb)
{
    core_.callback = std::move(cb);
    if (core_.eng)
        core_.eng->set_verify_callback(core_.callback);
}

template <class NextLayer>
void tls_stream<NextLayer>::set_verify_callback(verify_callback cb, error_code& ec)
{
    set_verify_callback(std::move(cb));
    ec = {};
}

template <class NextLayer>
void tls_stream<NextLayer>::set_host_name(const std::string& host)
{
    core_.host = host;
    if (core_.eng)
        core_.eng->set_host_name(host, core_.port);
}

template <class NextLayer>
void tls_stream<NextLayer>::set_host_name(const std::string& host, error_code& ec)
{
    set_host_name(host);
    ec = {};
}

template <class NextLayer>
void tls_stream<NextLayer>::handshake(role r)
{
    error_code ec;
    handshake(r, ec);
    detail::throw_if(ec);
}

template <class NextLayer>
void tls_stream<NextLayer>::handshake(role r, error_code& ec)
{
    detail::io(next_layer_, core_, detail::handshake_policy<>{r}, ec);
}

template <class NextLayer>
template <class CompletionToken>
auto tls_stream<NextLayer>::async_handshake(role r, CompletionToken&& token)
{
    return async_run<detail::handshake_policy<>, void(error_code)>(
        detail::handshake_policy<>{r}, std::forward<CompletionToken>(token));
}

namespace detail {

/// Completes a buffered handshake with the bytes it was given, all used.
template <class ConstBufferSequence>
struct buffered_handshake_policy : handshake_policy<ConstBufferSequence> {
    static constexpr bool transfers_bytes = true;

    io_step check(engine& e, error_code& ec, std::size_t& n)
    {
        const io_step s = handshake_policy<ConstBufferSequence>::check(e, ec, n);
        if (s == io_step::done)
            n = boost::asio::buffer_size(this->buffers);
        return s;
    }
};

} // namespace detail

template <class NextLayer>
template <class ConstBufferSequence>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
std::size_t tls_stream<NextLayer>::handshake(role r, const ConstBufferSequence& buffers)
{
    error_code ec;
    const std::size_t n = handshake(r, buffers, ec);
    detail::throw_if(ec);
    return n;
}

template <class NextLayer>
template <class ConstBufferSequence>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
std::size_t tls_stream<NextLayer>::handshake(role r, const ConstBufferSequence& buffers, error_code& ec)
{
    return detail::io(next_layer_, core_, detail::buffered_handshake_policy<ConstBufferSequence>{{r, buffers}},
                      ec);
}

template <class NextLayer>
template <class ConstBufferSequence, class CompletionToken>
    requires boost::asio::is_const_buffer_sequence<ConstBufferSequence>::value
auto tls_stream<NextLayer>::async_handshake(role r, const ConstBufferSequence& buffers,
                                            CompletionToken&& token)
{
    return async_run<detail::buffered_handshake_policy<ConstBufferSequence>, void(error_code, std::size_t)>(
        {{r, buffers}}, std::forward<CompletionToken>(token));
}

template <class NextLayer>
template <class MutableBufferSequence>
std::size_t tls_stream<NextLayer>::read_some(const MutableBufferSequence& buffers)
{
    error_code ec;
    const std::size_t n = read_some(buffers, ec);
    detail::throw_if(ec);
    return n;
}

template <class NextLayer>
template <class MutableBufferSequence>
std::size_t tls_stream<NextLayer>::read_some(const MutableBufferSequence& buffers, error_code& ec)
{
    return detail::io(next_layer_, core_, detail::read_some_policy<MutableBufferSequence>{buffers}, ec);
}

template <class NextLayer>
template <class MutableBufferSequence, class CompletionToken>
auto tls_stream<NextLayer>::async_read_some(const MutableBufferSequence& buffers,
                                            CompletionToken&& token)
{
    return async_run<detail::read_some_policy<MutableBufferSequence>,
                     void(error_code, std::size_t)>({buffers},
                                                    std::forward<CompletionToken>(token));
}

template <class NextLayer>
template <class ConstBufferSequence>
std::size_t tls_stream<NextLayer>::write_some(const ConstBufferSequence& buffers)
{
    error_code ec;
    const std::size_t n = write_some(buffers, ec);
    detail::throw_if(ec);
    return n;
}

template <class NextLayer>
template <class ConstBufferSequence>
std::size_t tls_stream<NextLayer>::write_some(const ConstBufferSequence& buffers, error_code& ec)
{
    return detail::io(next_layer_, core_, detail::write_some_policy<ConstBufferSequence>{buffers}, ec);
}

template <class NextLayer>
template <class ConstBufferSequence, class CompletionToken>
auto tls_stream<NextLayer>::async_write_some(const ConstBufferSequence& buffers,
                                             CompletionToken&& token)
{
    return async_run<detail::write_some_policy<ConstBufferSequence>,
                     void(error_code, std::size_t)>({buffers},
                                                    std::forward<CompletionToken>(token));
}

template <class NextLayer>
void tls_stream<NextLayer>::shutdown(shutdown_mode mode)
{
    error_code ec;
    shutdown(mode, ec);
    detail::throw_if(ec);
}

template <class NextLayer>
void tls_stream<NextLayer>::shutdown(error_code& ec)
{
    shutdown(shutdown_mode::wait_for_peer, ec);
}

template <class NextLayer>
void tls_stream<NextLayer>::shutdown(shutdown_mode mode, error_code& ec)
{
    detail::io(next_layer_, core_, detail::shutdown_policy{mode == shutdown_mode::send_only}, ec);
}

template <class NextLayer>
template <class CompletionToken>
    requires(!std::is_same_v<std::decay_t<CompletionToken>, shutdown_mode>)
auto tls_stream<NextLayer>::async_shutdown(CompletionToken&& token)
{
    return async_shutdown(shutdown_mode::wait_for_peer, std::forward<CompletionToken>(token));
}

template <class NextLayer>
template <class CompletionToken>
auto tls_stream<NextLayer>::async_shutdown(shutdown_mode mode, CompletionToken&& token)
{
    return async_run<detail::shutdown_policy, void(error_code)>(
        detail::shutdown_policy{mode == shutdown_mode::send_only}, std::forward<CompletionToken>(token));
}

} // namespace mtls

#endif
