// What the fuzz targets compare: every message read from one input, summed up, so that reading the
// same bytes whole and in pieces can be checked to give the same messages and the same refusal.
#pragma once

#include "common/http_wire.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::fuzz {

struct Message {
    wire::Reader::Step step;
    unsigned status;
    std::string code;
    std::string method, target;
    std::size_t fields;
    std::string fields_text;  // every name and value, as read
    std::string body;
    bool keep_alive;
    bool operator==(const Message&) const = default;
};

// Small bounds, so that the fuzzer crosses every one of them often.
inline wire::Limits small_limits() {
    wire::Limits l;
    l.start_line = 512;
    l.field_line = 256;
    l.fields = 16;
    l.head_bytes = 2048;
    l.body = 1024;
    l.chunk_line = 64;
    l.chunk_extensions = 256;
    l.trailer_bytes = 256;
    l.trailers = 4;
    l.interim_answers = 3;
    return l;
}

[[noreturn]] inline void broken() { __builtin_trap(); }

// Reads messages from `input` given in pieces of `piece` bytes (0: all at once), the way a connection
// would: a body over the limit is skipped, the end of input is the peer closing.
inline std::vector<Message> read_all(wire::Reader::Kind kind, std::string_view input, std::size_t piece,
                                     bool answer_to_head) {
    const wire::Limits limits = small_limits();
    wire::Reader reader(kind, limits);
    std::vector<Message> out;
    std::string_view rest = input, window;
    bool skipping = false;
    for (int guard = 0; guard < 1'000'000; ++guard) {
        if (kind == wire::Reader::Kind::response && !reader.started())
            reader.answering(answer_to_head ? "HEAD" : "GET");
        if (window.empty() && !rest.empty()) {
            const std::size_t n = piece == 0 ? rest.size() : std::min(piece, rest.size());
            window = rest.substr(0, n);
            rest.remove_prefix(n);
        }
        const std::size_t used = reader.feed(window);
        if (used > window.size()) broken();
        window.remove_prefix(used);
        const auto step = reader.step();
        if (reader.body().size() > limits.body) broken();
        if (reader.head().fields.size() > limits.fields) broken();
        if (step == wire::Reader::Step::head) continue;
        if (step == wire::Reader::Step::need_more) {
            if (!window.empty()) broken();  // need_more means every byte given was taken
            if (!rest.empty()) continue;
            reader.finish();
            if (reader.step() == wire::Reader::Step::need_more) break;  // closed between messages
        }
        const auto& h = reader.head();
        Message m{reader.step(), reader.step() == wire::Reader::Step::error ? reader.failure().status : h.status,
                  reader.failure().code, h.method, h.target, h.fields.size(), {}, reader.body(), h.keep_alive};
        if (reader.step() == wire::Reader::Step::error) {
            if (reader.failure().code.empty() || reader.failure().detail.empty()) broken();
            if (m.status < 400 || m.status > 599) broken();
            if (!skipping && reader.failure().code == "payload_too_large" && reader.skip_body()) {
                skipping = true;
                out.push_back(m);
                continue;
            }
            out.push_back(m);
            break;
        }
        for (const auto& f : h.fields) {
            m.fields_text += f.name + ':' + f.value + '\n';
            // Whatever a Retry-After holds, the wait stays within its cap.
            if (const auto wait = wire::retry_after_seconds(f.value, 0, 86400); wait && *wait > 86400) broken();
        }
        out.push_back(m);
        skipping = false;
        reader.reset();
        if (out.size() >= 16) break;
    }
    return out;
}

}  // namespace borderlog::fuzz
