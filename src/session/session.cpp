#include <mtls/session.hpp>

#include "session/session_state.hpp"

#include <boost/system/system_error.hpp>

namespace mtls {

tls_version session::version() const noexcept
{
    return state_ ? state_->version : tls_version{};
}

cipher_suite session::suite() const noexcept
{
    return state_ ? state_->suite : cipher_suite{};
}

std::string session::server_name() const
{
    return state_ ? state_->server_name : std::string{};
}

std::chrono::system_clock::time_point session::expires() const noexcept
{
    using clock = std::chrono::system_clock;
    if (!state_)
        return {};
    // `issued` comes from bytes an application stored: saturate rather than
    // overflow the clock's representation.
    constexpr auto last = std::chrono::duration_cast<std::chrono::seconds>(clock::duration::max()).count();
    const auto end = state_->issued + state_->lifetime;
    if (end < state_->issued || end > static_cast<std::uint64_t>(last))
        return clock::time_point::max();
    return clock::time_point{std::chrono::seconds(end)};
}

std::vector<std::byte> session::to_bytes() const
{
    std::vector<std::byte> out;
    if (state_)
        detail::encode_session(out, *state_);
    return out;
}

session session::from_bytes(std::span<const std::byte> data, error_code& ec)
{
    auto state = std::make_shared<detail::session_state>();
    ec = detail::parse_session(data, *state);
    if (ec)
        return {};
    return session(std::move(state));
}

session session::from_bytes(std::span<const std::byte> data)
{
    error_code ec;
    auto s = from_bytes(data, ec);
    if (ec)
        throw boost::system::system_error(ec, "mtls::session::from_bytes");
    return s;
}

} // namespace mtls
