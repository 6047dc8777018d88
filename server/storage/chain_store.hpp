// PostgreSQL side of `borderlog-server verify`: reads every stored chain in one consistent snapshot,
// row by row through a server-side cursor, so that memory stays flat however many rows there are.
// Works on a Store's connection; libpqxx stays in the .cpp.
#pragma once

#include "server/service/chain_verify.hpp"
#include "server/storage/store.hpp"

#include <functional>
#include <optional>
#include <string>

namespace borderlog::server {

class ChainStore {
public:
    explicit ChainStore(Store& store) : store_(store) {}

    // In one read-only snapshot: the context first, then every crossing (of `device` when given) in
    // (device, stream, seq) order.
    void scan(const std::optional<std::string>& device,
              const std::function<void(service::ChainContext)>& on_context,
              const std::function<void(const service::StoredLink&)>& on_row);

private:
    Store& store_;
};

}  // namespace borderlog::server
