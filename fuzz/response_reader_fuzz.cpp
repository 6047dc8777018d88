// libFuzzer target: the answer side of common/http_wire (what the checkpoint reads). Same checks as
// the request target; the first byte also says whether the answer is to a HEAD request.
#include "fuzz/reader_outcome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace borderlog;
    if (size < 1) return 0;
    const std::size_t piece = data[0] % 17 + 1;
    const bool head = (data[0] & 0x80) != 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto whole = fuzz::read_all(wire::Reader::Kind::response, input, 0, head);
    const auto pieces = fuzz::read_all(wire::Reader::Kind::response, input, piece, head);
    if (whole != pieces) fuzz::broken();
    return 0;
}
