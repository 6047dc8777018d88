#include "client/sync/answers.hpp"

#include "core/time.hpp"

#include <boost/json.hpp>

namespace borderlog::client {

namespace json = boost::json;

namespace {

std::optional<std::int64_t> whole(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_int64()) return std::nullopt;
    return v->get_int64();
}

}  // namespace

std::optional<std::vector<RecordAnswer>> read_batch_answer(const std::vector<QueuedRecord>& batch,
                                                           const std::string& body) {
    boost::system::error_code ec;
    const json::value answer = json::parse(body, ec);
    const auto* obj = ec ? nullptr : answer.if_object();
    const auto* results = obj ? obj->if_contains("results") : nullptr;
    if (!results || !results->is_array() || results->get_array().size() != batch.size()) return std::nullopt;
    std::vector<RecordAnswer> out;
    out.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto* r = results->get_array()[i].if_object();
        const auto* id = r ? r->if_contains("id") : nullptr;
        const auto* status = r ? r->if_contains("status") : nullptr;
        if (!id || !status || !id->is_string() || !status->is_string() || id->get_string() != batch[i].id)
            return std::nullopt;
        const std::string_view s = status->get_string();
        if (s == "stored" || s == "duplicate") {
            out.push_back({batch[i].id, RecordAnswer::Kind::acknowledged, std::string(s), ""});
        } else if (s == "rejected") {
            std::string code = "rejected", detail;
            if (const auto* e = r->if_contains("error"); e && e->is_object()) {
                // An empty code says nothing: the record is kept as "rejected" (found by fuzz_sync_answers).
                if (const auto* c = e->get_object().if_contains("code"); c && c->is_string() && !c->get_string().empty())
                    code = c->get_string();
                if (const auto* d = e->get_object().if_contains("detail"); d && d->is_string()) detail = d->get_string();
            }
            const auto kind = code == "seq_conflict" ? RecordAnswer::Kind::seq_conflict : RecordAnswer::Kind::rejected;
            out.push_back({batch[i].id, kind, code, detail});
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::string read_reconcile_page(const std::string& body, const std::string& device_id, const std::string& stream_id,
                                std::int64_t after, std::int64_t local_last, ReconcilePage& page) {
    if (body.size() > kMaxReconcileAnswerBytes) return "larger than a page can be";
    boost::system::error_code ec;
    const json::value v = json::parse(body, ec);
    const auto* o = ec ? nullptr : v.if_object();
    if (!o) return "not a JSON object";
    if (const auto* d = o->if_contains("device_id"); d && (!d->is_string() || d->get_string() != device_id))
        return "it is for another device";
    if (const auto* s = o->if_contains("stream_id"); s && (!s->is_string() || s->get_string() != stream_id))
        return "it is for another stream";
    const auto max = whole(*o, "max_seq");
    if (!max || *max < 0) return "max_seq is missing";
    page.max_seq = *max;
    const auto* missing = o->if_contains("missing");
    if (!missing || !missing->is_array()) return "missing is not a list";
    if (missing->get_array().size() > kMaxRangesPerPage) return "more ranges than a page holds";
    std::int64_t last_to = after;
    for (const auto& r : missing->get_array()) {
        const auto* pair = r.if_array();
        if (!pair || pair->size() != 2 || !(*pair)[0].is_int64() || !(*pair)[1].is_int64()) return "a range is not [from,to]";
        const std::int64_t from = (*pair)[0].get_int64(), to = (*pair)[1].get_int64();
        // Ranges ascend, do not overlap, and lie below max_seq (the highest seq accounted for): a range
        // beyond it claims more missing than the device ever sent.
        if (from < 1 || to < from || from <= last_to || to >= page.max_seq) return "a range is out of order or bounds";
        if (to > local_last)
            return "it claims seq " + std::to_string(to) + " missing, beyond the last this terminal gave the stream (" +
                   std::to_string(local_last) + ")";
        page.missing.emplace_back(from, to);
        last_to = to;
    }
    const auto* truncated = o->if_contains("truncated");
    page.truncated = truncated && truncated->is_bool() && truncated->get_bool();
    if (page.truncated && page.missing.empty()) return "truncated without ranges";
    if (const auto* t = o->if_contains("server_time"); t && t->is_string() && core::parse_rfc3339(t->get_string()))
        page.server_time = t->get_string();
    return {};
}

}  // namespace borderlog::client
