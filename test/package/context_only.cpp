// Includes <mtls/context.hpp> alone, as a program that only configures a
// context would, and catches what its throwing overloads throw: the header
// must bring boost::system::system_error itself. Linked against a shared
// libmtls, the exception crosses the library boundary.
#include <mtls/context.hpp>

mtls::error_code load_garbage_certificate()
{
    mtls::context ctx;
    const std::byte garbage[] = {std::byte{'x'}};
    try {
        ctx.use_certificate_chain(garbage);
    } catch (const boost::system::system_error& e) {
        return e.code();
    }
    return {};
}
