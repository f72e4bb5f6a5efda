#include <mtls/engine.hpp>

#include "context_impl.hpp"
#include "handshake/handshake.hpp"
#include "record/record_layer.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace mtls {
namespace {

using wire::content_type;
using wire::handshake_type;

/// Records in a row that deliver no application data and advance no
/// handshake (empty records, ChangeCipherSpecs, ignored alerts, post-handshake
/// messages) before the peer is treated as flooding: each is legal alone,
/// unbounded they are a denial of service. Go stops at 16.
constexpr unsigned max_records_without_progress = 32;
/// While this much output is queued and unsent, input waits: a peer that
/// sends requests (KeyUpdates, renegotiations) but never reads the answers
/// cannot grow our send queue without bound.
constexpr std::size_t max_pending_output = 256 * 1024;

constexpr std::uint8_t alert_level_warning = 1;
constexpr std::uint8_t alert_level_fatal = 2;

/// RFC 5705 §4: exporter labels must not collide with the labels the TLS 1.2
/// PRF derives its own secrets with (RFC 5246 §8.1, §6.3, §7.4.9; RFC 7627 §4).
bool reserved_exporter_label(std::string_view label) noexcept
{
    constexpr std::array<std::string_view, 5> reserved{"client finished", "server finished", "master secret",
                                                       "extended master secret", "key expansion"};
    return std::find(reserved.begin(), reserved.end(), label) != reserved.end();
}
/// The longest label HKDF-Expand-Label carries after its "tls13 " prefix
/// (RFC 8446 §7.1: opaque label<7..255>).
constexpr std::size_t max_exporter_label = 255 - 6;

} // namespace

struct engine::impl {
    impl(const context& c, role r, engine_test_hooks h) : ctx(c), side(r), hooks(std::move(h)) {}

    context ctx; // keeps the shared configuration alive
    role side;
    engine_test_hooks hooks;
    record::record_layer records;
    connection_info info;
    std::string host;
    std::optional<verify_mode> mode;
    std::optional<verify_callback> callback;
    std::shared_ptr<const detail::session_state> offered_session;
    std::uint16_t port = 0;

    std::optional<handshake::environment> env;
    std::unique_ptr<handshake::handshake_module> hs;
    std::vector<std::byte> hs_buffer; // handshake bytes awaiting a whole message
    bool done = false;
    bool peer_closed = false;
    bool sent_close = false;
    unsigned records_without_progress = 0;
    error_code err;
    crypto::mutable_bytes plaintext;

    void start();
    void process();
    void on_handshake_record(crypto::bytes_view payload);
    void on_change_cipher_spec(const record::record_layer::record& r);
    void on_alert(crypto::bytes_view payload);
    void on_application_data(crypto::mutable_bytes payload);
    error_code export_keying_material(std::string_view label, std::optional<crypto::bytes_view> context,
                                      crypto::mutable_bytes out) const;
    void fail(error_code ec);
    void send_alert(std::uint8_t level, alert a);
    /// Counts a record that moved nothing forward; fails past the limit.
    void no_progress();
};

void engine::impl::send_alert(std::uint8_t level, alert a)
{
    const std::array<std::byte, 2> body{std::byte{level}, std::byte{static_cast<std::uint8_t>(a)}};
    records.send(content_type::alert, body);
}

void engine::impl::fail(error_code ec)
{
    if (err)
        return;
    err = ec;
    plaintext = {};
    // Our own findings are reported to the peer; its alerts and a truncated
    // transport are not answered.
    if (ec.category() == error_category()) {
        auto a = alert_for(error_cause(ec));
        // RFC 8446 §4.4.2.4 names its own alert for a missing client certificate.
        if (ec == mtls::error::peer_certificate_required && info.version == tls_version::tls13)
            a = alert::certificate_required;
        if (a != alert::close_notify)
            send_alert(alert_level_fatal, a);
    }
}

error_code engine::impl::export_keying_material(std::string_view label,
                                                std::optional<crypto::bytes_view> context,
                                                crypto::mutable_bytes out) const
{
    error_code ec;
    if (!done || err)
        ec = mtls::error::not_connected;
    else if (reserved_exporter_label(label))
        ec = mtls::error::exporter_label_reserved;
    else if (label.size() > max_exporter_label)
        ec = mtls::error::exporter_input_too_long;
    else
        ec = hs->export_keying_material(label, context, out);
    if (ec)
        std::fill(out.begin(), out.end(), std::byte{0});
    return ec;
}

void engine::impl::no_progress()
{
    if (++records_without_progress > max_records_without_progress)
        fail(mtls::error::too_many_records_without_progress);
}

void engine::impl::start()
{
    const auto& c = ctx.impl();
    env.emplace(handshake::environment{c, side, host, mode, callback, nullptr, verify_none, {}, nullptr, hooks,
                                       records, info, false, std::move(offered_session), nullptr, {}, {}});
    env->use_credentials(c.current_credentials());
    if (side == role::client && c.client_sessions && !host.empty()) {
        env->session_key = host + ':' + std::to_string(port);
        if (!env->offered_session)
            env->offered_session = c.client_sessions->take(env->session_key, env->now());
    }
    if (side == role::client && !host.empty())
        info.server_name = host;
    hs = side == role::client ? handshake::make_client(*env) : handshake::make_server(*env);
    if (auto ec = hs->start())
        fail(ec);
}

void engine::impl::process()
{
    while (!err && plaintext.empty() && !peer_closed) {
        record::record_layer::record r;
        error_code ec;
        if (!records.next(r, ec)) {
            if (ec)
                fail(ec);
            return;
        }
        // RFC 8446 §5.1: no other record between the fragments of a
        // handshake message (a peer's fatal alert is still heard).
        if (!hs_buffer.empty() && r.type != content_type::handshake &&
            !(r.type == content_type::alert && r.payload.size() == 2 &&
              r.payload[0] == std::byte{alert_level_fatal})) {
            fail(mtls::error::handshake_fragments_interleaved);
            return;
        }
        switch (r.type) {
        case content_type::handshake:
            on_handshake_record(r.payload);
            break;
        case content_type::change_cipher_spec:
            on_change_cipher_spec(r);
            break;
        case content_type::alert:
            on_alert(r.payload);
            break;
        case content_type::application_data:
            on_application_data(r.payload);
            break;
        default:
            fail(mtls::error::unknown_content_type); // RFC 8446 §5: only after decryption in 1.3
            break;
        }
        if (plaintext.empty())
            records.release();
    }
}

void engine::impl::on_handshake_record(crypto::bytes_view payload)
{
    // RFC 5246 §6.2.1: no zero-length handshake fragments.
    if (payload.empty())
        return fail(mtls::error::empty_record);
    if (!hs)
        return fail(mtls::error::unexpected_record);
    // Each header is checked against its type's cap as soon as its four
    // bytes are in, so an oversized message fails before its body arrives.
    hs_buffer.insert(hs_buffer.end(), payload.begin(), payload.end());

    std::size_t off = 0;
    const unsigned epoch = records.read_epoch();
    while (!err && hs_buffer.size() - off >= wire::handshake_header_size) {
        const auto* h = hs_buffer.data() + off;
        const auto type = static_cast<handshake_type>(h[0]);
        const std::size_t len = (static_cast<std::size_t>(h[1]) << 16) |
                                (static_cast<std::size_t>(h[2]) << 8) | static_cast<std::size_t>(h[3]);
        if (len > wire::max_body_size(type, ctx.impl().max_certificate_list))
            return fail(mtls::error::handshake_message_too_large);
        if (hs_buffer.size() - off < wire::handshake_header_size + len)
            break;
        crypto::bytes_view message{h, wire::handshake_header_size + len};
        off += message.size();
        const bool post_handshake = done;
        if (auto ec = hs->on_message(type, message.subspan(wire::handshake_header_size), message))
            return fail(ec);
        // The hellos settled the version: that version's module goes on.
        if (auto next = hs->take_successor())
            hs = std::move(next);
        // RFC 8446 §5.1: a key change must fall on a record boundary.
        if (records.read_epoch() != epoch && off != hs_buffer.size())
            return fail(mtls::error::message_spans_key_change);
        if (post_handshake)
            no_progress(); // KeyUpdate, NewSessionTicket, a refused renegotiation
        else
            records_without_progress = 0;
        if (!done && hs->done()) {
            done = true;
            records.allow_plaintext_alerts(false);
            hs->release_handshake_state();
        }
    }
    hs_buffer.erase(hs_buffer.begin(), hs_buffer.begin() + static_cast<std::ptrdiff_t>(off));
    // Post-handshake messages are rare: an idle connection keeps no room for them.
    if (done && hs_buffer.empty())
        std::vector<std::byte>().swap(hs_buffer);
}

void engine::impl::on_change_cipher_spec(const record::record_layer::record& r)
{
    if (!hs)
        return fail(mtls::error::unexpected_record);
    if (auto ec = handshake::accept_change_cipher_spec(*hs, r.payload, r.was_protected))
        return fail(ec);
    no_progress();
}

void engine::impl::on_alert(crypto::bytes_view payload)
{
    // RFC 8446 §5.4: an alert record with no content is unexpected.
    if (payload.empty())
        return fail(mtls::error::empty_record);
    // RFC 5246 §7.2: level and description; nothing else.
    if (payload.size() != 2)
        return fail(mtls::error::decode_error);
    const auto level = static_cast<std::uint8_t>(payload[0]);
    const auto desc = static_cast<alert>(payload[1]);
    if (desc == alert::close_notify) {
        peer_closed = true;
        if (!done)
            err = make_error_code(alert::close_notify);
        return;
    }
    if (level == alert_level_warning && desc == alert::user_canceled)
        return no_progress(); // RFC 8446 §6.1: informational; close_notify follows
    err = make_error_code(desc);
    plaintext = {};
}

void engine::impl::on_application_data(crypto::mutable_bytes payload)
{
    if (!done)
        return fail(mtls::error::unexpected_record); // RFC 5246 §7.4.9: not before Finished
    // RFC 5246 §6.2.1 allows empty application data records (a traffic
    // analysis countermeasure); they count toward the flood limit.
    if (payload.empty())
        return no_progress();
    records_without_progress = 0;
    plaintext = payload;
}

engine::engine(const context& ctx, role r, engine_test_hooks hooks)
    : impl_(std::make_unique<impl>(ctx, r, std::move(hooks)))
{
}

engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

void engine::set_host_name(std::string host) { impl_->host = std::move(host); }
void engine::set_host_name(std::string host, std::uint16_t port)
{
    impl_->port = port;
    impl_->host = std::move(host);
}
void engine::set_verify_mode(verify_mode mode) { impl_->mode = mode; }
void engine::set_verify_callback(verify_callback cb) { impl_->callback = std::move(cb); }
void engine::set_session(const mtls::session& s) { impl_->offered_session = s.state(); }

void engine::start_handshake()
{
    if (!impl_->hs && !impl_->err)
        impl_->start();
}

std::span<std::byte> engine::input_space()
{
    if (impl_->err || impl_->peer_closed || impl_->records.output_size() > max_pending_output)
        return {};
    return impl_->records.input_space();
}

void engine::commit_input(std::size_t n)
{
    impl_->records.commit(n);
    impl_->process();
}

std::size_t engine::feed(std::span<const std::byte> data)
{
    std::size_t taken = 0;
    while (taken < data.size()) {
        auto space = input_space();
        if (space.empty())
            break;
        auto n = std::min(space.size(), data.size() - taken);
        std::memcpy(space.data(), data.data() + taken, n);
        taken += n;
        commit_input(n);
    }
    return taken;
}

void engine::on_transport_eof()
{
    if (!impl_->peer_closed)
        impl_->fail(impl_->records.foreign_prefix() ? mtls::error::peer_not_tls : mtls::error::stream_truncated);
}

std::span<const std::byte> engine::output() { return impl_->records.output(); }
void engine::consume_output(std::size_t n) { impl_->records.consume(n); }

std::span<const std::byte> engine::plaintext() const noexcept { return impl_->plaintext; }

void engine::consume_plaintext(std::size_t n)
{
    auto& p = impl_->plaintext;
    p = p.subspan(std::min(n, p.size()));
    if (p.empty()) {
        impl_->records.release();
        impl_->process();
    }
}

std::span<std::byte> engine::prepare_record()
{
    if (impl_->hs)
        impl_->hs->before_seal();
    return impl_->records.prepare();
}
void engine::seal_record(std::size_t n) { impl_->records.seal(n); }

std::size_t engine::write(std::span<const std::byte> data)
{
    if (!is_open())
        return 0;
    std::size_t done = 0;
    while (done < data.size()) {
        auto room = prepare_record();
        auto n = std::min(room.size(), data.size() - done);
        std::memcpy(room.data(), data.data() + done, n);
        seal_record(n);
        done += n;
    }
    return done;
}

void engine::close()
{
    auto& i = *impl_;
    if (i.sent_close || i.err)
        return;
    i.sent_close = true;
    if (i.env)
        i.env->write_closed = true;
    i.send_alert(alert_level_warning, alert::close_notify);
}

bool engine::update_keys(bool request_peer)
{
    return is_open() && impl_->hs->update_write_key(request_peer);
}

void engine::export_keying_material(std::string_view label, std::span<const std::byte> context,
                                    std::span<std::byte> out, error_code& ec) const
{
    ec = impl_->export_keying_material(label, context, out);
}

void engine::export_keying_material(std::string_view label, std::span<std::byte> out, error_code& ec) const
{
    ec = impl_->export_keying_material(label, std::nullopt, out);
}

bool engine::handshake_done() const noexcept { return impl_->done; }
bool engine::is_open() const noexcept { return impl_->done && !impl_->err && !impl_->sent_close; }
bool engine::peer_closed() const noexcept { return impl_->peer_closed; }
bool engine::closed_for_writing() const noexcept { return impl_->sent_close; }
bool engine::failed() const noexcept { return static_cast<bool>(impl_->err); }
error_code engine::error() const noexcept { return impl_->err; }

bool engine::wants_input() const noexcept
{
    const auto& i = *impl_;
    return i.hs && !i.err && !i.peer_closed && i.plaintext.empty() &&
           i.records.output_size() <= max_pending_output;
}

const connection_info& engine::info() const noexcept { return impl_->info; }

mtls::session engine::session() const
{
    const auto& env = impl_->env;
    return mtls::session(env ? env->resumable_session : nullptr);
}
role engine::side() const noexcept { return impl_->side; }

} // namespace mtls
