#include "record/record_layer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace mtls::record {
namespace {

std::uint16_t get16(const std::byte* p)
{
    return static_cast<std::uint16_t>((static_cast<unsigned>(p[0]) << 8) | static_cast<unsigned>(p[1]));
}

bool known_type(std::byte b)
{
    auto t = static_cast<content_type>(b);
    return t == content_type::change_cipher_spec || t == content_type::alert ||
           t == content_type::handshake || t == content_type::application_data;
}

/// A header any TLS peer could send first: a content type TLS defines
/// (change_cipher_spec 20 to heartbeat 24) and a version {03,XX}.
bool tls_header(const std::byte* hdr)
{
    const auto type = static_cast<unsigned>(hdr[0]);
    return type >= 20 && type <= 24 && hdr[1] == std::byte{0x03};
}

/// How plain HTTP begins: a request method and a space (RFC 9110 §9.1), or a
/// response's status line (RFC 9112 §4). PRI starts HTTP/2's preface (RFC 9113 §3.4).
constexpr std::array<std::string_view, 11> http_starts{
    "GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE ", "PRI ", "HTTP/"};

/// What first bytes no TLS peer sends say about the peer: peer_speaks_http or
/// peer_not_tls, or nothing yet while `received` is a shorter prefix of an
/// HTTP start. Reads no more than `received`.
error_code foreign_peer_error(bytes_view received)
{
    bool undecided = false;
    for (const auto start : http_starts) {
        const std::size_t n = std::min(start.size(), received.size());
        if (std::memcmp(received.data(), start.data(), n) != 0)
            continue;
        if (n == start.size())
            return error::peer_speaks_http;
        undecided = true;
    }
    if (undecided)
        return {};
    return error::peer_not_tls;
}

} // namespace

record_layer::record_layer() : rx_(receive_block), out_(send_block), next_(send_block) {}

mutable_bytes record_layer::input_space()
{
    std::byte* buffered = rx_data();
    if (!held_ && start_ > 0) {
        std::memmove(buffered, buffered + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
    }
    if (rx_.empty() && !fits_small()) {
        // A payload still held stays where it lies: small_rx_ is not written
        // again before the buffer goes back, which waits for its release.
        rx_.resize(receive_block);
        std::memcpy(rx_.data(), small_rx_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
    }
    return {rx_data() + end_, rx_size() - end_};
}

bool record_layer::fits_small() const noexcept
{
    if (end_ == small_rx_.size())
        return false;
    if (end_ - start_ < header_size)
        return true;
    return start_ + header_size + get16(small_rx_.data() + start_ + 3) <= small_rx_.size();
}

void record_layer::release() noexcept
{
    held_ = false;
    release_input();
}

void record_layer::release_input() noexcept
{
    if (held_ || start_ != end_)
        return;
    rx_.release();
    start_ = 0;
    end_ = 0;
}

bool record_layer::version_ok(std::uint16_t v) const noexcept
{
    switch (version_rule_) {
    case initial_versions: return (v >> 8) == 0x03;
    case any_version: return true;
    default: return v == version_rule_;
    }
}

bool record_layer::drop_early_data(std::size_t length, error_code& ec) noexcept
{
    // RFC 8446 §4.5: only the content counts, not the tag and inner type.
    const std::size_t content = length > crypto::aead_tag_size + 1 ? length - crypto::aead_tag_size - 1 : 0;
    if (content > early_data_budget_) {
        ec = error::too_much_early_data;
        return false;
    }
    early_data_budget_ -= content;
    return true;
}

bool record_layer::next(record& out, error_code& ec)
{
    ec = {};
    for (;;) {
        if (end_ - start_ < header_size) {
            release_input();
            return false;
        }
        std::byte* hdr = rx_data() + start_;
        if (awaiting_first_header_ && !tls_header(hdr)) {
            // A peer that does not speak TLS (plain HTTP, an SSH banner)
            // fails on its first bytes; later garbage is a TLS peer's fault.
            ec = foreign_peer_error({hdr, end_ - start_});
            return false;
        }
        awaiting_first_header_ = false;
        // RFC 5246 §6.2.1 / RFC 8446 §5.1: check the header before waiting for the body.
        if (!known_type(hdr[0])) {
            ec = error::unknown_content_type;
            return false;
        }
        if (!version_ok(get16(hdr + 1))) {
            ec = error::bad_record_version;
            return false;
        }
        std::size_t length = get16(hdr + 3);
        std::size_t limit = rd_protection_ ? rd_protection_->max_ciphertext() : max_plaintext;
        if (length > limit) {
            ec = error::record_overflow;
            return false;
        }
        if (end_ - start_ < header_size + length)
            return false;

        mutable_bytes whole{hdr, header_size + length};
        start_ += whole.size();
        out.type = static_cast<content_type>(hdr[0]);
        out.payload = whole.subspan(header_size);
        out.was_protected = false;
        if (!rd_protection_) {
            if (early_data_skip_ == early_data_skip::application_data && out.type == content_type::application_data) {
                if (!drop_early_data(length, ec))
                    return false;
                continue;
            }
            held_ = true;
            return true;
        }
        if (rd_protection_->tls13()) {
            // RFC 8446 §5: protected records say application_data outside; an
            // unprotected ChangeCipherSpec may still come (the handshake module
            // judges it), and so may an alert from a peer without our keys.
            if (out.type == content_type::change_cipher_spec ||
                (out.type == content_type::alert && plaintext_alerts_)) {
                held_ = true;
                return true;
            }
            if (out.type != content_type::application_data) {
                ec = error::unexpected_record;
                return false;
            }
        }
        if ((ec = rd_protection_->open(whole, out.type, out.payload))) {
            if (ec == error::bad_record_mac && early_data_skip_ == early_data_skip::undecryptable) {
                ec = {};
                if (!drop_early_data(length, ec))
                    return false;
                continue;
            }
            return false;
        }
        early_data_skip_ = early_data_skip::none; // RFC 8446 §4.2.10: the client's second flight begins
        out.was_protected = true;
        held_ = true;
        if (out.payload.size() > max_plaintext) {
            ec = error::record_overflow; // RFC 5246 §6.2.3, RFC 8446 §5.4
            return false;
        }
        return true;
    }
}

void record_layer::seal_as(content_type type, std::size_t n)
{
    // The record was laid out at prepared_at_: header, prefix, n bytes, room.
    auto& q = queue();
    std::byte* rec = q.data() + prepared_at_;
    std::size_t total;
    if (wr_protection_) {
        total = wr_protection_->seal(type, write_version_, rec, n);
    } else {
        rec[0] = std::byte(static_cast<std::uint8_t>(type));
        rec[1] = std::byte(static_cast<std::uint8_t>(write_version_ >> 8));
        rec[2] = std::byte(static_cast<std::uint8_t>(write_version_));
        rec[3] = std::byte(static_cast<std::uint8_t>(n >> 8));
        rec[4] = std::byte(static_cast<std::uint8_t>(n));
        total = header_size + n;
    }
    q.resize(prepared_at_ + total);
}

mutable_bytes record_layer::reserve_record(std::size_t n)
{
    auto& q = queue();
    prepared_at_ = q.size();
    const std::size_t prefix = wr_protection_ ? wr_protection_->prefix_size() : 0;
    const std::size_t suffix = wr_protection_ ? wr_protection_->suffix_size() : 0;
    q.resize(q.size() + header_size + prefix + n + suffix);
    return {q.data() + prepared_at_ + header_size + prefix, n};
}

mutable_bytes record_layer::prepare() { return reserve_record(max_plaintext); }

void record_layer::seal(std::size_t n)
{
    seal_as(content_type::application_data, std::min(n, max_plaintext));
}

void record_layer::send(content_type type, bytes_view data)
{
    do {
        auto chunk = data.first(std::min(data.size(), max_plaintext));
        auto room = reserve_record(chunk.size());
        std::memcpy(room.data(), chunk.data(), chunk.size());
        seal_as(type, chunk.size());
        data = data.subspan(chunk.size());
    } while (!data.empty());
}

bytes_view record_layer::output() noexcept
{
    if (out_off_ == out_.size() && !out_locked_ && !next_.empty()) {
        out_.swap(next_);
        out_off_ = 0;
    }
    out_locked_ = out_off_ < out_.size();
    return {out_.data() + out_off_, out_.size() - out_off_};
}

void record_layer::consume(std::size_t n) noexcept
{
    out_off_ = std::min(out_off_ + n, out_.size());
    if (out_off_ == out_.size()) {
        out_.release();
        out_off_ = 0;
        out_locked_ = false;
        out_.swap(next_);
    }
}

} // namespace mtls::record
