// libFuzzer target: the request side of common/http_wire. Checks that no input makes the reader crash,
// read past its input or its bounds, or read a message differently when the bytes arrive in pieces.
#include "fuzz/reader_outcome.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace borderlog;
    if (size < 1) return 0;
    const std::size_t piece = data[0] % 17 + 1;  // the first byte picks how the rest arrives
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto whole = fuzz::read_all(wire::Reader::Kind::request, input, 0, false);
    const auto pieces = fuzz::read_all(wire::Reader::Kind::request, input, piece, false);
    if (whole != pieces) fuzz::broken();
    return 0;
}
