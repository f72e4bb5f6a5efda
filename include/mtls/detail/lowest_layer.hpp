#ifndef MTLS_DETAIL_LOWEST_LAYER_HPP
#define MTLS_DETAIL_LOWEST_LAYER_HPP

// The lowest layer of a stack of streams, for next layers that do not name
// one themselves: a layer's own `lowest_layer()` wins, then its
// `next_layer()` is followed, and a layer with neither is its own lowest.

#include <mtls/detail/config.hpp>

#include <type_traits>
#include <utility>

namespace mtls::detail {

template <class T>
concept has_lowest_layer = requires(T& t) {
    typename std::remove_const_t<T>::lowest_layer_type;
    t.lowest_layer();
};

template <class T>
concept has_next_layer = requires(T& t) { t.next_layer(); };

template <class T>
decltype(auto) lowest_layer_of(T& layer) noexcept
{
    if constexpr (has_lowest_layer<T>)
        return layer.lowest_layer();
    else if constexpr (has_next_layer<T>)
        return detail::lowest_layer_of(layer.next_layer());
    else
        return (layer);
}

template <class T>
using lowest_layer_t = std::remove_cvref_t<decltype(detail::lowest_layer_of(std::declval<T&>()))>;

} // namespace mtls::detail

#endif
