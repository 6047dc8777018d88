#include "client/queue/import_key.hpp"

#include "core/crossing_json.hpp"
#include "core/ids.hpp"

namespace borderlog::client {

std::string normalised_line_hash(core::Crossing draft, const std::string& checkpoint_id) {
    // A line may leave checkpoint_id out or name this checkpoint: the same crossing either way.
    if (draft.checkpoint_id.empty()) draft.checkpoint_id = checkpoint_id;
    draft.recorded_offline = false;
    return core::sha256_hex(core::canonical_json(draft));
}

std::string ImportKeys::next(const std::string& line_hash) {
    return line_hash + ":" + std::to_string(++seen_[line_hash]);
}

}  // namespace borderlog::client
