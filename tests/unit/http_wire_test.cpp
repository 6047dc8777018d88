#include "common/http_wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace borderlog::wire {
namespace {

using namespace std::string_literals;
using Kind = Reader::Kind;
using Step = Reader::Step;

// Small limits, so that every bound can be crossed with a short string.
Limits small_limits() {
    Limits l;
    l.start_line = 256;
    l.field_line = 256;
    l.fields = 10;
    l.head_bytes = 1024;
    l.body = 64;
    l.chunk_line = 64;
    l.chunk_extensions = 128;
    l.trailer_bytes = 128;
    l.trailers = 4;
    l.interim_answers = 3;
    return l;
}

struct Outcome {
    Step step = Step::need_more;
    unsigned status = 0;  // the failure's status on error, else the head's status (answers)
    std::string code;
    std::string body;
    std::size_t left = 0;  // bytes after the message, not taken
    bool keep_alive = false;
};

// Feeds `bytes` in pieces of `piece` bytes (0: all at once) until the reader is done, fails or wants
// more than there is; `closed`: the peer closes after the last byte.
Outcome read(Kind kind, const std::string& bytes, std::size_t piece, bool closed = false,
             Limits limits = small_limits(), const char* answering = "GET") {
    Reader reader(kind, limits);
    if (kind == Kind::response) reader.answering(answering);
    std::string_view rest = bytes;
    std::string_view window;  // what the reader has been given but not taken
    for (;;) {
        if (window.empty() && !rest.empty()) {
            const std::size_t n = piece == 0 ? rest.size() : std::min(piece, rest.size());
            window = rest.substr(0, n);
            rest.remove_prefix(n);
        }
        const std::size_t used = reader.feed(window);
        window.remove_prefix(used);
        if (reader.step() == Step::head) continue;
        if (reader.step() != Step::need_more) break;
        if (window.empty() && rest.empty()) {
            if (closed) reader.finish();
            break;
        }
    }
    Outcome out;
    out.step = reader.step();
    out.status = out.step == Step::error ? reader.failure().status : reader.head().status;
    out.code = reader.failure().code;
    out.body = reader.body();
    out.left = window.size() + rest.size();
    out.keep_alive = reader.head().keep_alive;
    return out;
}

struct Case {
    const char* name;
    Kind kind;
    std::string bytes;
    Step step;
    unsigned status;  // on error; for answers that are done, the final status
    const char* code;
    std::string body = "";
    bool closed = false;  // the peer closes after the bytes
};

std::string big(std::size_t n, char c = 'a') { return std::string(n, c); }

const std::string kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string kPost = "POST /api/v1/crossings HTTP/1.1\r\nHost: x\r\n";
const std::string kChunked = kPost + "Transfer-Encoding: chunked\r\n\r\n";

class ReaderCases : public ::testing::TestWithParam<Case> {};

TEST_P(ReaderCases, GivesTheExpectedOutcomeWhetherFedAtOnceOrByteByByte) {
    const Case& c = GetParam();
    for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
        SCOPED_TRACE("piece " + std::to_string(piece));
        const Outcome got = read(c.kind, c.bytes, piece, c.closed);
        EXPECT_EQ(got.step, c.step);
        if (c.step == Step::error) {
            EXPECT_EQ(got.status, c.status);
            EXPECT_EQ(got.code, c.code);
        } else if (c.step == Step::done) {
            EXPECT_EQ(got.body, c.body);
            if (c.kind == Kind::response) {
                EXPECT_EQ(got.status, c.status);
            }
        }
    }
}

const Case kRequestCases[] = {
    // Read as meant.
    {"PlainGet", Kind::request, kGet, Step::done, 0, ""},
    {"ContentLengthBody", Kind::request, kPost + "Content-Length: 5\r\n\r\nhello", Step::done, 0, "", "hello"},
    {"ZeroContentLength", Kind::request, kPost + "Content-Length: 0\r\n\r\n", Step::done, 0, ""},
    {"ChunkedBody", Kind::request, kChunked + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", Step::done, 0, "",
     "hello world"},
    {"ChunkedInCapitals", Kind::request, kPost + "Transfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", Step::done,
     0, "", "ok"},
    {"ChunkedWithSpaceAround", Kind::request, kPost + "Transfer-Encoding:  chunked \r\n\r\n0\r\n\r\n", Step::done, 0,
     ""},
    {"ChunkExtensionsWithinBounds", Kind::request, kChunked + "2 ;a=b; c=\"d \\\" e\"\r\nok\r\n0;end\r\n\r\n",
     Step::done, 0, "", "ok"},
    {"ShortTrailer", Kind::request, kChunked + "2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n", Step::done, 0, "", "ok"},
    {"EmptyLineBeforeTheRequestLine", Kind::request, "\r\n" + kGet, Step::done, 0, ""},
    {"Http10WithoutHost", Kind::request, "GET / HTTP/1.0\r\n\r\n", Step::done, 0, ""},
    {"HeadIncomplete", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\n", Step::need_more, 0, ""},
    {"BodyIncomplete", Kind::request, kPost + "Content-Length: 5\r\n\r\nhel", Step::need_more, 0, ""},

    // Framing a proxy could read another way (request smuggling): 400 invalid_framing.
    {"TransferEncodingNotChunked", Kind::request, kPost + "Transfer-Encoding: gzip\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"TransferEncodingEndingInChunkedAfterAnother", Kind::request, kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n",
     Step::error, 400, "invalid_framing"},
    {"TransferEncodingNotEndingInChunked", Kind::request, kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n",
     Step::error, 400, "invalid_framing"},
    {"TransferEncodingIdentity", Kind::request, kPost + "Transfer-Encoding: identity\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"ChunkedFollowedByATab", Kind::request, kPost + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"ATabBeforeChunked", Kind::request, kPost + "Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"ChunkedTwiceInOneField", Kind::request, kPost + "Transfer-Encoding: chunked, chunked\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"TwoTransferEncodingFields", Kind::request,
     kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", Step::error, 400, "invalid_framing"},
    {"TransferEncodingThenContentLength", Kind::request,
     kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", Step::error, 400, "invalid_framing"},
    {"ContentLengthThenTransferEncoding", Kind::request,
     kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", Step::error, 400, "invalid_framing"},
    {"TransferEncodingInHttp10", Kind::request,
     "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Step::error, 400, "invalid_framing"},
    {"TwoDifferentContentLengths", Kind::request, kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
     Step::error, 400, "invalid_framing"},
    {"RepeatedContentLength", Kind::request, kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
     Step::error, 400, "invalid_framing"},
    {"ContentLengthList", Kind::request, kPost + "Content-Length: 5, 5\r\n\r\nhello", Step::error, 400,
     "invalid_framing"},
    {"ContentLengthWithSign", Kind::request, kPost + "Content-Length: +5\r\n\r\nhello", Step::error, 400,
     "invalid_framing"},
    {"NegativeContentLength", Kind::request, kPost + "Content-Length: -1\r\n\r\n", Step::error, 400,
     "invalid_framing"},
    {"HexContentLength", Kind::request, kPost + "Content-Length: 0x5\r\n\r\nhello", Step::error, 400,
     "invalid_framing"},
    {"EmptyContentLength", Kind::request, kPost + "Content-Length:\r\n\r\n", Step::error, 400, "invalid_framing"},
    {"ContentLengthOverflowing", Kind::request, kPost + "Content-Length: 184467440737095516160\r\n\r\n", Step::error,
     400, "invalid_framing"},
    {"ContentLengthWithATab", Kind::request, kPost + "Content-Length:\t5\r\n\r\nhello", Step::error, 400,
     "invalid_framing"},

    // Header lines.
    {"FoldedHeaderLine", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"FoldedWithTab", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\t2\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"WhitespaceBeforeTheColon", Kind::request, "GET / HTTP/1.1\r\nHost : x\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"TransferEncodingWithSpaceBeforeTheColon", Kind::request, kPost + "Transfer-Encoding : chunked\r\n\r\n",
     Step::error, 400, "bad_request"},
    {"HeaderWithoutName", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", Step::error, 400, "bad_request"},
    {"HeaderWithoutColon", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"HeaderNameWithSlash", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX/Y: 1\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"ControlCharacterInValue", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01z\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"DeleteInValue", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX: a\x7fz\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"NulInValue", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX: a\0z\r\n\r\n"s, Step::error, 400, "bad_request"},
    {"BareCarriageReturnInValue", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX: a\rz\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"BareLineFeeds", Kind::request, "GET / HTTP/1.1\nHost: x\n\n", Step::error, 400, "bad_request"},
    {"MissingHost", Kind::request, "GET / HTTP/1.1\r\n\r\n", Step::error, 400, "invalid_host"},
    {"TwoHosts", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", Step::error, 400, "invalid_host"},
    {"TwoHostsSame", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nhost: x\r\n\r\n", Step::error, 400,
     "invalid_host"},
    {"HostWithSpace", Kind::request, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", Step::error, 400, "invalid_host"},
    {"HostWithSlash", Kind::request, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", Step::error, 400, "invalid_host"},

    // Request lines.
    {"RequestLineWithoutVersion", Kind::request, "GET /\r\nHost: x\r\n\r\n", Step::error, 400, "bad_request"},
    {"DoubleSpaceInRequestLine", Kind::request, "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"TrailingWordInRequestLine", Kind::request, "GET / HTTP/1.1 x\r\nHost: x\r\n\r\n", Step::error, 400,
     "bad_request"},
    {"LowerCaseVersion", Kind::request, "GET / http/1.1\r\nHost: x\r\n\r\n", Step::error, 400, "bad_request"},
    {"MethodWithParenthesis", Kind::request, "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", Step::error, 400, "bad_request"},
    {"TargetWithHighByte", Kind::request, "GET /\x80 HTTP/1.1\r\nHost: x\r\n\r\n", Step::error, 400, "bad_request"},
    {"TargetWithTab", Kind::request, "GET /\t HTTP/1.1\r\nHost: x\r\n\r\n", Step::error, 400, "bad_request"},
    {"NulInRequestLine", Kind::request, "GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"s, Step::error, 400, "bad_request"},
    {"Http12", Kind::request, "GET / HTTP/1.2\r\nHost: x\r\n\r\n", Step::error, 505, "http_version_not_supported"},
    {"Http20", Kind::request, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", Step::error, 505, "http_version_not_supported"},

    // Bounds.
    {"RequestLineTooLong", Kind::request, "GET /" + big(300) + " HTTP/1.1\r\nHost: x\r\n\r\n", Step::error, 414,
     "uri_too_long"},
    {"HeaderLineTooLong", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nX: " + big(300) + "\r\n\r\n", Step::error, 431,
     "headers_too_large"},
    {"TooManyHeaders", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\n" + [] {
         std::string s;
         for (int i = 0; i < 11; ++i) s += "X-" + std::to_string(i) + ": 1\r\n";
         return s;
     }() + "\r\n",
     Step::error, 431, "headers_too_large"},
    {"HeadTooLarge", Kind::request, "GET / HTTP/1.1\r\nHost: x\r\n" + [] {
         std::string s;
         for (int i = 0; i < 6; ++i) s += "X-" + std::to_string(i) + ": " + big(200) + "\r\n";
         return s;
     }() + "\r\n",
     Step::error, 431, "headers_too_large"},
    {"ContentLengthOverTheBodyLimit", Kind::request, kPost + "Content-Length: 65\r\n\r\n" + big(65), Step::error, 413,
     "payload_too_large"},
    {"ChunkedOverTheBodyLimit", Kind::request, kChunked + "20\r\n" + big(32) + "\r\n21\r\n" + big(33) + "\r\n0\r\n\r\n",
     Step::error, 413, "payload_too_large"},
    {"HugeChunkSize", Kind::request, kChunked + "ffffffffffffffff\r\n", Step::error, 413, "payload_too_large"},

    // Chunk lines.
    {"ChunkSizeNotHex", Kind::request, kChunked + "g\r\n", Step::error, 400, "invalid_chunk"},
    {"ChunkSizeWithPrefix", Kind::request, kChunked + "0x5\r\nhello\r\n0\r\n\r\n", Step::error, 400, "invalid_chunk"},
    {"ChunkSizeWithLeadingSpace", Kind::request, kChunked + " 5\r\nhello\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"ChunkSizeWithTrailingSpace", Kind::request, kChunked + "5 \r\nhello\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"NegativeChunkSize", Kind::request, kChunked + "-5\r\nhello\r\n0\r\n\r\n", Step::error, 400, "invalid_chunk"},
    {"ChunkSizeOf17Digits", Kind::request, kChunked + "00000000000000005\r\nhello\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"ChunkDataWithoutCrlf", Kind::request, kChunked + "5\r\nhelloXX0\r\n\r\n", Step::error, 400, "invalid_chunk"},
    {"ChunkDataWithBareLf", Kind::request, kChunked + "5\r\nhello\n0\r\n\r\n", Step::error, 400, "invalid_chunk"},
    {"ChunkExtensionWithControlCharacter", Kind::request, kChunked + "2;a=\x01\r\nok\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"ChunkExtensionUnterminatedQuote", Kind::request, kChunked + "2;a=\"b\r\nok\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"ChunkLineTooLong", Kind::request, kChunked + "2;a=" + big(100) + "\r\nok\r\n0\r\n\r\n", Step::error, 400,
     "invalid_chunk"},
    {"ChunkExtensionsTooLargeTogether", Kind::request, kChunked + [] {
         std::string s;
         for (int i = 0; i < 5; ++i) s += "1;e=" + big(40) + "\r\nx\r\n";
         return s;
     }() + "0\r\n\r\n",
     Step::error, 400, "invalid_chunk"},
    {"TrailerLineTooLong", Kind::request, kChunked + "0\r\nX: " + big(300) + "\r\n\r\n", Step::error, 431,
     "headers_too_large"},
    {"TrailerSectionTooLarge", Kind::request, kChunked + "0\r\nX-A: " + big(60) + "\r\nX-B: " + big(60) + "\r\n\r\n",
     Step::error, 431, "headers_too_large"},
    {"TooManyTrailers", Kind::request, kChunked + "0\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", Step::error, 431,
     "headers_too_large"},
    {"FoldedTrailer", Kind::request, kChunked + "0\r\nA: 1\r\n 2\r\n\r\n", Step::error, 400, "bad_request"},
    {"TrailerWithControlCharacter", Kind::request, kChunked + "0\r\nA: \x02\r\n\r\n", Step::error, 400,
     "bad_request"},

    // Cut off.
    {"HeadCutOff", Kind::request, "GET / HTTP/1.1\r\nHo", Step::error, 400, "truncated", "", true},
    {"BodyCutOff", Kind::request, kPost + "Content-Length: 5\r\n\r\nhel", Step::error, 400, "truncated", "", true},
    {"ChunkedCutOff", Kind::request, kChunked + "5\r\nhello\r\n", Step::error, 400, "truncated", "", true},
};

const Case kResponseCases[] = {
    {"AnswerWithLength", Kind::response, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Step::done, 200, "", "ok"},
    {"AnswerWithoutReason", Kind::response, "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n", Step::done, 201, ""},
    {"ChunkedAnswer", Kind::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
     Step::done, 200, "", "ok"},
    {"AnswerUntilClose", Kind::response, "HTTP/1.1 200 OK\r\n\r\nuntil the end", Step::done, 200, "", "until the end",
     true},
    {"InterimAnswersAreSkipped", Kind::response,
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     Step::done, 200, "", "ok"},
    {"NoContentHasNoBody", Kind::response, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", Step::done, 204, ""},
    {"NotModifiedHasNoBody", Kind::response, "HTTP/1.1 304 Not Modified\r\n\r\n", Step::done, 304, ""},
    {"TooManyInterimAnswers", Kind::response, [] {
         std::string s;
         for (int i = 0; i < 4; ++i) s += "HTTP/1.1 100 Continue\r\n\r\n";
         return s + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
     }(),
     Step::error, 502, "bad_answer"},
    {"SwitchingProtocolsUnasked", Kind::response, "HTTP/1.1 101 Switching Protocols\r\n\r\n", Step::error, 502,
     "bad_answer"},
    {"TwoDigitStatus", Kind::response, "HTTP/1.1 20 OK\r\n\r\n", Step::error, 502, "bad_answer"},
    {"StatusOutOfRange", Kind::response, "HTTP/1.1 600 Odd\r\n\r\n", Step::error, 502, "bad_answer"},
    {"NotHttp", Kind::response, "SSH-2.0-OpenSSH_9.2\r\n", Step::error, 502, "bad_answer"},
    {"AnswerWithTwoLengths", Kind::response, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
     Step::error, 502, "bad_answer"},
    {"AnswerWithGzipEncoding", Kind::response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", Step::error, 502,
     "bad_answer"},
    {"AnswerWithHugeTrailer", Kind::response,
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + big(65600) + "\r\n\r\n", Step::error, 431,
     "headers_too_large"},
    {"AnswerOverTheBodyLimit", Kind::response, "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n" + big(65), Step::error,
     413, "payload_too_large"},
    {"AnswerUntilCloseOverTheBodyLimit", Kind::response, "HTTP/1.1 200 OK\r\n\r\n" + big(65), Step::error, 413,
     "payload_too_large", "", true},
    {"AnswerCutOff", Kind::response, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", Step::error, 400,
     "truncated", "", true},
    {"AnswerHeadCutOff", Kind::response, "HTTP/1.1 200 OK\r\nContent-Le", Step::error, 400, "truncated", "", true},
};

std::string case_name(const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; }
INSTANTIATE_TEST_SUITE_P(Requests, ReaderCases, ::testing::ValuesIn(kRequestCases), case_name);
INSTANTIATE_TEST_SUITE_P(Answers, ReaderCases, ::testing::ValuesIn(kResponseCases), case_name);

TEST(Reader, StopsAfterTheHeadSoThatTheCallerCanDecideBeforeTheBody) {
    Reader reader(Kind::request, small_limits());
    const std::string bytes = kPost + "Authorization: Bearer t\r\nContent-Length: 5\r\n\r\nhello";
    const std::size_t used = reader.feed(bytes);
    ASSERT_EQ(reader.step(), Step::head);
    EXPECT_EQ(used, bytes.size() - 5);
    EXPECT_EQ(reader.head().method, "POST");
    EXPECT_EQ(reader.head().target, "/api/v1/crossings");
    EXPECT_EQ(reader.head().framing, Framing::length);
    EXPECT_EQ(reader.head().content_length, 5u);
    ASSERT_NE(reader.head().find("authorization"), nullptr);
    EXPECT_EQ(*reader.head().find("AUTHORIZATION"), "Bearer t");
    EXPECT_TRUE(reader.body().empty());
    EXPECT_EQ(reader.feed(std::string_view(bytes).substr(used)), 5u);
    EXPECT_EQ(reader.step(), Step::done);
    EXPECT_EQ(reader.body(), "hello");
}

TEST(Reader, LeavesAPipelinedRequestForTheNextMessage) {
    const Outcome got = read(Kind::request, kGet + kGet, 0);
    EXPECT_EQ(got.step, Step::done);
    EXPECT_EQ(got.left, kGet.size());
}

TEST(Reader, ReadsTheNextMessageAfterReset) {
    Reader reader(Kind::request, small_limits());
    const std::string two = kPost + "Content-Length: 2\r\n\r\nab" + kPost + "Content-Length: 2\r\n\r\ncd";
    std::string_view rest = two;
    for (const char* expected : {"ab", "cd"}) {
        while (reader.step() != Step::done) rest.remove_prefix(reader.feed(rest));
        EXPECT_EQ(reader.body(), expected);
        reader.reset();
    }
    EXPECT_TRUE(rest.empty());
}

TEST(Reader, KnowsWhenTheConnectionStaysOpen) {
    EXPECT_TRUE(read(Kind::request, kGet, 0).keep_alive);
    EXPECT_FALSE(read(Kind::request, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0).keep_alive);
    EXPECT_FALSE(read(Kind::request, "GET / HTTP/1.0\r\n\r\n", 0).keep_alive);
    EXPECT_TRUE(read(Kind::request, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0).keep_alive);
    EXPECT_FALSE(read(Kind::response, "HTTP/1.1 200 OK\r\n\r\nx", 0, true).keep_alive);
}

TEST(Reader, NotesAnExpectContinue) {
    Reader reader(Kind::request, small_limits());
    reader.feed(kPost + "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    ASSERT_EQ(reader.step(), Step::head);
    EXPECT_TRUE(reader.head().expect_continue);
}

TEST(Reader, AnAnswerToHeadHasNoBody) {
    const Outcome got =
        read(Kind::response, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, false, small_limits(), "HEAD");
    EXPECT_EQ(got.step, Step::done);
    EXPECT_EQ(got.left, 0u);
}

TEST(Reader, SkipsAnOverLimitBodyWithALengthKeepingNoneOfIt) {
    Reader reader(Kind::request, small_limits());
    const std::string bytes = kPost + "Content-Length: 100\r\n\r\n" + big(100) + kGet;
    std::string_view rest = bytes;
    rest.remove_prefix(reader.feed(rest));
    ASSERT_EQ(reader.step(), Step::head);
    rest.remove_prefix(reader.feed(rest));
    ASSERT_EQ(reader.step(), Step::error);
    EXPECT_EQ(reader.failure().code, "payload_too_large");
    ASSERT_TRUE(reader.skip_body());
    rest.remove_prefix(reader.feed(rest));
    EXPECT_EQ(reader.step(), Step::done);
    EXPECT_TRUE(reader.body().empty());
    EXPECT_EQ(rest, kGet);
}

TEST(Reader, SkipsAnOverLimitChunkedBodyToItsEnd) {
    Reader reader(Kind::request, small_limits());
    const std::string bytes = kChunked + "40\r\n" + big(64) + "\r\n40\r\n" + big(64) + "\r\n0\r\n\r\n";
    std::string_view rest = bytes;
    while (reader.step() == Step::need_more || reader.step() == Step::head) rest.remove_prefix(reader.feed(rest));
    ASSERT_EQ(reader.failure().code, "payload_too_large");
    ASSERT_TRUE(reader.skip_body());
    rest.remove_prefix(reader.feed(rest));
    EXPECT_EQ(reader.step(), Step::done);
    EXPECT_TRUE(rest.empty());
}

TEST(Reader, SkipsAWholeBodyFromTheHeadWhateverItsSize) {
    // A request refused from its head (no token, say): its body is dropped, never kept.
    for (const std::string& body : {kPost + "Content-Length: 100\r\n\r\n" + big(100),
                                    kChunked + "40\r\n" + big(64) + "\r\n40\r\n" + big(64) + "\r\n0\r\n\r\n"}) {
        Reader reader(Kind::request, small_limits());
        std::string_view rest = body;
        rest.remove_prefix(reader.feed(rest));
        ASSERT_EQ(reader.step(), Step::head);
        ASSERT_TRUE(reader.skip_body());
        rest.remove_prefix(reader.feed(rest));
        EXPECT_EQ(reader.step(), Step::done);
        EXPECT_TRUE(reader.body().empty());
        EXPECT_TRUE(rest.empty());
    }
}

TEST(Reader, CannotSkipTheBodyAfterAFramingError) {
    Reader reader(Kind::request, small_limits());
    reader.feed(kPost + "Content-Length: 1\r\nContent-Length: 2\r\n\r\n");
    ASSERT_EQ(reader.step(), Step::error);
    EXPECT_FALSE(reader.skip_body());
}

TEST(Reader, StopsTakingBytesAtTheFirstOverlongChunkLine) {
    // 48 MiB of chunk extensions once took the server from 14 to 71 MB: now the first line ends it.
    Reader reader(Kind::request, Limits{});
    const std::string bytes = kChunked + "1;" + big(1024 * 1024) + "\r\nx\r\n";
    std::string_view rest = bytes;
    while (reader.step() == Step::need_more || reader.step() == Step::head) {
        const auto n = reader.feed(rest.substr(0, 4096));
        rest.remove_prefix(n);
        if (n == 0) break;
    }
    EXPECT_EQ(reader.step(), Step::error);
    EXPECT_EQ(reader.failure().code, "invalid_chunk");
    EXPECT_GT(rest.size(), bytes.size() - 8192);
}

TEST(Reader, RefusesTheIssuesChunkedTrailerOf65600BytesWithDefaultLimits) {
    const std::string bytes = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + big(65600) +
                              "\r\n\r\n";
    const Outcome got = read(Kind::request, bytes, 4096, false, Limits{});
    EXPECT_EQ(got.step, Step::error);
    EXPECT_EQ(got.status, 431);
}

TEST(Reader, ADetailNeverRepeatsThePeersBytes) {
    const Outcome got = read(Kind::request, kPost + "Transfer-Encoding: x-secret-coding\r\n\r\n", 0);
    ASSERT_EQ(got.step, Step::error);
    Reader reader(Kind::request, small_limits());
    reader.feed(kPost + "Transfer-Encoding: x-secret-coding\r\n\r\n");
    EXPECT_EQ(reader.failure().detail.find("secret"), std::string::npos);
}

TEST(HttpDate, ReadsTheImfFixdate) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    EXPECT_EQ(parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"), 1835438400);
    EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun Nov  6 08:49:37 1994"));
    EXPECT_FALSE(parse_http_date("Sun, 30 Feb 1994 08:49:37 GMT"));
    EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
    EXPECT_FALSE(parse_http_date(""));
}

TEST(RetryAfter, IsClampedAndNeverOverflows) {
    constexpr std::uint64_t kDay = 86400;
    EXPECT_EQ(retry_after_seconds("120", 0, kDay), 120u);
    EXPECT_EQ(retry_after_seconds("0", 0, kDay), 0u);
    EXPECT_EQ(retry_after_seconds("2000000000", 0, kDay), kDay);
    EXPECT_EQ(retry_after_seconds("9223372036854775807", 0, kDay), kDay);
    EXPECT_EQ(retry_after_seconds("9223372036854775808", 0, kDay), kDay);
    EXPECT_EQ(retry_after_seconds("18446744073709551616", 0, UINT64_MAX), UINT64_MAX);
    EXPECT_EQ(retry_after_seconds(std::string(400, '9'), 0, kDay), kDay);
    EXPECT_FALSE(retry_after_seconds("-1", 0, kDay));
    EXPECT_FALSE(retry_after_seconds("1.5", 0, kDay));
    EXPECT_FALSE(retry_after_seconds("", 0, kDay));
    EXPECT_FALSE(retry_after_seconds("soon", 0, kDay));
}

TEST(RetryAfter, ReadsADateAgainstTheGivenNow) {
    const std::int64_t date = 784111777;
    EXPECT_EQ(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", date - 60, 86400), 60u);
    EXPECT_EQ(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", date + 60, 86400), 0u);
    EXPECT_EQ(retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT", date, 86400), 86400u);
}

}  // namespace
}  // namespace borderlog::wire
