// A strict, bounded, incremental reader of HTTP/1.1 messages: requests for the server, answers for the
// checkpoint's client. It decides the framing itself (docs/server.md, "What the server refuses") and
// bounds every part, so that no bytes a peer sends can make it throw, grow without limit or read a body
// differently from a proxy in front. Pure code: no sockets, no Boost, so a fuzzer can build it alone.
//
//   wire::Reader reader(wire::Reader::Kind::request, limits);
//   std::size_t used = reader.feed(bytes);      // takes what it can; stops after the head and at the end
//   switch (reader.step()) { ... }              // need_more, head, done, error
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::wire {

// Every part of a message is bounded. A part over its bound is an error, never a larger buffer.
struct Limits {
    std::size_t start_line = 8 * 1024;           // the request line or status line
    std::size_t field_line = 8 * 1024;           // one header or trailer line
    std::size_t fields = 100;                    // header fields of one head
    std::size_t head_bytes = 16 * 1024;          // the whole head, start line and final CRLF included
    std::uint64_t body = 4 * 1024 * 1024;        // the body after chunked decoding
    std::size_t chunk_line = 1024;               // one chunk-size line, its extensions included
    std::size_t chunk_extensions = 4 * 1024;     // the chunk extensions of one message together
    std::size_t trailer_bytes = 4 * 1024;        // the trailer section of a chunked body
    std::size_t trailers = 16;                   // trailer fields
    std::size_t interim_answers = 8;             // answers: 1xx answers skipped before the final one
};

struct Field {
    std::string name;   // as sent; compare with iequals
    std::string value;  // without the whitespace around it
};

// How the body of a message is delimited, decided from its head.
enum class Framing {
    none,         // no body
    length,       // Content-Length bytes
    chunked,      // Transfer-Encoding: chunked
    until_close,  // answers only: everything until the server closes
};

struct Head {
    std::string method;  // requests
    std::string target;  // requests: as sent, not decoded
    unsigned status = 0;  // answers
    unsigned version = 11;  // 10 or 11
    std::vector<Field> fields;
    Framing framing = Framing::none;
    std::uint64_t content_length = 0;  // when framing is length
    bool keep_alive = true;            // the connection may carry another message after this one
    bool expect_continue = false;      // requests: Expect: 100-continue

    // The value of the first field named `name` (ASCII case-insensitive), or nullptr.
    const std::string* find(std::string_view name) const;
};

// Why a message was refused: the answer a server gives (status, a stable code) and a detail for people.
// The detail never repeats the peer's bytes.
struct Failure {
    unsigned status = 0;
    std::string code;
    std::string detail;
};

class Reader {
public:
    enum class Kind { request, response };
    enum class Step {
        need_more,  // give it more bytes
        head,       // the head is read and its framing decided; feed again to read the body
        done,       // the message is complete; bytes after it belong to the next message
        error,      // see failure(); the connection cannot be used further
    };

    Reader(Kind kind, Limits limits);

    // Reads from `bytes` and returns how many it took. It stops after the head (Step::head), at the end
    // of the message (Step::done) and at the first error. Feeding no bytes still moves on from the head
    // (a message without a body is then done).
    std::size_t feed(std::string_view bytes);

    // The peer closed the connection. Ends a body that runs until the close; a message cut short
    // becomes an error "truncated". Before the first byte of a message nothing changes: see started().
    void finish();

    Step step() const { return step_; }
    const Head& head() const { return head_; }
    const Failure& failure() const { return failure_; }
    // The body read so far (all of it once done).
    const std::string& body() const { return body_; }
    std::string take_body() { return std::move(body_); }
    // True once a byte of this message (or of an interim answer before it) was taken.
    bool started() const { return started_; }

    // Answers: the method of the request being answered (an answer to HEAD has no body).
    void answering(std::string_view method);

    // Reads the body (or, after a payload_too_large error, the rest of it) and keeps none of it, with
    // no body limit, so that the peer can finish sending and then read an answer given without the
    // body. The caller bounds how much it feeds. Call it at Step::head or right after that error;
    // returns false at any other point (after another error, say).
    bool skip_body();

    // Body bytes announced and not yet read: the rest of the Content-Length body or of the current chunk.
    std::uint64_t announced() const { return remaining_; }

    // Makes the reader ready for the next message on the same connection.
    void reset();

private:
    enum class Phase {
        start_line,
        fields,
        body_start,
        length_body,
        chunk_size,
        chunk_data,
        chunk_data_end,
        trailers,
        until_close,
        done,
    };

    std::size_t take_line(std::string_view bytes, std::size_t limit, bool& complete);
    void on_start_line(std::string_view line);
    void on_field_line(std::string_view line);
    void on_head_end();
    void decide_request_framing();
    void decide_response_framing();
    void on_chunk_size_line(std::string_view line);
    void on_trailer_line(std::string_view line);
    void add_body(std::string_view bytes);
    void fail(unsigned status, std::string code, std::string detail);
    void begin_message();

    Kind kind_;
    Limits limits_;
    Step step_ = Step::need_more;
    Phase phase_ = Phase::start_line;
    Head head_;
    Failure failure_;
    std::string body_;
    std::string line_;                    // the line being read, without its CRLF
    std::size_t head_bytes_ = 0;          // bytes of the head so far
    std::size_t trailer_bytes_ = 0;
    std::size_t trailer_count_ = 0;
    std::size_t extension_bytes_ = 0;
    std::size_t interim_ = 0;
    std::uint64_t remaining_ = 0;         // of the Content-Length body or of the current chunk
    std::uint64_t body_size_ = 0;         // decoded body bytes so far (kept or skipped)
    std::size_t chunk_end_seen_ = 0;      // bytes of the CRLF after chunk data
    bool answer_to_head_ = false;
    bool started_ = false;
    bool skipping_ = false;
    bool skippable_ = false;
};

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// Seconds since 1970 of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the form HTTP/1.1 senders
// must use; nullopt for anything else.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// The wait a Retry-After value asks for, in seconds, at most `cap`: delay-seconds (any number of digits,
// never overflowing) or an HTTP-date, taken against `now` (seconds since 1970; pass the answer's Date
// when it has one, so that the terminal's clock does not matter). nullopt when it cannot be read.
std::optional<std::uint64_t> retry_after_seconds(std::string_view value, std::int64_t now, std::uint64_t cap);

}  // namespace borderlog::wire
