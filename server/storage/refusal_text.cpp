// The words of the database's refusals, apart from the libpqxx store so that code without a database
// (the batch use case, its fuzz target) can name them too.
#include "server/storage/store.hpp"

namespace borderlog::server {

StatusText refusal_text(InsertStatus status) {
    switch (status) {
    case InsertStatus::id_conflict:
        return {"id_conflict", "this id is already stored with other content", "id"};
    case InsertStatus::seq_conflict:
        return {"seq_conflict", "another record already holds this sequence number of the device's stream", "seq"};
    case InsertStatus::unstorable:
        return {"invalid_field", "a value is outside what the central database can store", ""};
    default:
        return {"", "", ""};
    }
}

}  // namespace borderlog::server
