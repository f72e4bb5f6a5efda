#ifndef MTLS_MTLS_HPP
#define MTLS_MTLS_HPP

/// @file
/// Everything mtls offers, in one include: `tls_stream`, `context`, the
/// sans-IO `engine`, errors and alerts, and Beast's teardown for `tls_stream`.
/// Programs that do not use Beast can include <mtls/tls_stream.hpp> alone.

#include <mtls/detail/config.hpp>

#include <mtls/beast.hpp>
#include <mtls/certificate_info.hpp>
#include <mtls/connection_info.hpp>
#include <mtls/context.hpp>
#include <mtls/engine.hpp>
#include <mtls/error.hpp>
#include <mtls/session.hpp>
#include <mtls/test_hooks.hpp>
#include <mtls/tls_stream.hpp>
#include <mtls/types.hpp>

#endif
