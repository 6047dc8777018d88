#include "common/http_wire.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace borderlog::wire {

namespace {

bool is_tchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}
bool is_vchar(unsigned char c) { return c >= 0x21 && c <= 0x7E; }
bool is_ws(unsigned char c) { return c == ' ' || c == '\t'; }
// What a field value may hold between its first and last visible character: no control characters.
bool is_value_char(unsigned char c) { return is_vchar(c) || is_ws(c) || c >= 0x80; }
bool is_hex(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned hex_value(unsigned char c) {
    if (c <= '9') return static_cast<unsigned>(c - '0');
    return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}

bool all_of(std::string_view s, bool (*pred)(unsigned char)) {
    return std::all_of(s.begin(), s.end(), [pred](char c) { return pred(static_cast<unsigned char>(c)); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ws(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && is_ws(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// "HTTP/1.1" -> 11. nullopt when it is not HTTP-version syntax at all; 0 for another version.
std::optional<unsigned> parse_version(std::string_view v) {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
        v[7] > '9')
        return std::nullopt;
    const unsigned n = static_cast<unsigned>(v[5] - '0') * 10 + static_cast<unsigned>(v[7] - '0');
    return n == 10 || n == 11 ? n : 0;
}

// 1*DIGIT of at most 19 digits (so that it fits 64 bits).
std::optional<std::uint64_t> parse_length(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

// uri-host [ ":" port ]: the characters a host name, an IP literal and a port are made of.
bool is_host_char(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return c != '\0' && std::strchr("-._~!$&'()*+,;=%[]:", c) != nullptr;
}

// chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )
bool valid_chunk_extensions(std::string_view s) {
    std::size_t p = 0;
    const auto skip_ws = [&] {
        while (p < s.size() && is_ws(static_cast<unsigned char>(s[p]))) ++p;
    };
    const auto token = [&] {
        const std::size_t begin = p;
        while (p < s.size() && is_tchar(static_cast<unsigned char>(s[p]))) ++p;
        return p > begin;
    };
    while (p < s.size()) {
        skip_ws();
        if (p >= s.size() || s[p] != ';') return false;
        ++p;
        skip_ws();
        if (!token()) return false;
        const std::size_t after_name = p;
        skip_ws();
        if (p < s.size() && s[p] == '=') {
            ++p;
            skip_ws();
            if (p < s.size() && s[p] == '"') {
                ++p;
                for (;;) {
                    if (p >= s.size()) return false;
                    const auto c = static_cast<unsigned char>(s[p]);
                    if (c == '"') {
                        ++p;
                        break;
                    }
                    if (c == '\\') {
                        if (p + 1 >= s.size() || !is_value_char(static_cast<unsigned char>(s[p + 1]))) return false;
                        p += 2;
                        continue;
                    }
                    if (!is_value_char(c)) return false;
                    ++p;
                }
            } else if (!token()) {
                return false;
            }
        } else {
            p = after_name;
        }
    }
    return true;
}

std::string bytes_text(std::size_t n) { return std::to_string(n) + " bytes"; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x | 0x20);
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y | 0x20);
        if (x != y) return false;
    }
    return true;
}

const std::string* Head::find(std::string_view name) const {
    for (const auto& f : fields)
        if (iequals(f.name, name)) return &f.value;
    return nullptr;
}

Reader::Reader(Kind kind, Limits limits) : kind_(kind), limits_(limits) {}

void Reader::reset() {
    step_ = Step::need_more;
    phase_ = Phase::start_line;
    head_ = {};
    failure_ = {};
    body_ = std::string();  // gives the memory back: a connection may idle a long time
    line_.clear();
    head_bytes_ = trailer_bytes_ = trailer_count_ = extension_bytes_ = interim_ = 0;
    remaining_ = body_size_ = 0;
    chunk_end_seen_ = 0;
    answer_to_head_ = started_ = skipping_ = skippable_ = false;
}

void Reader::answering(std::string_view method) { answer_to_head_ = method == "HEAD"; }

void Reader::begin_message() {
    head_ = {};
    line_.clear();
    head_bytes_ = 0;
    phase_ = Phase::start_line;
}

void Reader::fail(unsigned status, std::string code, std::string detail) {
    if (step_ == Step::error) return;
    step_ = Step::error;
    failure_ = {status, std::move(code), std::move(detail)};
}

bool Reader::skip_body() {
    if (step_ == Step::head) {
        skipping_ = true;
        return true;
    }
    if (step_ != Step::error || !skippable_) return false;
    skippable_ = false;
    skipping_ = true;
    body_ = std::string();
    failure_ = {};
    step_ = Step::need_more;
    return true;
}

void Reader::add_body(std::string_view bytes) {
    body_size_ += bytes.size();
    if (!skipping_) body_.append(bytes);
}

std::size_t Reader::take_line(std::string_view bytes, std::size_t limit, bool& complete) {
    started_ = true;
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    complete = nl != nullptr;
    const std::size_t n = complete ? static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1
                                   : bytes.size();
    const std::size_t content = complete ? n - 1 : n;  // without the LF; the CR stays until the end
    if (line_.size() + content > limit + 1) {
        switch (phase_) {
        case Phase::start_line:
            if (kind_ == Kind::request)
                fail(414, "uri_too_long", "the request line exceeds " + bytes_text(limit));
            else
                fail(502, "bad_answer", "the status line exceeds " + bytes_text(limit));
            break;
        case Phase::chunk_size:
            fail(400, "invalid_chunk", "a chunk-size line exceeds " + bytes_text(limit));
            break;
        case Phase::trailers:
            fail(431, "headers_too_large", "a trailer line exceeds " + bytes_text(limit));
            break;
        default:
            fail(431, "headers_too_large", "a header line exceeds " + bytes_text(limit));
        }
        return n;
    }
    line_.append(bytes.data(), content);
    if (phase_ == Phase::start_line || phase_ == Phase::fields) {
        head_bytes_ += n;
        if (head_bytes_ > limits_.head_bytes) {
            fail(431, "headers_too_large", "the head exceeds " + bytes_text(limits_.head_bytes));
            return n;
        }
    } else if (phase_ == Phase::trailers) {
        trailer_bytes_ += n;
        if (trailer_bytes_ > limits_.trailer_bytes) {
            fail(431, "headers_too_large", "the trailer section exceeds " + bytes_text(limits_.trailer_bytes));
            return n;
        }
    }
    if (complete) {
        if (line_.empty() || line_.back() != '\r') {
            fail(400, "bad_request", "a line ends in LF without CR");
            return n;
        }
        line_.pop_back();
    }
    return n;
}

std::size_t Reader::feed(std::string_view bytes) {
    if (step_ == Step::error || step_ == Step::done) return 0;
    if (step_ == Step::head) {
        step_ = Step::need_more;
        phase_ = Phase::body_start;
    }
    std::size_t used = 0;
    while (step_ == Step::need_more) {
        const std::string_view rest = bytes.substr(used);
        switch (phase_) {
        case Phase::start_line:
        case Phase::fields:
        case Phase::chunk_size:
        case Phase::trailers: {
            if (rest.empty()) return used;
            const std::size_t limit = phase_ == Phase::start_line   ? limits_.start_line
                                      : phase_ == Phase::chunk_size ? limits_.chunk_line
                                                                    : limits_.field_line;
            bool complete = false;
            used += take_line(rest, limit, complete);
            if (step_ != Step::need_more || !complete) return used;
            const std::string line = std::move(line_);
            line_.clear();
            if (phase_ == Phase::start_line)
                on_start_line(line);
            else if (phase_ == Phase::fields)
                on_field_line(line);
            else if (phase_ == Phase::chunk_size)
                on_chunk_size_line(line);
            else
                on_trailer_line(line);
            break;
        }
        case Phase::body_start:
            switch (head_.framing) {
            case Framing::none:
                phase_ = Phase::done;
                step_ = Step::done;
                break;
            case Framing::length:
                remaining_ = head_.content_length;
                phase_ = Phase::length_body;
                if (head_.content_length > limits_.body && !skipping_) {
                    skippable_ = true;
                    fail(413, "payload_too_large", "the body exceeds " + bytes_text(limits_.body));
                }
                break;
            case Framing::chunked:
                phase_ = Phase::chunk_size;
                break;
            case Framing::until_close:
                phase_ = Phase::until_close;
                break;
            }
            break;
        case Phase::length_body:
        case Phase::chunk_data: {
            if (remaining_ > 0) {
                if (rest.empty()) return used;
                const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
                add_body(rest.substr(0, n));
                used += n;
                remaining_ -= n;
            }
            if (remaining_ == 0) {
                if (phase_ == Phase::length_body) {
                    phase_ = Phase::done;
                    step_ = Step::done;
                } else {
                    phase_ = Phase::chunk_data_end;
                    chunk_end_seen_ = 0;
                }
            }
            break;
        }
        case Phase::chunk_data_end:
            while (chunk_end_seen_ < 2 && used < bytes.size()) {
                if (bytes[used] != (chunk_end_seen_ == 0 ? '\r' : '\n')) {
                    fail(400, "invalid_chunk", "chunk data is not followed by CRLF");
                    return used;
                }
                ++used;
                ++chunk_end_seen_;
            }
            if (chunk_end_seen_ < 2) return used;
            phase_ = Phase::chunk_size;
            break;
        case Phase::until_close:
            if (rest.empty()) return used;
            if (!skipping_ && rest.size() > limits_.body - body_size_) {
                fail(413, "payload_too_large", "the body exceeds " + bytes_text(limits_.body));
                return used;
            }
            add_body(rest);
            used += rest.size();
            break;
        case Phase::done:
            return used;
        }
    }
    return used;
}

void Reader::finish() {
    if (step_ == Step::head) feed({});
    if (step_ != Step::need_more) return;
    if (phase_ == Phase::until_close) {
        phase_ = Phase::done;
        step_ = Step::done;
        return;
    }
    if (started_) fail(400, "truncated", "the message was cut off before its end");
}

void Reader::on_start_line(std::string_view line) {
    if (kind_ == Kind::request) {
        if (line.empty()) return;  // an empty line before a request line is allowed (RFC 9112, 2.2)
        const auto sp1 = line.find(' ');
        const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
        if (sp2 == std::string_view::npos) return fail(400, "bad_request", "the request line cannot be read");
        const auto method = line.substr(0, sp1);
        const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        const auto version = parse_version(line.substr(sp2 + 1));
        if (method.empty() || !all_of(method, is_tchar) || target.empty() || !all_of(target, is_vchar) || !version)
            return fail(400, "bad_request", "the request line cannot be read");
        if (*version == 0)
            return fail(505, "http_version_not_supported", "only HTTP/1.1 and HTTP/1.0 are spoken here");
        head_.method = std::string(method);
        head_.target = std::string(target);
        head_.version = *version;
    } else {
        const auto version = parse_version(line.substr(0, 8));
        const auto digit = [&](std::size_t i) { return line[i] >= '0' && line[i] <= '9'; };
        if (!version || *version == 0 || line.size() < 12 || line[8] != ' ' || !digit(9) || !digit(10) ||
            !digit(11) || (line.size() > 12 && line[12] != ' ') ||
            !all_of(line.substr(std::min<std::size_t>(line.size(), 13)), is_value_char))
            return fail(502, "bad_answer", "the status line cannot be read");
        head_.version = *version;
        head_.status = static_cast<unsigned>((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
        if (head_.status < 100 || head_.status > 599) return fail(502, "bad_answer", "the status code is out of range");
    }
    phase_ = Phase::fields;
}

void Reader::on_field_line(std::string_view line) {
    if (line.empty()) return on_head_end();
    if (is_ws(static_cast<unsigned char>(line.front())))
        return fail(400, "bad_request", "a folded header line (obs-fold) is refused");
    if (head_.fields.size() >= limits_.fields)
        return fail(431, "headers_too_large", "more than " + std::to_string(limits_.fields) + " header fields");
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos)
        return fail(400, "bad_request", "a header line has no name and colon");
    const auto name = line.substr(0, colon);
    if (is_ws(static_cast<unsigned char>(name.back())))
        return fail(400, "bad_request", "whitespace between a header name and its colon is refused");
    if (!all_of(name, is_tchar)) return fail(400, "bad_request", "a header name holds a character not allowed");
    const auto raw = line.substr(colon + 1);
    // Proxies disagree on whether a tab around "chunked" is whitespace: in framing fields it is refused.
    if ((iequals(name, "transfer-encoding") || iequals(name, "content-length")) && raw.find('\t') != raw.npos)
        return fail(kind_ == Kind::request ? 400 : 502, kind_ == Kind::request ? "invalid_framing" : "bad_answer",
                    "a tab in Transfer-Encoding or Content-Length is refused");
    const auto value = trim(raw);
    if (!all_of(value, is_value_char)) return fail(400, "bad_request", "a header value holds a control character");
    head_.fields.push_back({std::string(name), std::string(value)});
}

void Reader::on_head_end() {
    if (kind_ == Kind::response && head_.status < 200) {
        // An interim answer (100 Continue, 103 Early Hints): the final answer follows.
        if (head_.status == 101) return fail(502, "bad_answer", "the server switched protocols unasked");
        if (++interim_ > limits_.interim_answers) return fail(502, "bad_answer", "too many interim answers");
        return begin_message();
    }
    if (kind_ == Kind::request)
        decide_request_framing();
    else
        decide_response_framing();
    if (step_ != Step::need_more) return;
    phase_ = Phase::body_start;
    step_ = Step::head;
}

void Reader::decide_request_framing() {
    const std::string* host = nullptr;
    std::size_t hosts = 0;
    std::vector<const std::string*> lengths, encodings;
    bool close = false, keep_alive = false;
    for (const auto& f : head_.fields) {
        if (iequals(f.name, "host")) {
            host = &f.value;
            ++hosts;
        } else if (iequals(f.name, "content-length")) {
            lengths.push_back(&f.value);
        } else if (iequals(f.name, "transfer-encoding")) {
            encodings.push_back(&f.value);
        } else if (iequals(f.name, "connection")) {
            std::string_view v = f.value;
            while (!v.empty()) {
                const auto comma = std::min(v.find(','), v.size());
                const auto token = trim(v.substr(0, comma));
                close = close || iequals(token, "close");
                keep_alive = keep_alive || iequals(token, "keep-alive");
                v.remove_prefix(std::min(comma + 1, v.size()));
            }
        } else if (iequals(f.name, "expect")) {
            head_.expect_continue = iequals(f.value, "100-continue") && head_.version == 11;
        }
    }
    // Framing: one plain "chunked" or one Content-Length of digits. Whatever a proxy could read
    // another way is refused rather than guessed.
    if (!encodings.empty()) {
        if (!lengths.empty())
            return fail(400, "invalid_framing", "Transfer-Encoding and Content-Length together are refused");
        if (head_.version == 10) return fail(400, "invalid_framing", "Transfer-Encoding in HTTP/1.0 is refused");
        if (encodings.size() > 1 || !iequals(*encodings.front(), "chunked"))
            return fail(400, "invalid_framing", "the only Transfer-Encoding accepted is a single chunked");
        head_.framing = Framing::chunked;
    } else if (!lengths.empty()) {
        if (lengths.size() > 1) return fail(400, "invalid_framing", "more than one Content-Length is refused");
        const auto n = parse_length(*lengths.front());
        if (!n) return fail(400, "invalid_framing", "Content-Length is not a number of at most 19 digits");
        head_.framing = Framing::length;
        head_.content_length = *n;
    }
    if (hosts > 1) return fail(400, "invalid_host", "more than one Host header is refused");
    if (hosts == 0 && head_.version == 11) return fail(400, "invalid_host", "an HTTP/1.1 request needs a Host header");
    if (host && !all_of(*host, is_host_char)) return fail(400, "invalid_host", "the Host header cannot be read");
    head_.keep_alive = head_.version == 11 ? !close : keep_alive && !close;
}

void Reader::decide_response_framing() {
    bool close = false, keep_alive = false;
    std::vector<const std::string*> lengths, encodings;
    for (const auto& f : head_.fields) {
        if (iequals(f.name, "content-length")) {
            lengths.push_back(&f.value);
        } else if (iequals(f.name, "transfer-encoding")) {
            encodings.push_back(&f.value);
        } else if (iequals(f.name, "connection")) {
            std::string_view v = f.value;
            while (!v.empty()) {
                const auto comma = std::min(v.find(','), v.size());
                const auto token = trim(v.substr(0, comma));
                close = close || iequals(token, "close");
                keep_alive = keep_alive || iequals(token, "keep-alive");
                v.remove_prefix(std::min(comma + 1, v.size()));
            }
        }
    }
    head_.keep_alive = head_.version == 11 ? !close : keep_alive && !close;
    if (answer_to_head_ || head_.status == 204 || head_.status == 304) return;  // never a body
    if (!encodings.empty()) {
        if (!lengths.empty() || encodings.size() > 1 || !iequals(*encodings.front(), "chunked"))
            return fail(502, "bad_answer", "the answer's Transfer-Encoding is not a single chunked");
        head_.framing = Framing::chunked;
    } else if (!lengths.empty()) {
        const auto n = parse_length(*lengths.front());
        if (lengths.size() > 1 || !n) return fail(502, "bad_answer", "the answer's Content-Length cannot be read");
        head_.framing = Framing::length;
        head_.content_length = *n;
    } else {
        head_.framing = Framing::until_close;
        head_.keep_alive = false;
    }
}

void Reader::on_chunk_size_line(std::string_view line) {
    std::size_t digits = 0;
    while (digits < line.size() && is_hex(static_cast<unsigned char>(line[digits]))) ++digits;
    if (digits == 0) return fail(400, "invalid_chunk", "a chunk size is not hexadecimal");
    if (digits > 16) return fail(400, "invalid_chunk", "a chunk size has more than 16 hexadecimal digits");
    std::uint64_t size = 0;
    for (std::size_t i = 0; i < digits; ++i) size = size << 4 | hex_value(static_cast<unsigned char>(line[i]));
    const auto extensions = line.substr(digits);
    extension_bytes_ += extensions.size();
    if (extension_bytes_ > limits_.chunk_extensions)
        return fail(400, "invalid_chunk", "chunk extensions exceed " + bytes_text(limits_.chunk_extensions));
    if (!valid_chunk_extensions(extensions)) return fail(400, "invalid_chunk", "a chunk extension cannot be read");
    if (size == 0) {
        phase_ = Phase::trailers;
        return;
    }
    remaining_ = size;
    phase_ = Phase::chunk_data;
    if (!skipping_ && size > limits_.body - body_size_) {
        skippable_ = true;
        fail(413, "payload_too_large", "the body exceeds " + bytes_text(limits_.body));
    }
}

void Reader::on_trailer_line(std::string_view line) {
    if (line.empty()) {
        phase_ = Phase::done;
        step_ = Step::done;
        return;
    }
    if (++trailer_count_ > limits_.trailers)
        return fail(431, "headers_too_large", "more than " + std::to_string(limits_.trailers) + " trailer fields");
    // Trailer fields are checked like header fields and then dropped: nothing here uses them.
    if (is_ws(static_cast<unsigned char>(line.front())))
        return fail(400, "bad_request", "a folded trailer line (obs-fold) is refused");
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return fail(400, "bad_request", "a trailer line has no name");
    const auto name = line.substr(0, colon);
    if (!all_of(name, is_tchar)) return fail(400, "bad_request", "a trailer name holds a character not allowed");
    if (!all_of(trim(line.substr(colon + 1)), is_value_char))
        return fail(400, "bad_request", "a trailer value holds a control character");
}

std::optional<std::int64_t> parse_http_date(std::string_view s) {
    // "Sun, 06 Nov 1994 08:49:37 GMT"
    static constexpr std::array<std::string_view, 7> kDays{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
        s[22] != ':' || s.substr(25) != " GMT")
        return std::nullopt;
    if (std::find(kDays.begin(), kDays.end(), s.substr(0, 3)) == kDays.end()) return std::nullopt;
    const auto month_it = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
    if (month_it == kMonths.end()) return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t n) -> int {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    const int day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2),
              second = number(23, 2);
    const int month = static_cast<int>(month_it - kMonths.begin()) + 1;
    if (day < 1 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
        return std::nullopt;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    static constexpr std::array<int, 12> kLength{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (day > kLength[static_cast<std::size_t>(month - 1)] + (month == 2 && leap ? 1 : 0)) return std::nullopt;
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = y / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + minute * 60 + second;
}

std::optional<std::uint64_t> retry_after_seconds(std::string_view value, std::int64_t now, std::uint64_t cap) {
    if (!value.empty() && all_of(value, [](unsigned char c) { return c >= '0' && c <= '9'; })) {
        std::uint64_t n = 0;
        for (char c : value) {
            const auto d = static_cast<std::uint64_t>(c - '0');
            if (n > (cap - d) / 10 || d > cap) return cap;  // checked before it could overflow
            n = n * 10 + d;
        }
        return n;
    }
    const auto date = parse_http_date(value);
    if (!date) return std::nullopt;
    if (*date <= now) return 0;
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(*date - now), cap);
}

}  // namespace borderlog::wire
