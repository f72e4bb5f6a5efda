#ifndef MTLS_DETAIL_CONFIG_HPP
#define MTLS_DETAIL_CONFIG_HPP

// Included first by every public header: the language check and the export
// macro.

// MSVC keeps __cplusplus at 199711L unless /Zc:__cplusplus is given;
// _MSVC_LANG holds the standard in use.
#if defined(_MSVC_LANG)
#define MTLS_CPLUSPLUS _MSVC_LANG
#else
#define MTLS_CPLUSPLUS __cplusplus
#endif

// Without this, a C++17 build fails dozens of lines later at std::span.
#if MTLS_CPLUSPLUS < 202002L
#error "mtls needs C++20: compile with -std=c++20 or later (the CMake target mtls::mtls and pkg-config's mtls.pc add it)"
#endif

/// MTLS_API marks the classes and functions a shared libmtls exports
/// (everything else is built with hidden visibility); MTLS_LOCAL keeps a
/// class nested in an exported one, such as a pimpl, out.
#if defined(__GNUC__)
#define MTLS_API __attribute__((visibility("default")))
#define MTLS_LOCAL __attribute__((visibility("hidden")))
#else
#define MTLS_API
#define MTLS_LOCAL
#endif

#endif
