#ifndef MTLS_SRC_ENUM_CHECK_HPP
#define MTLS_SRC_ENUM_CHECK_HPP

// Compile-time checks that a constant table names each enumerator of an
// enumeration exactly once.

#include <cstddef>
#include <string_view>
#include <utility>

namespace mtls::detail {

/// Whether `Value` is one of its enumeration's named enumerators. GCC and
/// Clang print a named value in __PRETTY_FUNCTION__ by its name and any other
/// value as a cast, "(type)N".
template <auto Value>
constexpr bool is_enumerator() noexcept
{
    constexpr std::string_view text = __PRETTY_FUNCTION__;
    constexpr std::string_view key = "Value = ";
    constexpr auto at = text.find(key);
    static_assert(at != std::string_view::npos, "unexpected __PRETTY_FUNCTION__ format");
    return text[at + key.size()] != '(';
}

template <class E, std::size_t... I>
constexpr std::size_t count_enumerators(std::index_sequence<I...>) noexcept
{
    return (std::size_t{is_enumerator<static_cast<E>(I)>()} + ...);
}

/// How many enumerators E has; for enumerations whose values all lie in
/// 0..255, where trying every value is cheap.
template <class E>
constexpr std::size_t count_byte_enumerators() noexcept
{
    return count_enumerators<E>(std::make_index_sequence<256>{});
}

/// Every row's key is a named enumerator, and no two rows share one.
template <auto& Table, std::size_t... I>
constexpr bool rows_are_distinct_enumerators(std::index_sequence<I...>) noexcept
{
    if (!(is_enumerator<Table[I].id>() && ...))
        return false;
    for (std::size_t i = 0; i < Table.size(); ++i)
        for (std::size_t j = i + 1; j < Table.size(); ++j)
            if (Table[i].id == Table[j].id)
                return false;
    return true;
}

template <auto& Table>
constexpr bool rows_are_distinct_enumerators() noexcept
{
    return rows_are_distinct_enumerators<Table>(std::make_index_sequence<Table.size()>{});
}

} // namespace mtls::detail

#endif
