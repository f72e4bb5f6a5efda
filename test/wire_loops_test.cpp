// Every loop over a wire::reader ends, with decode_error, when the last
// element of its list is cut short; and duplicate extensions are found in
// time linear in the size of the block.

#define BOOST_TEST_MODULE wire_loops
#include <boost/test/unit_test.hpp>

#include "support/hex.hpp"
#include "support/print.hpp"

#include "wire/codec.hpp"
#include "wire/messages.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

using namespace mtls;
using namespace mtls::wire;

namespace {

using parse_fn = std::function<error_code(bytes_view)>;
using build_fn = std::function<byte_vec(const byte_vec&)>;

// These parses take microseconds; a busy machine cannot stretch that to
// this, while a loop that no longer advances never gets there.
constexpr auto watchdog = std::chrono::seconds(20);

/// Runs `parse` over `input` on its own thread and waits at most `watchdog`.
/// A parse that spins cannot be stopped: its thread is detached, owning the
/// input, and nullopt lets the test fail with a message instead of hanging.
std::optional<error_code> parse_guarded(byte_vec input, parse_fn parse)
{
    auto data = std::make_shared<const byte_vec>(std::move(input));
    auto result = std::make_shared<std::promise<error_code>>();
    auto answer = result->get_future();
    std::thread worker([data, result, parse = std::move(parse)] { result->set_value(parse(*data)); });
    if (answer.wait_for(watchdog) != std::future_status::ready) {
        worker.detach();
        return std::nullopt;
    }
    worker.join();
    return answer.get();
}

void expect_result(const byte_vec& input, const parse_fn& parse, error_code want)
{
    const auto got = parse_guarded(input, parse);
    BOOST_TEST_REQUIRE(got.has_value(), "the parse did not return within " << watchdog.count()
                                                                          << " s: a loop over the input spins");
    BOOST_TEST(*got == want, "got '" << got->message() << "', want '" << want.message() << "'");
}

byte_vec be(std::size_t v, std::size_t width)
{
    byte_vec out;
    for (std::size_t i = width; i-- > 0;)
        out.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * i))));
    return out;
}

/// `body` behind a length prefix of `width` bytes that matches it.
byte_vec vec(std::size_t width, const byte_vec& body)
{
    return cat({be(body.size(), width), body});
}

byte_vec ext(std::uint16_t type, const byte_vec& body)
{
    return cat({be(type, 2), vec(2, body)});
}

byte_vec client_hello_with_suites(const byte_vec& suites, const byte_vec& extensions)
{
    return cat({hex("0303"), byte_vec(32, std::byte{0x11}), hex("00"), vec(2, suites), hex("01 00"),
                vec(2, extensions)});
}

byte_vec client_hello_with(const byte_vec& extensions)
{
    return client_hello_with_suites(hex("c02b c02f"), extensions);
}

byte_vec server_hello_with(const byte_vec& extensions)
{
    return cat({hex("0303"), byte_vec(32, std::byte{0x22}), hex("00 c02f 00"), vec(2, extensions)});
}

error_code parse_as_client_hello(bytes_view b)
{
    client_hello ch;
    return parse_client_hello(b, ch);
}

error_code parse_as_server_hello(bytes_view b)
{
    server_hello sh;
    return parse_server_hello(b, sh);
}

error_code parse_as_encrypted_extensions(bytes_view b)
{
    hello_extensions e;
    return parse_encrypted_extensions(b, e);
}

error_code parse_as_certificate13(bytes_view b)
{
    certificate13 c;
    return parse_certificate13(b, c);
}

error_code parse_as_certificate_request13(bytes_view b)
{
    certificate_request13 c;
    return parse_certificate_request13(b, c);
}

error_code parse_as_certificate12(bytes_view b)
{
    std::vector<bytes_view> chain;
    return parse_certificate12(b, chain);
}

error_code parse_as_certificate_request12(bytes_view b)
{
    certificate_request12 c;
    return parse_certificate_request12(b, c);
}

parse_fn parse_as_extensions(extensions_in in)
{
    return [in](bytes_view b) {
        hello_extensions e;
        return parse_extensions(b, in, e);
    };
}

/// `build` puts a list's elements where one parse loop reads them. The list
/// made of `whole` parses; each of `cut` appended to `whole` is a last
/// element cut short, and that must be a decode_error, promptly.
void expect_cut_last_element_fails(const build_fn& build, const parse_fn& parse, const byte_vec& whole,
                                   const std::vector<std::pair<const char*, byte_vec>>& cut)
{
    BOOST_TEST_CONTEXT("complete list") { expect_result(build(whole), parse, error_code{}); }
    for (const auto& [what, last] : cut)
        BOOST_TEST_CONTEXT("last element: " << what) { expect_result(build(cat({whole, last})), parse, error::decode_error); }
}

// Cuts of a last element made of a 2-byte type or group and a 2-byte-length vector.
const std::vector<std::pair<const char*, byte_vec>> cut_type_and_vec16{
    {"half of its type", hex("12")},
    {"type without length", hex("1235")},
    {"one byte of its length", hex("1235 00")},
    {"length beyond the list", hex("1235 0004 aabb")},
};

// Cuts of a last element that is one 2-byte-length vector.
const std::vector<std::pair<const char*, byte_vec>> cut_vec16{
    {"one byte of its length", hex("00")},
    {"length beyond the list", hex("0005 aa")},
};

// The last element of a list of 16-bit values.
const std::vector<std::pair<const char*, byte_vec>> cut_u16{{"an odd byte", hex("04")}};

} // namespace

BOOST_AUTO_TEST_SUITE(truncated_last_element)

// The loop that spun: RFC 8446 §4.4.2 entry extensions<0..2^16-1> of one byte.
BOOST_AUTO_TEST_CASE(certificate13_entry_extensions_of_one_byte)
{
    const auto body = hex("00 000007 000001 aa 0001 00");
    expect_result(body, parse_as_certificate13, error::decode_error);
}

BOOST_AUTO_TEST_CASE(certificate13_entry_extensions)
{
    // RFC 8446 §4.4.2: one entry whose extensions block is the list.
    auto build = [](const byte_vec& l) { return cat({hex("00"), vec(3, cat({hex("000001 aa"), vec(2, l)}))}); };
    expect_cut_last_element_fails(build, parse_as_certificate13, hex("0005 0000 0012 0002 aabb"),
                                  cut_type_and_vec16);
}

BOOST_AUTO_TEST_CASE(certificate13_entries)
{
    auto build = [](const byte_vec& l) { return cat({hex("00"), vec(3, l)}); };
    expect_cut_last_element_fails(build, parse_as_certificate13, hex("000001 aa 0000 000002 bbcc 0004 0005 0000"),
                                  {
                                      {"two bytes of its cert_data length", hex("0000")},
                                      {"cert_data beyond the list", hex("000005 aabb")},
                                      {"no extensions length", hex("000001 aa")},
                                      {"one byte of its extensions length", hex("000001 aa 00")},
                                      {"extensions beyond the list", hex("000001 aa 0004 aabb")},
                                  });
}

BOOST_AUTO_TEST_CASE(certificate12_entries)
{
    // RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1>, each <1..2^24-1>.
    auto build = [](const byte_vec& l) { return vec(3, l); };
    expect_cut_last_element_fails(build, parse_as_certificate12, hex("000001 aa 000002 bbcc"),
                                  {
                                      {"two bytes of its length", hex("0000")},
                                      {"length beyond the list", hex("000004 aabb")},
                                  });
}

BOOST_AUTO_TEST_CASE(certificate_request12_authorities)
{
    // RFC 5246 §7.4.4: DistinguishedName certificate_authorities<0..2^16-1>.
    auto build = [](const byte_vec& l) { return cat({hex("02 01 40"), vec(2, hex("0403 0804")), vec(2, l)}); };
    expect_cut_last_element_fails(build, parse_as_certificate_request12, hex("0002 aabb 0001 cc"), cut_vec16);
}

BOOST_AUTO_TEST_CASE(certificate_request12_signature_algorithms)
{
    auto build = [](const byte_vec& l) { return cat({hex("02 01 40"), vec(2, l), hex("0000")}); };
    expect_cut_last_element_fails(build, parse_as_certificate_request12, hex("0403 0804"), cut_u16);
}

BOOST_AUTO_TEST_CASE(certificate_authorities_extension)
{
    // RFC 8446 §4.2.4, in a TLS 1.3 CertificateRequest beside signature_algorithms.
    auto build = [](const byte_vec& l) {
        return cat({hex("00"), vec(2, cat({ext(0x000d, vec(2, hex("0403"))), ext(0x002f, vec(2, l))}))});
    };
    expect_cut_last_element_fails(build, parse_as_certificate_request13, hex("0002 aabb 0001 cc"), cut_vec16);
}

BOOST_AUTO_TEST_CASE(server_name_list)
{
    // RFC 6066 §3: ServerName server_name_list<1..2^16-1>: type, then a
    // 2-byte-length name. The cut entries are of an unknown name type.
    auto build = [](const byte_vec& l) { return client_hello_with(ext(0x0000, vec(2, l))); };
    expect_cut_last_element_fails(build, parse_as_client_hello, hex("00 000b 6578616d706c652e636f6d"),
                                  {
                                      {"type without length", hex("01")},
                                      {"one byte of its length", hex("01 00")},
                                      {"name beyond the list", hex("01 0005 abcd")},
                                  });
}

BOOST_AUTO_TEST_CASE(key_share_client_shares)
{
    // RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>.
    auto build = [](const byte_vec& l) { return client_hello_with(ext(0x0033, vec(2, l))); };
    expect_cut_last_element_fails(build, parse_as_client_hello, hex("001d 0002 aabb 0017 0001 cc"),
                                  cut_type_and_vec16);
}

BOOST_AUTO_TEST_CASE(supported_versions_list)
{
    // RFC 8446 §4.2.1: ProtocolVersion versions<2..254>, behind one length byte.
    auto build = [](const byte_vec& l) { return client_hello_with(ext(0x002b, vec(1, l))); };
    expect_cut_last_element_fails(build, parse_as_client_hello, hex("0304 0303"), cut_u16);
}

BOOST_AUTO_TEST_CASE(u16_list_extensions)
{
    // supported_groups (RFC 8446 §4.2.7), signature_algorithms and
    // signature_algorithms_cert (§4.2.3): lists of 16-bit values.
    for (std::uint16_t type : {0x000a, 0x000d, 0x0032}) {
        BOOST_TEST_CONTEXT("extension " << type)
        {
            auto build = [type](const byte_vec& l) { return client_hello_with(ext(type, vec(2, l))); };
            expect_cut_last_element_fails(build, parse_as_client_hello, hex("0403 0804"), cut_u16);
        }
    }
}

BOOST_AUTO_TEST_CASE(cipher_suites)
{
    auto build = [](const byte_vec& l) { return client_hello_with_suites(l, hex("0017 0000")); };
    expect_cut_last_element_fails(build, parse_as_client_hello, hex("c02b c02f"), cut_u16);
}

BOOST_AUTO_TEST_CASE(extensions_block_in_each_message)
{
    // RFC 8446 §4.2: Extension extensions<...>, each a type and a 2-byte-length body.
    const auto whole = hex("1234 0002 aabb 0017 0000");
    const std::vector<std::tuple<const char*, build_fn, parse_fn>> messages{
        {"ClientHello", client_hello_with, parse_as_client_hello},
        {"ServerHello", server_hello_with, parse_as_server_hello},
        {"EncryptedExtensions", [](const byte_vec& l) { return vec(2, l); }, parse_as_encrypted_extensions},
        {"CertificateRequest 1.3", [](const byte_vec& l) { return cat({hex("00"), vec(2, l)}); },
         parse_as_certificate_request13},
    };
    for (const auto& [name, build, parse] : messages)
        BOOST_TEST_CONTEXT(name) { expect_cut_last_element_fails(build, parse, whole, cut_type_and_vec16); }

    auto bare = [](const byte_vec& l) { return l; };
    for (auto in : {extensions_in::client_hello, extensions_in::server_hello, extensions_in::hello_retry_request,
                    extensions_in::encrypted_extensions, extensions_in::certificate_request}) {
        BOOST_TEST_CONTEXT("parse_extensions, place " << static_cast<int>(in))
        {
            expect_cut_last_element_fails(bare, parse_as_extensions(in), whole, cut_type_and_vec16);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(duplicate_extensions)

namespace {

// Types 0x1000.. are unassigned, so each empty extension is skipped as unknown.
constexpr std::uint16_t first_unknown = 0x1000;
constexpr std::size_t many = 16000; // 64 000 bytes: still fits one extensions block

byte_vec many_unknown_extensions()
{
    byte_vec out;
    for (std::size_t i = 0; i < many; ++i) {
        const auto one = ext(static_cast<std::uint16_t>(first_unknown + i), {});
        out.insert(out.end(), one.begin(), one.end());
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(sixteen_thousand_distinct_extensions_parse_in_order)
{
    const auto block = many_unknown_extensions();
    hello_extensions e;
    BOOST_TEST_REQUIRE(parse_extensions(block, extensions_in::client_hello, e) == error_code{});
    BOOST_TEST_REQUIRE(e.present.size() == many);
    bool in_order = true;
    for (std::size_t i = 0; i < many; ++i)
        in_order = in_order && e.present[i] == first_unknown + i;
    BOOST_TEST(in_order);

    client_hello ch;
    BOOST_TEST(parse_client_hello(client_hello_with(block), ch) == error_code{});
    BOOST_TEST(ch.ext.present.size() == many);
}

BOOST_AUTO_TEST_CASE(duplicate_at_the_very_end_is_caught)
{
    // RFC 8446 §4.2: no more than one extension of the same type in a block.
    const auto block = many_unknown_extensions();
    for (std::uint16_t repeated : {first_unknown, static_cast<std::uint16_t>(first_unknown + many / 2),
                                   static_cast<std::uint16_t>(first_unknown + many - 1)}) {
        BOOST_TEST_CONTEXT("type " << repeated << " again")
        {
            const auto with_dup = cat({block, ext(repeated, {})});
            hello_extensions e;
            BOOST_TEST(parse_extensions(with_dup, extensions_in::client_hello, e) == error::duplicate_extension);
            client_hello ch;
            BOOST_TEST(parse_client_hello(client_hello_with(with_dup), ch) == error::duplicate_extension);
        }
    }
}

BOOST_AUTO_TEST_CASE(duplicates_at_the_ends_of_the_type_range)
{
    for (std::uint16_t type : {0x0000, 0xffff}) {
        BOOST_TEST_CONTEXT("type " << type)
        {
            const auto one = ext(type, {});
            hello_extensions e;
            BOOST_TEST(parse_extensions(cat({one, one}), extensions_in::server_hello, e) ==
                       error::duplicate_extension);
        }
    }
}

BOOST_AUTO_TEST_CASE(same_type_in_separate_blocks_is_not_a_duplicate)
{
    // Detection is per block: a second block of the same types parses.
    const auto block = hex("1234 0000 ffff 0000");
    for (int i = 0; i < 2; ++i) {
        hello_extensions e;
        BOOST_TEST(parse_extensions(block, extensions_in::encrypted_extensions, e) == error_code{});
    }
}

BOOST_AUTO_TEST_SUITE_END()
