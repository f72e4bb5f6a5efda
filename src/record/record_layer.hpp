#ifndef MTLS_SRC_RECORD_RECORD_LAYER_HPP
#define MTLS_SRC_RECORD_RECORD_LAYER_HPP

// Record framing both ways: the receive buffer (records are decrypted in
// place and handed out as spans) and the send queue (records are built and
// sealed in place). It knows content types, sizes and protection, not what a
// handshake message means.

#include "record/protection.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace mtls::record {

/// Leaves new elements uninitialised on resize: `prepare()` grows the send
/// queue by a whole record's room for every record, and zero-filling 16 KiB
/// that is overwritten at once would be wasted work on the hot path.
template <class T>
struct uninitialised_allocator : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = uninitialised_allocator<U>;
    };
    uninitialised_allocator() = default;
    template <class U>
    uninitialised_allocator(const uninitialised_allocator<U>&) noexcept {}
    template <class U>
    void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) { ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...); }
};

using send_buffer = std::vector<std::byte, uninitialised_allocator<std::byte>>;

class record_layer {
public:
    record_layer();

    // Receiving.
    /// Free space after the buffered input. Compacts the buffer first unless
    /// a payload handed out by `next` is still held.
    mutable_bytes input_space();
    void commit(std::size_t n) noexcept { end_ += n; }

    struct record {
        content_type type{};
        mutable_bytes payload;
        /// It came under record protection (the handshake judges whether a
        /// ChangeCipherSpec may).
        bool was_protected = false;
    };
    /// The next complete record, checked and decrypted in place. Returns
    /// false with `ec` empty when a whole record has not arrived yet. The
    /// payload stays valid until `release()` and the next call to input_space.
    bool next(record& out, error_code& ec);
    /// The payload of the last record is no longer referenced.
    void release() noexcept { held_ = false; }
    /// Bytes of an incomplete record are buffered.
    bool has_partial() const noexcept { return end_ > start_; }
    /// The first bytes received are no TLS record header, and too few to
    /// tell whether they are HTTP: a transport ending here ends a peer that
    /// does not speak TLS.
    bool foreign_prefix() const noexcept { return awaiting_first_header_ && end_ - start_ >= header_size; }

    /// TLS 1.2 settled: record headers must carry exactly `v`.
    void expect_version(std::uint16_t v) noexcept { version_rule_ = v; }
    /// TLS 1.3 settled: legacy_record_version "MUST be ignored for all
    /// purposes" (RFC 8446 §5.1).
    void ignore_version() noexcept { version_rule_ = any_version; }
    void set_read_protection(std::optional<protection> p)
    {
        rd_protection_ = std::move(p);
        ++read_epoch_;
        if (early_data_skip_ == early_data_skip::application_data)
            early_data_skip_ = early_data_skip::none;
    }

    /// RFC 8446 §4.2.10: how a server that declined the client's early data
    /// drops it. `undecryptable`: records that fail to open under the
    /// handshake key, until one opens. `application_data`: records of outer
    /// type application_data, until read keys are set (after a
    /// HelloRetryRequest). At most `budget` bytes are dropped; past that the
    /// connection fails with too_much_early_data.
    enum class early_data_skip : std::uint8_t { none, undecryptable, application_data };
    void skip_early_data(early_data_skip mode, std::size_t budget) noexcept
    {
        early_data_skip_ = mode;
        early_data_budget_ = budget;
    }
    /// Counts read key changes: a handshake message may not straddle one.
    unsigned read_epoch() const noexcept { return read_epoch_; }
    /// TLS 1.3 handshake: a peer that fails before it has our keys can only
    /// send its alert unprotected; accepting it reports the real cause.
    void allow_plaintext_alerts(bool allow) noexcept { plaintext_alerts_ = allow; }
    bool read_protected() const noexcept { return rd_protection_.has_value(); }

    // Sending.
    /// Queues `data` as records of `type`, at most 2^14 bytes each (RFC 5246 §6.2.1).
    void send(content_type type, bytes_view data);
    /// Room for the payload of one application data record (at most 2^14).
    mutable_bytes prepare();
    /// Seals the first `n` bytes of the last `prepare()` as one record.
    void seal(std::size_t n);
    void set_write_protection(std::optional<protection> p) { wr_protection_ = std::move(p); }
    void set_write_version(std::uint16_t v) noexcept { write_version_ = v; }
    bool write_protected() const noexcept { return wr_protection_.has_value(); }
    const protection* write_protection() const noexcept { return wr_protection_ ? &*wr_protection_ : nullptr; }
    const protection* read_protection() const noexcept { return rd_protection_ ? &*rd_protection_ : nullptr; }

    /// Queued bytes. Once returned they stay put until all are consumed: later
    /// records queue behind them in a second buffer.
    bytes_view output() noexcept;
    void consume(std::size_t n) noexcept;
    bool output_empty() const noexcept { return out_.size() == out_off_ && next_.empty(); }
    /// Bytes queued and not yet consumed.
    std::size_t output_size() const noexcept { return out_.size() - out_off_ + next_.size(); }

private:
    send_buffer& queue() noexcept { return out_locked_ ? next_ : out_; }
    void seal_as(content_type type, std::size_t n);

    std::vector<std::byte> rx_;
    std::size_t start_ = 0;
    std::size_t end_ = 0;
    bool held_ = false;
    /// No header accepted yet: the next one decides whether the peer speaks TLS.
    bool awaiting_first_header_ = true;
    /// Before the version is settled any {03,XX} is taken: RFC 5246 §E.1 and
    /// RFC 8446 §5.1 let the first ClientHello's record carry any of them.
    static constexpr std::uint32_t initial_versions = 0x10000;
    static constexpr std::uint32_t any_version = 0x10001;
    bool version_ok(std::uint16_t v) const noexcept;
    /// True when the record of `length` bytes is early data to drop (and
    /// pays for it from the budget); sets `ec` when the budget is spent.
    bool drop_early_data(std::size_t length, error_code& ec) noexcept;

    std::uint32_t version_rule_ = initial_versions;
    early_data_skip early_data_skip_ = early_data_skip::none;
    std::size_t early_data_budget_ = 0;
    std::optional<protection> rd_protection_;
    unsigned read_epoch_ = 0;
    bool plaintext_alerts_ = true;

    send_buffer out_;
    send_buffer next_;
    std::size_t out_off_ = 0;
    bool out_locked_ = false;
    std::size_t prepared_at_ = 0;   // where the record being prepared starts
    std::uint16_t write_version_ = wire::version_tls12;
    std::optional<protection> wr_protection_;
};

} // namespace mtls::record

#endif
