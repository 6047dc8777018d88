// What `borderlog-checkpoint record` and the officer screen share: reading the MRZ of a record (a
// wrong check digit refused, naming its field, unless the officer forces it: then the record is
// flagged mrz_invalid), screening the traveller against the local watchlist copy, and the durable
// record stamped with the version of the list it was screened against.
#pragma once

#include "client/queue/outbox.hpp"
#include "client/queue/watchlist_copy.hpp"
#include "core/mrz.hpp"
#include "core/time.hpp"

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace borderlog::client {

// An MRZ a record cannot carry as it is. `errors` is empty when the text is not an MRZ at all (wrong
// number or length of lines, characters outside A-Z 0-9 <); otherwise it lists every fault, and
// `forceable` says the officer may record it anyway (flagged mrz_invalid).
class MrzRefused : public std::runtime_error {
public:
    explicit MrzRefused(std::vector<core::MrzError> errors);
    const std::vector<core::MrzError>& errors() const { return errors_; }
    bool not_an_mrz() const { return errors_.empty(); }

private:
    std::vector<core::MrzError> errors_;
};

// "line 2 position 10: document_number check digit is 7 but the data gives 6" (as `record` always said it)
std::string describe(const core::MrzError& error);

// Parses the MRZ of a record. Throws MrzRefused when it is not an MRZ, or when a check digit or a field
// is wrong and `force` is not given. With `force`, a faulty MRZ is returned as read: the caller flags
// the record mrz_invalid (forced_flag says whether it must).
core::MrzResult read_mrz_for_record(std::string_view text, bool force, int current_year);
bool needs_invalid_flag(const core::MrzResult& mrz);

struct RecordedCrossing {
    core::Crossing record;
    Screening screening;
};

// Screens the draft's traveller against the watchlist copy, stamps the list's version on it, marks it
// recorded_offline unless the terminal last saw the centre online, and records it. Durable on local
// disk when this returns. The draft is validated by the caller.
RecordedCrossing record_screened(Outbox& outbox, core::Crossing draft, const DeviceIdentity& device);

// {"version","entries","checked_at","age_s","hits":[{"entry_id","entry_version","action","reason",
// "matched_by"}]}: what the officer is shown (the entry's reason and action, not its other fields).
boost::json::object screening_json(const Screening& screening, core::Millis now);

}  // namespace borderlog::client
