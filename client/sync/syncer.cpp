#include "client/sync/syncer.hpp"

#include "client/sync/answers.hpp"

#include "client/queue/lane_queues.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "common/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace borderlog::client {

namespace json = boost::json;

namespace {

constexpr int kMaxReconcileRounds = 3;

void note_contact(Outbox& outbox, const char* central) {
    outbox.set_meta("central", central);
    if (std::string_view(central) == "online") outbox.set_meta("last_sync_at", core::format_rfc3339(core::now_millis()));
}

std::string problem_code(const std::string& body) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (!ec && v.is_object())
        if (const auto* c = v.get_object().if_contains("code"); c && c->is_string()) return std::string(c->get_string());
    return {};
}

// The answer to anything but 200: unavailable (retry later) or failed (a 500, a refused token: retried
// too, with backoff, and shown in status). Only a 503 says the centre is away.
SyncReport refused(Outbox& outbox, const HttpResponse& res, const SyncReport& so_far) {
    SyncReport r = so_far;
    const bool retry_later = res.status == 503 || res.status == 502 || res.status == 504 || res.status == 429;
    r.status = retry_later ? SyncStatus::unavailable : SyncStatus::failed;
    r.retry_after = res.retry_after;
    const std::string code = problem_code(res.body);
    r.error = "the server answered " + std::to_string(res.status) + (code.empty() ? "" : " " + code);
    note_contact(outbox, res.status == 503 ? "offline" : "online");
    return r;
}

SyncReport unreachable(Outbox& outbox, const TransportError& e, const SyncReport& so_far) {
    SyncReport r = so_far;
    r.error = e.what();
    if (dynamic_cast<const TlsError*>(&e)) {
        // A certificate refused (a wrong CA, expired, another name): a setting to fix, not an outage.
        r.status = SyncStatus::failed;
        r.error = "TLS: " + r.error;
        return r;
    }
    note_contact(outbox, "offline");
    r.status = SyncStatus::unavailable;
    return r;
}

std::optional<std::int64_t> whole(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_int64()) return std::nullopt;
    return v->get_int64();
}

// Reads GET /api/v1/token's limits into the outbox. Returns a report when the round cannot go on.
std::optional<SyncReport> refresh_limits(Outbox& outbox, HttpClient& http, const ClientConfig& config,
                                         SyncState& state, const SyncReport& so_far) {
    HttpResponse res;
    try {
        res = http.request("GET", "/api/v1/token", "", config.token);
    } catch (const TransportError& e) {
        return unreachable(outbox, e, so_far);
    }
    if (res.status == 503 || res.status == 401 || res.status == 403) return refused(outbox, res, so_far);
    if (res.status != 200) return std::nullopt;  // a centre too old to tell its limits (404), or a 500: go on as known
    remember_limits(outbox, res.body);
    state.limits_fresh = true;
    return std::nullopt;
}

// A whole batch refused for what it carries (unreadable JSON, too large): one of its records is at fault.
bool refused_for_content(unsigned status) { return status == 400 || status == 413 || status == 422; }

void log_stale(const std::string& stream_id, const std::string& new_stream, std::int64_t carried) {
    common::log_event(spdlog::level::warn, "stale_outbox_detected",
                      {{"stream_id", stream_id}, {"new_stream_id", new_stream}, {"carried_over", carried},
                       {"note", "the centre already holds later records of this stream: this outbox is an old "
                                "copy; records go on in a new stream, none is lost or doubled"}});
}

// Sends everything pending. Returns the report of the first batch that did not go through, or drained.
SyncReport push_pending(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options,
                        SyncState& state, SyncReport report) {
    std::size_t narrowed = SIZE_MAX;  // set while a refused batch is being narrowed down
    for (;;) {
        if (options.stop_requested && options.stop_requested()) {
            report.status = SyncStatus::stopped;
            return report;
        }
        const ServerLimits limits = known_limits(outbox);
        const std::size_t count = std::min({options.batch_size, limits.max_batch_records, narrowed});
        const std::size_t bytes =
            limits.max_body_bytes > kBatchEnvelopeBytes ? limits.max_body_bytes - kBatchEnvelopeBytes : SIZE_MAX;
        const auto batch = outbox.next_pending(std::max<std::size_t>(count, 1), bytes);
        if (batch.empty()) return report;
        if (!state.limits_fresh) {
            // Once per process, and again after a sign they changed: the batch is then read again under them.
            if (auto stop = refresh_limits(outbox, http, config, state, report)) return *stop;
            state.limits_fresh = true;  // also when the centre could not say (a 500): go on with what is known
            continue;
        }
        std::string body = R"({"device_time":")" + core::format_rfc3339(core::now_millis()) + R"(","records":[)";
        for (std::size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i].body;
        body += "]}";
        HttpResponse res;
        try {
            res = http.request("POST", "/api/v1/crossings/batch", body, config.token);
        } catch (const TransportError& e) {
            state.limits_fresh = false;  // a connection cut while sending may be a limit that changed
            return unreachable(outbox, e, report);
        }
        if (refused_for_content(res.status)) {
            note_contact(outbox, "online");
            if (res.status == 413) {
                common::log_event(spdlog::level::warn, "batch_too_large",
                                  {{"records", batch.size()}, {"bytes", body.size()},
                                   {"note", "the centre's body limit is below what it told; asking it again"}});
                state.limits_fresh = false;
                if (auto stop = refresh_limits(outbox, http, config, state, report)) return *stop;
            }
            if (batch.size() > 1) {
                narrowed = std::max<std::size_t>(1, batch.size() / 2);  // narrow down to the record at fault
                continue;
            }
            // This one record is refused whatever else travels with it: set it aside, go on with the rest.
            const std::string code = problem_code(res.body);
            outbox.mark_rejected(batch.front().id, code.empty() ? "http_" + std::to_string(res.status) : code,
                                 "the server refused the record alone with " + std::to_string(res.status));
            ++report.rejected;
            common::log_event(spdlog::level::warn, "record_rejected",
                              {{"stream_id", batch.front().stream_id}, {"seq", batch.front().seq},
                               {"id", batch.front().id}, {"code", code}});
            continue;
        }
        if (res.status != 200) return refused(outbox, res, report);
        const auto answers = read_batch_answer(batch, res.body);
        if (!answers) {
            report.status = SyncStatus::failed;
            report.error = "the server's answer does not match the batch sent";
            return report;
        }
        const AnswerApplied applied = outbox.apply_answer(*answers);
        std::string stale_stream;
        for (std::size_t i = 0; i < answers->size(); ++i) {
            const auto& a = (*answers)[i];
            if (a.kind == RecordAnswer::Kind::acknowledged) {
                (a.code == "stored" ? report.stored : report.duplicates)++;
            } else if (a.kind == RecordAnswer::Kind::rejected) {
                ++report.rejected;
                common::log_event(spdlog::level::warn, "record_rejected",
                                  {{"stream_id", batch[i].stream_id}, {"seq", batch[i].seq}, {"id", a.id},
                                   {"code", a.code}});
            } else if (stale_stream.empty()) {
                stale_stream = batch[i].stream_id;
            }
        }
        if (applied.carried_over > 0) {
            report.carried_over += applied.carried_over;
            log_stale(stale_stream, applied.new_stream_id.value_or(outbox.stats().stream_id), applied.carried_over);
        }
        note_contact(outbox, "online");
        if (narrowed != SIZE_MAX) narrowed = narrowed >= options.batch_size ? SIZE_MAX : narrowed * 2;  // grow back
    }
}

struct ReconcileBudget {
    int pages = 0;
    std::int64_t requeue = 0;
};

// Asks which seqs of one stream the centre lacks, queues them again and confirms what it holds.
// Returns how many were queued again; `problem` says why an answer was not believed.
std::int64_t reconcile_stream(Outbox& outbox, HttpClient& http, const ClientConfig& config, const std::string& stream_id,
                              ReconcileBudget& budget, std::string& problem) {
    const std::int64_t local_last = outbox.last_seq(stream_id);
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    std::int64_t server_max = 0;
    std::string server_time;
    bool complete = false;
    while (budget.pages > 0) {
        --budget.pages;
        const std::int64_t after = ranges.empty() ? 0 : ranges.back().second;
        std::string target = "/api/v1/devices/" + config.device.device_id + "/reconcile";
        std::string query = stream_id.empty() ? "" : "stream=" + stream_id;
        if (after > 0) query += (query.empty() ? "" : "&") + std::string("after=") + std::to_string(after);
        if (!query.empty()) target += "?" + query;
        const auto res = http.request("GET", target, "", config.token);
        if (res.status != 200) {
            if (res.status == 503) note_contact(outbox, "offline");
            return 0;
        }
        ReconcilePage page;
        if (const std::string why = read_reconcile_page(res.body, config.device.device_id, stream_id, after, local_last, page);
            !why.empty()) {
            problem = "the server's reconcile answer was refused: " + why;
            common::log_event(spdlog::level::warn, "reconcile_answer_refused", {{"stream_id", stream_id}, {"why", why}});
            return 0;
        }
        server_max = std::max(server_max, page.max_seq);
        if (!page.server_time.empty()) server_time = page.server_time;
        ranges.insert(ranges.end(), page.missing.begin(), page.missing.end());
        if (!page.truncated) {
            complete = true;
            break;
        }
    }
    if (server_max > local_last) {
        // The centre holds seqs of this stream that this outbox never gave it: the outbox is an old copy
        // (restored from a backup). New records go to a new stream from now on.
        if (const auto fresh = outbox.leave_stale_stream(
                stream_id, "the centre holds seq " + std::to_string(server_max) + " of stream " +
                               (stream_id.empty() ? std::string("(legacy)") : stream_id) +
                               ", beyond this outbox's last (" + std::to_string(local_last) + ")"))
            log_stale(stream_id, *fresh, 0);
    }
    StreamReconciliation rec;
    rec.stream_id = stream_id;
    rec.server_max_seq = server_max;
    rec.missing = ranges;
    rec.covered_to = complete ? std::min(server_max, local_last) : (ranges.empty() ? 0 : ranges.back().second);
    rec.server_time = server_time;
    rec.requeue_limit = budget.requeue;
    const ReconcileApplied applied = outbox.apply_reconcile(rec);
    budget.requeue -= applied.requeued;
    for (const auto& [from, to] : applied.gone)
        common::log_event(spdlog::level::warn, "reconcile_gap_not_held",
                          {{"stream_id", stream_id}, {"from", from}, {"to", to},
                           {"note", "the server lacks records no longer held here"}});
    if (applied.requeued > 0)
        common::log_event(spdlog::level::warn, "reconcile_requeued", {{"stream_id", stream_id}, {"records", applied.requeued}});
    return applied.requeued;
}

std::int64_t reconcile_all(Outbox& outbox, HttpClient& http, const ClientConfig& config, ReconcileBudget& budget,
                           std::string& problem) {
    std::int64_t requeued = 0;
    for (const auto& stream_id : outbox.streams_to_reconcile()) {
        if (budget.pages <= 0 || budget.requeue <= 0) break;
        requeued += reconcile_stream(outbox, http, config, stream_id, budget, problem);
    }
    return requeued;
}

void note_outcome(Outbox& outbox, const SyncReport& report, const std::string& reconcile_problem) {
    std::string error = report.status == SyncStatus::drained || report.status == SyncStatus::stopped ? "" : report.error;
    if (error.empty()) error = reconcile_problem;
    if (error.empty()) {
        outbox.erase_meta("last_error");
        return;
    }
    outbox.set_meta("last_error", json::serialize(json::object{{"at", core::format_rfc3339(core::now_millis())},
                                                               {"message", error}}));
}

}  // namespace

void remember_limits(Outbox& outbox, const std::string& token_answer) {
    boost::system::error_code ec;
    const json::value v = json::parse(token_answer, ec);
    const auto* o = ec ? nullptr : v.if_object();
    const auto* limits = o ? o->if_contains("limits") : nullptr;
    const auto* l = limits ? limits->if_object() : nullptr;
    const std::int64_t body = l ? whole(*l, "max_body_bytes").value_or(0) : 0;
    const std::int64_t records = l ? whole(*l, "max_batch_records").value_or(0) : 0;
    // Limits too small to carry one record are not believed; the 413 narrowing still applies.
    if (body >= 1024 && body <= (1LL << 40)) {
        outbox.set_meta("server_max_body_bytes", std::to_string(body));
    } else {
        outbox.erase_meta("server_max_body_bytes");
    }
    if (records >= 1 && records <= 1000000) {
        outbox.set_meta("server_max_batch_records", std::to_string(records));
    } else {
        outbox.erase_meta("server_max_batch_records");
    }
}

ServerLimits known_limits(Outbox& outbox) {
    ServerLimits limits;
    if (const auto v = outbox.meta("server_max_body_bytes")) limits.max_body_bytes = std::stoull(*v);
    if (const auto v = outbox.meta("server_max_batch_records")) limits.max_batch_records = std::stoull(*v);
    return limits;
}

SyncReport sync_once(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options) {
    SyncState fresh;
    SyncState& state = options.state ? *options.state : fresh;
    SyncReport report;
    std::string reconcile_problem;
    const auto finish = [&](SyncReport r) {
        note_outcome(outbox, r, reconcile_problem);
        return r;
    };
    report = push_pending(outbox, http, config, options, state, report);
    ReconcileBudget budget{options.max_reconcile_pages, options.max_requeued};
    for (int round = 0; options.reconcile && report.status == SyncStatus::drained && round < kMaxReconcileRounds;
         ++round) {
        std::int64_t requeued = 0;
        try {
            requeued = reconcile_all(outbox, http, config, budget, reconcile_problem);
        } catch (const TransportError&) {
            break;  // everything pending went through; reconcile waits for the next sync
        }
        if (requeued == 0) break;
        report.requeued += requeued;
        report = push_pending(outbox, http, config, options, state, report);
    }
    return finish(report);
}

namespace {

// The drill's name as the server percent-encoded it in Borderlog-Drill-Name, back to UTF-8 text; the
// encoded form when it does not decode to printable UTF-8.
std::string drill_name_text(const std::string& encoded) {
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 && hex(encoded[i + 2]) >= 0) {
            out += static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2]));
            i += 2;
        } else {
            out += encoded[i];
        }
    }
    return core::is_text(out, 512) ? out : encoded;
}

}  // namespace

bool send_heartbeat(Outbox& outbox, HttpClient& http, const ClientConfig& config, const HeartbeatExtras& extras) {
    const OutboxStats s = outbox.stats();
    json::object beat{{"pending", s.pending},
                      {"last_seq", s.last_seq},
                      {"rejected", s.rejected},
                      {"device_time", core::format_rfc3339(core::now_millis())},
                      {"lanes", lane_queues_json(outbox)}};
    beat["oldest_pending_at"] = s.oldest_pending_at ? json::value(*s.oldest_pending_at) : json::value(nullptr);
    if (const auto last_sync = outbox.meta("last_sync_at")) beat["last_sync_at"] = *last_sync;
    if (!s.stream_id.empty()) beat["stream_id"] = s.stream_id;
    if (const auto version = WatchlistCopy(outbox).info().version) beat["watchlist_version"] = *version;
    if (const auto& l = extras.record_latency)
        beat["record_latency_ms"] = json::object{{"p50", l->p50}, {"p99", l->p99}, {"count", l->count}};
    try {
        const auto res = http.request("POST", "/api/v1/devices/" + config.device.device_id + "/heartbeat",
                                      json::serialize(beat), config.token);
        // A training drill covering this device is named in every answer; the officer's screen shows it.
        if (!res.drill_id.empty())
            outbox.set_meta("drill", json::serialize(json::object{{"id", res.drill_id}, {"name", drill_name_text(res.drill_name)}}));
        else if (outbox.meta("drill"))
            outbox.erase_meta("drill");
        // The answer says whether the centre takes records. "offline" is believed at once; "online" only
        // for a terminal that has not reached the centre yet or has nothing to send (otherwise its next
        // sync says, and a database away behind an online switch would make the banner flap).
        if (res.status == 204 && !res.central.empty()) {
            const std::string now_state = outbox.meta("central").value_or("unknown");
            if (res.central == "offline" && now_state != "offline") outbox.set_meta("central", "offline");
            if (res.central == "online" && now_state != "online" && (now_state == "unknown" || s.pending == 0))
                outbox.set_meta("central", "online");
        }
        return res.status == 204;
    } catch (const TransportError&) {
        // A centre that cannot be reached is offline for the officer screen's banner, even with nothing
        // to send (only a sync that gets records through says it is online again).
        if (outbox.meta("central") != "offline") note_contact(outbox, "offline");
        return false;
    }
}

SyncLock::SyncLock(const std::filesystem::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + file.string() + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
        if (errno != EINTR) {
            ::close(fd_);
            throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(errno));
        }
    }
}

SyncLock::~SyncLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace borderlog::client
