// How an import line is known again, wherever its file is: by its content. The key is the SHA-256 of
// the line's normalised form (the canonical JSON of the crossing it describes, so that whitespace, key
// order and time-zone spelling do not matter) and its occurrence number among identical lines of its
// file (two identical lines are two crossings). Neither the file's path nor the line's number is part
// of it: a moved file, or one with lines added, records each crossing once.
#pragma once

#include "core/crossing.hpp"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace borderlog::client {

// The SHA-256 (hex) of the normalised line. `draft` is the crossing as read from the line, before
// anything the importing terminal adds (recorded_offline from the centre's state, and later the flags
// of `import --paper-ref`): those describe the import, not the crossing.
std::string normalised_line_hash(core::Crossing draft, const std::string& checkpoint_id);

// Gives each line of one file its key, counting identical lines in file order.
class ImportKeys {
public:
    std::string next(const std::string& line_hash);

private:
    std::unordered_map<std::string, std::int64_t> seen_;
};

}  // namespace borderlog::client
