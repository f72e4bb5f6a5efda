#ifndef MTLS_TEST_SUPPORT_PRINT_HPP
#define MTLS_TEST_SUPPORT_PRINT_HPP

// How Boost.Test prints mtls values in a failed assertion. Each printer sits
// in the namespace of its type, where Boost.Test finds it.

#include "wire/messages.hpp"

#include <mtls/error.hpp>
#include <mtls/types.hpp>

#include <ostream>

namespace mtls {

inline std::ostream& boost_test_print_type(std::ostream& os, error e) { return os << make_error_code(e).message(); }
inline std::ostream& boost_test_print_type(std::ostream& os, alert a) { return os << make_error_code(a).message(); }
inline std::ostream& boost_test_print_type(std::ostream& os, tls_version v) { return os << to_string(v); }

/// Name and value: tests also compare values mtls has no name for.
template <class Code>
std::ostream& print_code(std::ostream& os, Code c)
{
    return os << to_string(c) << " (0x" << std::hex << static_cast<unsigned>(c) << std::dec << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, cipher_suite s) { return print_code(os, s); }
inline std::ostream& boost_test_print_type(std::ostream& os, named_group g) { return print_code(os, g); }
inline std::ostream& boost_test_print_type(std::ostream& os, signature_scheme s) { return print_code(os, s); }

namespace wire {
inline std::ostream& boost_test_print_type(std::ostream& os, content_type t)
{
    return os << "content_type(" << static_cast<unsigned>(t) << ")";
}
} // namespace wire

} // namespace mtls

#endif
