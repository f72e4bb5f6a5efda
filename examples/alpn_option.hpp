// The --alpn option of https_server and https_client.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace examples {

// Comma-separated protocol names, in order; a name that is empty or longer
// than 255 bytes (RFC 7301 §3.1: ProtocolName<1..2^8-1>) goes to `usage`,
// which does not return.
inline std::vector<std::string> parse_alpn(std::string_view text, void (*usage)(const std::string&)) {
    std::vector<std::string> names;
    for (;;) {
        const auto comma = text.find(',');
        const std::string_view name = text.substr(0, comma);
        if (name.empty() || name.size() > 255) usage("bad ALPN protocol '" + std::string(name) + "'");
        names.emplace_back(name);
        if (comma == std::string_view::npos) return names;
        text.remove_prefix(comma + 1);
    }
}

} // namespace examples
