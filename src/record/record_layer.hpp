#ifndef MTLS_SRC_RECORD_RECORD_LAYER_HPP
#define MTLS_SRC_RECORD_RECORD_LAYER_HPP

// Record framing both ways: the receive buffer (records are decrypted in
// place and handed out as spans) and the send queue (records are built and
// sealed in place). It knows content types, sizes and protection, not what a
// handshake message means.

#include "record/protection.hpp"
#include "record/record_buffer.hpp"

#include <array>
#include <optional>

namespace mtls::record {

/// What protection adds to a record at most: explicit nonce, tag, inner type.
inline constexpr std::size_t max_record_overhead = 8 + crypto::aead_tag_size + 1;
/// Receive buffer: two maximal TLS 1.2 records (RFC 5246 §6.2.3), so a
/// whole record plus the start of the next can be read in one go.
inline constexpr std::size_t receive_block = 2 * (header_size + max_ciphertext12);
/// Send queue: four full records, what tls_stream seals for one write.
inline constexpr std::size_t send_block = 4 * (header_size + max_plaintext + max_record_overhead);

class record_layer {
public:
    record_layer();

    // Receiving.
    /// Free space after the buffered input. Compacts the buffer first unless
    /// a payload handed out by `next` is still held. While the input fits in
    /// `small_input_size` bytes the space lies inside the record layer; a
    /// pooled buffer is taken when a record does not fit and given back once
    /// nothing is buffered or held, so an idle connection holds none.
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
    void release() noexcept;
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
    /// Each record takes the room its content needs.
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
    /// A queue consumed to its end gives its storage back.
    void consume(std::size_t n) noexcept;
    bool output_empty() const noexcept { return out_.size() == out_off_ && next_.empty(); }
    /// Bytes queued and not yet consumed.
    std::size_t output_size() const noexcept { return out_.size() - out_off_ + next_.size(); }

    /// Room inside the record layer for input while no buffer is taken:
    /// enough for small records, which are then opened where they lie.
    static constexpr std::size_t small_input_size = 512;

private:
    record_buffer& queue() noexcept { return out_locked_ ? next_ : out_; }
    /// Lays out a record for `n` bytes of content at the end of the queue;
    /// returns the room for the content.
    mutable_bytes reserve_record(std::size_t n);
    void seal_as(content_type type, std::size_t n);

    std::byte* rx_data() noexcept { return rx_.empty() ? small_rx_.data() : rx_.data(); }
    std::size_t rx_size() const noexcept { return rx_.empty() ? small_rx_.size() : rx_.size(); }
    /// The buffered input, and the record it begins, fit in `small_rx_`.
    bool fits_small() const noexcept;
    /// Nothing buffered or held: gives the pooled buffer back.
    void release_input() noexcept;

    record_buffer rx_;
    std::array<std::byte, small_input_size> small_rx_;
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

    record_buffer out_;
    record_buffer next_;
    std::size_t out_off_ = 0;
    bool out_locked_ = false;
    std::size_t prepared_at_ = 0;   // where the record being prepared starts
    std::uint16_t write_version_ = wire::version_tls12;
    std::optional<protection> wr_protection_;
};

} // namespace mtls::record

#endif
