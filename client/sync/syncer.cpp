#include "client/sync/syncer.hpp"

#include "client/queue/lane_queues.hpp"
#include "common/log.hpp"
#include "core/time.hpp"

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace borderlog::client {

namespace json = boost::json;

namespace {

constexpr int kMaxReconcileRounds = 3;

void note_contact(Outbox& outbox, const char* central) {
    outbox.set_meta("central", central);
    if (std::string_view(central) == "online") outbox.set_meta("last_sync_at", core::format_rfc3339(core::now_millis()));
}

// Applies a batch answer to the outbox. Returns false when the answer does not match the batch.
bool apply_results(Outbox& outbox, const std::vector<QueuedRecord>& batch, const json::value& answer,
                   SyncReport& report) {
    const auto* obj = answer.if_object();
    const auto* results = obj ? obj->if_contains("results") : nullptr;
    if (!results || !results->is_array() || results->get_array().size() != batch.size()) return false;
    std::vector<std::int64_t> acknowledged;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto* r = results->get_array()[i].if_object();
        const auto* id = r ? r->if_contains("id") : nullptr;
        const auto* status = r ? r->if_contains("status") : nullptr;
        if (!id || !status || !id->is_string() || !status->is_string() || id->get_string() != batch[i].id) return false;
        const std::string_view s = status->get_string();
        if (s == "stored" || s == "duplicate") {
            acknowledged.push_back(batch[i].seq);
            (s == "stored" ? report.stored : report.duplicates)++;
        } else if (s == "rejected") {
            std::string code = "rejected", detail;
            if (const auto* e = r->if_contains("error"); e && e->is_object()) {
                if (const auto* c = e->get_object().if_contains("code"); c && c->is_string()) code = c->get_string();
                if (const auto* d = e->get_object().if_contains("detail"); d && d->is_string()) detail = d->get_string();
            }
            outbox.mark_rejected(batch[i].seq, code, detail);
            ++report.rejected;
            common::log_event(spdlog::level::warn, "record_rejected",
                              {{"seq", batch[i].seq}, {"id", batch[i].id}, {"code", code}});
        } else {
            return false;
        }
    }
    outbox.mark_acknowledged(acknowledged);
    return true;
}

// A whole batch refused for what it carries (unreadable JSON, too large): one of its records is at fault.
bool refused_for_content(unsigned status) { return status == 400 || status == 413 || status == 422; }

std::string problem_code(const std::string& body) {
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    if (!ec && v.is_object())
        if (const auto* c = v.get_object().if_contains("code"); c && c->is_string()) return std::string(c->get_string());
    return {};
}

// The answer to anything but 200: unavailable (retry later) or failed (needs a person).
SyncReport refused(const HttpResponse& res) {
    SyncReport r;
    const bool retry_later = res.status == 503 || res.status == 502 || res.status == 504 || res.status == 429;
    r.status = retry_later ? SyncStatus::unavailable : SyncStatus::failed;
    r.retry_after = res.retry_after;
    const std::string code = problem_code(res.body);
    r.error = "the server answered " + std::to_string(res.status) + (code.empty() ? "" : " " + code);
    return r;
}

// Sends everything pending. Returns the report of the first batch that did not go through, or drained.
SyncReport push_pending(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options,
                        SyncReport report) {
    std::size_t batch_size = options.batch_size;
    for (;;) {
        if (options.stop_requested && options.stop_requested()) {
            report.status = SyncStatus::stopped;
            return report;
        }
        const auto batch = outbox.next_pending(batch_size);
        if (batch.empty()) return report;
        std::string body = R"({"records":[)";
        for (std::size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i].body;
        body += "]}";
        HttpResponse res;
        try {
            res = http.request("POST", "/api/v1/crossings/batch", body, config.token);
        } catch (const TransportError& e) {
            note_contact(outbox, "offline");
            report.status = SyncStatus::unavailable;
            report.error = e.what();
            return report;
        }
        if (refused_for_content(res.status)) {
            note_contact(outbox, "online");
            if (batch.size() > 1) {
                batch_size = std::max<std::size_t>(1, batch.size() / 2);  // narrow down to the record at fault
                continue;
            }
            // This one record is refused whatever else travels with it: set it aside, go on with the rest.
            const std::string code = problem_code(res.body);
            outbox.mark_rejected(batch.front().seq, code.empty() ? "http_" + std::to_string(res.status) : code,
                                 "the server refused the record alone with " + std::to_string(res.status));
            ++report.rejected;
            common::log_event(spdlog::level::warn, "record_rejected",
                              {{"seq", batch.front().seq}, {"id", batch.front().id}, {"code", code}});
            continue;
        }
        if (res.status != 200) {
            note_contact(outbox, res.status == 503 ? "offline" : "online");
            SyncReport r = refused(res);
            r.stored = report.stored;
            r.duplicates = report.duplicates;
            r.rejected = report.rejected;
            r.requeued = report.requeued;
            return r;
        }
        boost::system::error_code ec;
        const json::value answer = json::parse(res.body, ec);
        if (ec || !apply_results(outbox, batch, answer, report)) {
            report.status = SyncStatus::failed;
            report.error = "the server's answer does not match the batch sent";
            return report;
        }
        note_contact(outbox, "online");
        batch_size = std::min(options.batch_size, batch_size * 2);  // grow back after narrowing
    }
}

// Asks the server which sequence numbers it lacks and queues them again. Returns how many.
std::int64_t reconcile(Outbox& outbox, HttpClient& http, const ClientConfig& config) {
    constexpr int kMaxPages = 100;  // 100,000 gaps at the most in one round; the next round goes on
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    const json::object* o = nullptr;
    json::value v;
    for (int page = 0; page < kMaxPages; ++page) {
        const std::string after = ranges.empty() ? "" : "?after=" + std::to_string(ranges.back().second);
        const auto res =
            http.request("GET", "/api/v1/devices/" + config.device.device_id + "/reconcile" + after, "", config.token);
        if (res.status != 200) {
            if (res.status == 503) note_contact(outbox, "offline");
            return 0;
        }
        boost::system::error_code ec;
        v = json::parse(res.body, ec);
        o = ec ? nullptr : v.if_object();
        if (!o) return 0;
        const std::size_t before = ranges.size();
        if (const auto* m = o->if_contains("missing"); m && m->is_array())
            for (const auto& r : m->get_array())
                if (r.is_array() && r.get_array().size() == 2 && r.get_array()[0].is_int64() &&
                    r.get_array()[1].is_int64())
                    ranges.emplace_back(r.get_array()[0].get_int64(), r.get_array()[1].get_int64());
        const auto* truncated = o->if_contains("truncated");
        if (!truncated || !truncated->is_bool() || !truncated->get_bool() || ranges.size() == before) break;
    }
    // Beyond the server's highest seq it cannot see gaps; what we hold acknowledged there, it lacks.
    const auto* max = o->if_contains("max_seq");
    const std::int64_t server_max = max && max->is_int64() ? max->get_int64() : 0;
    const std::int64_t local_max = outbox.max_acknowledged_seq();
    if (local_max > server_max) ranges.emplace_back(server_max + 1, local_max);
    if (ranges.empty()) return 0;
    const auto [found, gone] = outbox.requeue(ranges);
    for (const auto& [from, to] : gone)
        common::log_event(spdlog::level::warn, "reconcile_gap_not_held",
                          {{"from", from}, {"to", to}, {"note", "the server lacks records no longer held here"}});
    if (found > 0) common::log_event(spdlog::level::warn, "reconcile_requeued", {{"records", found}});
    return found;
}

}  // namespace

SyncReport sync_once(Outbox& outbox, HttpClient& http, const ClientConfig& config, const SyncOptions& options) {
    SyncReport report = push_pending(outbox, http, config, options, {});
    for (int round = 0; options.reconcile && report.status == SyncStatus::drained && round < kMaxReconcileRounds;
         ++round) {
        std::int64_t requeued = 0;
        try {
            requeued = reconcile(outbox, http, config);
        } catch (const TransportError&) {
            break;  // everything pending went through; reconcile waits for the next sync
        }
        if (requeued == 0) break;
        report.requeued += requeued;
        report = push_pending(outbox, http, config, options, report);
    }
    return report;
}

bool send_heartbeat(Outbox& outbox, HttpClient& http, const ClientConfig& config) {
    const OutboxStats s = outbox.stats();
    json::object beat{{"pending", s.pending},
                      {"last_seq", s.last_seq},
                      {"rejected", s.rejected},
                      {"device_time", core::format_rfc3339(core::now_millis())},
                      {"lanes", lane_queues_json(outbox)}};
    beat["oldest_pending_at"] = s.oldest_pending_at ? json::value(*s.oldest_pending_at) : json::value(nullptr);
    if (const auto last_sync = outbox.meta("last_sync_at")) beat["last_sync_at"] = *last_sync;
    try {
        const auto res = http.request("POST", "/api/v1/devices/" + config.device.device_id + "/heartbeat",
                                      json::serialize(beat), config.token);
        return res.status == 204;
    } catch (const TransportError&) {
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
