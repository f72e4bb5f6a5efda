// The command lines of the example programs, checked strictly. Scripts drive
// these programs (test/interop/), and a typo such as `--verfy require` must
// not start a server that then admits anyone. So an unknown option, a flag
// without its value, a flag given twice (unless repeatable) and a bad value
// each end the program with status 2, one line `<program>: <reason>` and the
// usage on stderr. A flag's value is missing when the flag comes last, when
// the next argument is a flag itself ("--..."), or when it is empty.
// `--help` anywhere (it cannot be a value) prints the usage on stdout and
// exits 0.
#pragma once

#include <mtls/context.hpp>
#include <mtls/types.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace examples {

// One flag a program takes.
struct flag {
    std::string_view name;   // with its dashes: "--port"
    bool takes_value = true; // false for a switch such as --sni-strict
    bool repeatable = false; // may be given more than once, e.g. --sni
};

class command_line {
public:
    // Parses argv: first one argument per name in `positionals` (e.g. "URL"),
    // then flags from `flags`, in any order. `usage` is the usage text, whole
    // lines; it and the names must outlive this object (string literals).
    command_line(int argc, char** argv, std::string_view program, std::string_view usage,
                 std::initializer_list<std::string_view> positionals, std::initializer_list<flag> flags)
        : program_(program), usage_(usage), flags_(flags) {
        const std::vector<std::string_view> args(argv + std::min(argc, 1), argv + argc);
        if (std::ranges::any_of(args, [](std::string_view a) { return a == "--help"; })) {
            std::cout << usage_;
            std::exit(0);
        }
        std::size_t i = 0;
        for (const std::string_view name : positionals) {
            if (i == args.size() || args[i].empty() || args[i].starts_with("--"))
                fail("missing " + std::string(name));
            positionals_.emplace_back(args[i++]);
        }
        for (; i < args.size(); ++i) {
            const std::string arg(args[i]);
            const flag* f = find(arg);
            if (f == nullptr) {
                const auto equals = arg.find('=');
                if (arg.starts_with("--") && equals != std::string::npos && find(arg.substr(0, equals)))
                    fail("unknown option " + arg + " (write " + arg.substr(0, equals) + " VALUE)");
                fail((arg.starts_with("-") ? "unknown option " : "unexpected argument ") + arg);
            }
            std::vector<std::string>& given = values_[arg];
            if (!given.empty() && !f->repeatable) fail(arg + " given twice");
            if (!f->takes_value) {
                given.emplace_back();
                continue;
            }
            if (i + 1 == args.size() || args[i + 1].empty() || args[i + 1].starts_with("--"))
                fail("missing value for " + arg);
            given.emplace_back(args[++i]);
        }
    }

    // Ends the program: status 2, the reason on one line, then the usage.
    [[noreturn]] void fail(std::string reason) const {
        // An argument with a newline must not make the reason two lines.
        std::replace_if(reason.begin(), reason.end(), [](char c) { return c < ' ' || c == '\x7f'; }, '?');
        std::cerr << program_ << ": " << reason << "\n" << usage_ << std::flush;
        std::exit(2);
    }

    const std::string& positional(std::size_t index) const { return positionals_.at(index); }

    bool has(std::string_view name) const { return values_.contains(name); }

    // The value of flag `name`, or `fallback` when it was not given.
    std::string value(std::string_view name, std::string fallback = {}) const {
        const auto it = values_.find(name);
        return it == values_.end() ? fallback : it->second.front();
    }

    // Every value of a repeatable flag, in command line order.
    std::vector<std::string> values(std::string_view name) const {
        const auto it = values_.find(name);
        return it == values_.end() ? std::vector<std::string>{} : it->second;
    }

    // The value of a flag the program cannot do without.
    std::string required(std::string_view name) const {
        if (!has(name)) fail("missing " + std::string(name));
        return value(name);
    }

    // A decimal number in [min, max]; `what` names it in the message.
    long to_number(const std::string& text, long min, long max, std::string_view what) const {
        // At most 9 digits: std::stol cannot overflow a long.
        if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos ||
            std::stol(text) < min || std::stol(text) > max)
            fail("bad " + std::string(what) + " " + text + " (expected a number from " + std::to_string(min) +
                 " to " + std::to_string(max) + ")");
        return std::stol(text);
    }

    // Flag `name` as a number in [min, max], or `fallback` when not given.
    long number(std::string_view name, long min, long max, long fallback) const {
        return has(name) ? to_number(value(name), min, max, name) : fallback;
    }

    // A server's required listening port; 0 picks a free one.
    unsigned short port(std::string_view name) const {
        return static_cast<unsigned short>(to_number(required(name), 0, 65535, name));
    }

    // Flag `name` as whole seconds, at most a day, or `fallback`.
    std::chrono::seconds seconds(std::string_view name, std::chrono::seconds fallback) const {
        return std::chrono::seconds(number(name, 1, 86400, static_cast<long>(fallback.count())));
    }

    // Flag `name`, which must be one of `choices`, or `fallback`.
    std::string choice(std::string_view name, std::initializer_list<std::string_view> choices,
                       std::string fallback) const {
        if (!has(name)) return fallback;
        const std::string text = value(name);
        if (std::ranges::find(choices, text) != choices.end()) return text;
        std::string expected;
        for (const std::string_view c : choices) expected += (expected.empty() ? "" : "|") + std::string(c);
        fail("bad " + std::string(name) + " " + text + " (expected " + expected + ")");
    }

    // A TLS version flag: the number alone ("1.3"), the name without "TLSv".
    std::optional<mtls::tls_version> version(std::string_view name) const {
        if (!has(name)) return std::nullopt;
        mtls::tls_version version{};
        if (!mtls::from_string("TLSv" + value(name), version))
            fail("bad " + std::string(name) + " " + value(name) + " (expected 1.2 or 1.3)");
        return version;
    }

    // Flag `name` as comma-separated names as mtls::to_string spells them
    // (groups, cipher suites), in the order given: the preference order.
    template <class Value>
    std::optional<std::vector<Value>> names(std::string_view name, std::string_view what) const {
        if (!has(name)) return std::nullopt;
        std::vector<Value> result;
        for (const std::string& item : split(value(name))) {
            Value v{};
            if (!mtls::from_string(item, v))
                fail("bad " + std::string(name) + ": unknown " + std::string(what) + " '" + item + "'");
            result.push_back(v);
        }
        return result;
    }

    // Flag `name` as ALPN protocol names, comma-separated, or `fallback`
    // when not given; RFC 7301 §3.1: ProtocolName<1..2^8-1>.
    std::vector<std::string> alpn(std::string_view name, std::vector<std::string> fallback) const {
        if (!has(name)) return fallback;
        std::vector<std::string> result = split(value(name));
        for (const std::string& protocol : result)
            if (protocol.empty() || protocol.size() > 255)
                fail("bad " + std::string(name) + ": bad ALPN protocol '" + protocol + "'");
        return result;
    }

private:
    const flag* find(std::string_view name) const {
        const auto it = std::ranges::find(flags_, name, &flag::name);
        return it == flags_.end() ? nullptr : &*it;
    }

    static std::vector<std::string> split(std::string_view text) {
        std::vector<std::string> items;
        for (;;) {
            const auto comma = text.find(',');
            items.emplace_back(text.substr(0, comma));
            if (comma == std::string_view::npos) return items;
            text.remove_prefix(comma + 1);
        }
    }

    std::string_view program_;
    std::string_view usage_;
    std::vector<flag> flags_;
    std::vector<std::string> positionals_;
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// --tls-min, --tls-max, --groups and --ciphers, which https_server and
// https_client share: checked when read, applied to a context later.
struct protocol_options {
    std::optional<mtls::tls_version> min_version, max_version;
    std::optional<std::vector<mtls::named_group>> groups;
    std::optional<std::vector<mtls::cipher_suite>> suites;

    explicit protocol_options(const command_line& cli)
        : min_version(cli.version("--tls-min")), max_version(cli.version("--tls-max")),
          groups(cli.names<mtls::named_group>("--groups", "group")),
          suites(cli.names<mtls::cipher_suite>("--ciphers", "cipher suite")) {
        if (min_version && max_version && *min_version > *max_version)
            cli.fail("--tls-min " + cli.value("--tls-min") + " is above --tls-max " + cli.value("--tls-max"));
    }

    void apply(mtls::context& ctx) const {
        if (min_version) ctx.set_min_version(*min_version);
        if (max_version) ctx.set_max_version(*max_version);
        if (groups) ctx.set_groups(*groups);
        if (suites) ctx.set_cipher_suites(*suites);
    }
};

} // namespace examples
