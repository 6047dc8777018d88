// libFuzzer target: what the checkpoint believes of the centre's answers to sync (client/sync/answers:
// the batch answer and a reconcile page). The first byte picks the answer and its setting (how many
// records the batch had; the cursor and the terminal's last seq), the rest is the body. No crash, and
// nothing believed that does not fit: one result per record with its id, ranges ascending within the
// page, below max_seq and the terminal's last seq, at most a page of them.
#include "client/sync/answers.hpp"

#include <cstdint>
#include <string>

namespace {

[[noreturn]] void broken() { __builtin_trap(); }

// Ids the seed corpus uses, so that the fuzzer starts from answers that match.
std::vector<borderlog::client::QueuedRecord> batch_of(std::size_t n) {
    std::vector<borderlog::client::QueuedRecord> batch;
    for (std::size_t i = 0; i < n; ++i)
        batch.push_back({"id-" + std::to_string(i + 1), "", static_cast<std::int64_t>(i + 1), "{}"});
    return batch;
}

void batch_answer(std::uint8_t setting, const std::string& body) {
    using borderlog::client::RecordAnswer;
    const auto batch = batch_of(setting % 8);
    const auto answers = borderlog::client::read_batch_answer(batch, body);
    if (!answers) return;
    if (answers->size() != batch.size()) broken();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const RecordAnswer& a = (*answers)[i];
        if (a.id != batch[i].id) broken();
        if (a.kind == RecordAnswer::Kind::acknowledged && a.code != "stored" && a.code != "duplicate") broken();
        if (a.kind == RecordAnswer::Kind::seq_conflict && a.code != "seq_conflict") broken();
        if (a.kind == RecordAnswer::Kind::rejected && a.code.empty()) broken();
    }
}

void reconcile_page(std::uint8_t setting, const std::string& body) {
    const std::int64_t after = setting & 0x08 ? 10 : 0;
    const std::int64_t local_last = setting & 0x10 ? 1'000'000 : 100;
    borderlog::client::ReconcilePage page;
    const std::string why = borderlog::client::read_reconcile_page(body, "KAK-01", "stream-1", after, local_last, page);
    if (!why.empty()) return;
    if (page.missing.size() > borderlog::client::kMaxRangesPerPage) broken();
    if (page.truncated && page.missing.empty()) broken();
    std::int64_t last = after;
    for (const auto& [from, to] : page.missing) {
        if (from <= last || to < from || to >= page.max_seq || to > local_last) broken();
        last = to;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    if (data[0] & 0x80) {
        reconcile_page(data[0], body);
    } else {
        batch_answer(data[0], body);
    }
    return 0;
}
