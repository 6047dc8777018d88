#include "server/service/chain_verify.hpp"

#include "core/crossing_json.hpp"
#include "core/record_hash.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <sstream>

namespace borderlog::server::service {

namespace json = boost::json;

namespace {

std::string month_of(const std::string& occurred_at) { return occurred_at.substr(0, 7); }

// The hash the stored JSON record gives with the stored prev_hash; empty when it is no record at all.
std::string hash_of_record(const std::string& record_json, const std::string& prev_hash) {
    try {
        core::Crossing x = core::crossing_from_json(json::parse(record_json), core::Completeness::full);
        x.prev_hash = prev_hash;
        return core::record_hash(x);
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace

ChainVerifier::ChainVerifier(ChainContext context) : context_(std::move(context)) {
    std::sort(context_.dropped_months.begin(), context_.dropped_months.end());
    for (auto& o : context_.orphan_keys) {
        if (o.seq > 0) {
            orphans_[{o.device_id, o.stream_id}][o.seq] = o.id;
        } else {
            // Only its id is left: nothing to place it in a stream by.
            report_.findings.push_back({"removed", o.device_id, o.stream_id, 0, 0, o.id, "key_without_row"});
            ++report_.removed;
        }
    }
}

void ChainVerifier::altered(const std::string& id, std::int64_t seq, const std::string& reason) {
    report_.findings.push_back({"altered", stream_.first, stream_.second, seq, seq, id, reason});
    ++report_.altered;
}

void ChainVerifier::removed(std::int64_t from, std::int64_t to, const std::string& id, const std::string& reason) {
    report_.findings.push_back({"removed", stream_.first, stream_.second, from, to, id, reason});
    report_.removed += to - from + 1;
}

bool ChainVerifier::dropped_between(const std::string& from_month, const std::string& to_month) const {
    // Records of one stream follow each other in time (back-captured ones aside): those between two
    // rows fell in the months between theirs.
    const std::string lo = std::min(from_month, to_month.empty() ? from_month : to_month);
    const std::string hi = to_month.empty() ? std::string("9999-99") : std::max(from_month, to_month);
    return std::any_of(context_.dropped_months.begin(), context_.dropped_months.end(),
                       [&](const std::string& m) { return m >= lo && m <= hi; });
}

void ChainVerifier::gap(std::int64_t from, std::int64_t to, const std::string& prev_month,
                        const std::string& next_month, const std::string& reason) {
    if (from > to) return;
    if (dropped_between(prev_month, next_month)) return;  // retention took them
    const auto q = context_.quarantined.find(stream_);
    auto& keys = orphans_[stream_];
    // Runs of seqs neither quarantined nor keyed are named as ranges; a seq whose key is left, with its id.
    std::int64_t run_from = 0;
    const auto close_run = [&](std::int64_t last) {
        if (run_from != 0) removed(run_from, last, "", reason);
        run_from = 0;
    };
    // Walk only the seqs that break a run: quarantined ones and those with keys, within from..to.
    std::set<std::int64_t> breaks;
    if (q != context_.quarantined.end())
        for (auto it = q->second.lower_bound(from); it != q->second.end() && *it <= to; ++it) breaks.insert(*it);
    for (auto it = keys.lower_bound(from); it != keys.end() && it->first <= to; ++it) breaks.insert(it->first);
    std::int64_t next = from;
    for (const std::int64_t b : breaks) {
        if (b > next) {
            run_from = next;
            close_run(b - 1);
        }
        if (const auto k = keys.find(b); k != keys.end()) {
            const bool held = q != context_.quarantined.end() && q->second.count(b);
            if (!held) removed(b, b, k->second, "key_without_row");
            keys.erase(k);
        }
        next = b + 1;
    }
    if (next <= to) {
        run_from = next;
        close_run(to);
    }
}

void ChainVerifier::start_stream(const std::string& device_id, const std::string& stream_id) {
    end_stream();
    stream_ = {device_id, stream_id};
    in_stream_ = true;
    seen_.insert(stream_);
    last_.reset();
    ++report_.streams;
}

void ChainVerifier::end_stream() {
    if (!in_stream_) return;
    const std::int64_t last_seq = last_ ? last_->seq : 0;
    const std::string last_month = last_ ? last_->month : std::string();
    if (const auto top = context_.scanned_to.find(stream_); top != context_.scanned_to.end() && top->second > last_seq)
        gap(last_seq + 1, top->second, last_month, "", "below_reconciled_top");
    // Keys left beyond the last row: their rows were removed at the stream's end.
    if (const auto keys = orphans_.find(stream_); keys != orphans_.end()) {
        for (const auto& [seq, id] : keys->second) removed(seq, seq, id, "key_without_row");
        orphans_.erase(keys);
    }
    in_stream_ = false;
}

void ChainVerifier::add(const StoredLink& row) {
    const core::Crossing& x = row.columns;
    if (!in_stream_ || stream_.first != x.device_id || stream_.second != x.stream_id)
        start_stream(x.device_id, x.stream_id);
    ++report_.checked;
    const std::string month = month_of(x.occurred_at);
    const std::int64_t expected = last_ ? last_->seq + 1 : 1;
    if (x.seq > expected) gap(expected, x.seq - 1, last_ ? last_->month : std::string(), month, "seq_gap");

    Last now{x.seq, x.id, row.record_hash, month, false};
    if (row.record_hash.empty()) {
        ++report_.unchained;
    } else {
        core::Crossing from_columns = x;
        from_columns.prev_hash = row.prev_hash;
        if (core::record_hash(from_columns) != row.record_hash) {
            altered(x.id, x.seq, "hash_mismatch");
            now.altered = true;
        } else if (hash_of_record(row.record_json, row.prev_hash) != row.record_hash) {
            altered(x.id, x.seq, "record_mismatch");
            now.altered = true;
        } else if (x.seq == 1 && row.prev_hash != core::kGenesisHash) {
            altered(x.id, x.seq, "not_genesis");
            now.altered = true;
        }
        // The link to the record before: its hash, rewritten with its content, no longer matches.
        if (last_ && last_->seq + 1 == x.seq && !last_->record_hash.empty() && !last_->altered &&
            row.prev_hash != last_->record_hash)
            altered(last_->id, last_->seq, "successor_prev_hash_mismatch");
    }
    last_ = std::move(now);
}

ChainReport ChainVerifier::finish() {
    end_stream();
    // Streams with no row left at all: reconcile once saw their records.
    for (const auto& [key, top] : context_.scanned_to) {
        if (seen_.count(key) || top <= 0) continue;
        stream_ = key;
        in_stream_ = true;
        ++report_.streams;
        last_.reset();
        end_stream();
    }
    for (auto& [key, keys] : orphans_) {
        stream_ = key;
        for (const auto& [seq, id] : keys) removed(seq, seq, id, "key_without_row");
    }
    orphans_.clear();
    return std::move(report_);
}

namespace {

std::string seq_text(const ChainFinding& f) {
    if (f.seq == 0) return "-";
    return f.seq_to > f.seq ? std::to_string(f.seq) + "-" + std::to_string(f.seq_to) : std::to_string(f.seq);
}

}  // namespace

std::string verify_summary(const ChainReport& r) {
    std::ostringstream out;
    out << "verify: " << r.streams << " streams, " << r.checked << " records checked, " << r.altered << " altered, "
        << r.removed << " removed, " << r.unchained << " unchained";
    return out.str();
}

std::string verify_text(const ChainReport& r) {
    std::ostringstream out;
    for (const auto& f : r.findings)
        out << f.kind << " device=" << f.device_id << " stream=" << (f.stream_id.empty() ? "-" : f.stream_id)
            << " seq=" << seq_text(f) << " id=" << (f.id.empty() ? "-" : f.id) << " reason=" << f.reason << "\n";
    out << verify_summary(r) << "\n";
    return out.str();
}

json::object verify_json(const ChainReport& r) {
    json::array findings;
    for (const auto& f : r.findings) {
        json::object o{{"kind", f.kind}, {"device_id", f.device_id}, {"stream_id", f.stream_id},
                       {"reason", f.reason}};
        o["seq"] = f.seq > 0 ? json::value(f.seq) : json::value(nullptr);
        o["seq_to"] = f.seq > 0 ? json::value(f.seq_to) : json::value(nullptr);
        o["id"] = f.id.empty() ? json::value(nullptr) : json::value(f.id);
        findings.push_back(std::move(o));
    }
    return {{"streams", r.streams},     {"checked", r.checked},     {"altered", r.altered},
            {"removed", r.removed},     {"unchained", r.unchained}, {"clean", r.clean()},
            {"findings", std::move(findings)}};
}

}  // namespace borderlog::server::service
