#include "crl_store.hpp"

#include <utility>

namespace mtls::detail {

std::shared_ptr<const crypto::crl_list> crl_store::current() const
{
    std::lock_guard lock(current_mutex_);
    return current_;
}

void crl_store::install(std::shared_ptr<const crypto::crl_list> next)
{
    {
        std::lock_guard lock(current_mutex_);
        current_.swap(next);
    }
    // The old list is freed here, outside the lock, unless a handshake holds it.
}

void crl_store::install_with(const crypto::crl_list& given)
{
    const auto base = current();
    auto next = base ? std::make_shared<crypto::crl_list>(*base) : std::make_shared<crypto::crl_list>();
    next->append(given);
    install(std::move(next));
}

error_code crl_store::read(crypto::crl_list& into, const source& s)
{
    return s.directory ? into.add_directory(s.path) : into.add_file(s.path);
}

error_code crl_store::add(crypto::bytes_view data, file_format fmt)
{
    std::lock_guard lock(update_mutex_);
    crypto::crl_list given;
    if (auto ec = given.add(data, fmt))
        return ec;
    install_with(given);
    memory_.append(given);
    return {};
}

error_code crl_store::add_source(source s)
{
    std::lock_guard lock(update_mutex_);
    crypto::crl_list given;
    if (auto ec = read(given, s))
        return ec;
    install_with(given);
    sources_.push_back(std::move(s));
    return {};
}

error_code crl_store::reload()
{
    std::lock_guard lock(update_mutex_);
    auto next = std::make_shared<crypto::crl_list>(memory_);
    for (const source& s : sources_)
        if (auto ec = read(*next, s))
            return ec;
    install(std::move(next));
    return {};
}

} // namespace mtls::detail
