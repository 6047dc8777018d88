#include "core/crossing_json.hpp"

#include "core/crossing.hpp"
#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace borderlog::core {
namespace {

namespace json = boost::json;

constexpr int kYear = 2026;

// The crossing of the contract (/work/shared/CONTRACT.md, "A crossing"), verbatim.
constexpr const char* kContractExample = R"({
  "id": "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77",
  "device_id": "KAK-01",
  "seq": 17,
  "checkpoint_id": "KAKAVIJE",
  "lane": "3",
  "direction": "entry",
  "occurred_at": "2026-11-27T10:42:05.123Z",
  "officer_id": "officer-112",
  "traveler": {
    "document_type": "P", "document_number": "L898902C3", "issuing_country": "UTO",
    "nationality": "UTO", "surname": "ERIKSSON", "given_names": "ANNA MARIA",
    "birth_date": "1974-08-12", "sex": "F", "expiry_date": "2012-04-15"
  },
  "mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
  "transport": {"mode": "car", "vehicle_plate": "AA123BB"},
  "recorded_offline": true
})";

json::object example() { return json::parse(kContractExample).as_object(); }

// The example without its MRZ, so that a broken traveller field is the only thing wrong.
json::object example_without_mrz() {
    json::object o = example();
    o.erase("mrz");
    return o;
}

// Every distinct field named by the ValidationError that `read` throws; empty when nothing is thrown.
std::set<std::string> fields_named(const std::function<void()>& read) {
    try {
        read();
    } catch (const ValidationError& e) {
        std::set<std::string> fields;
        for (const auto& error : e.errors()) fields.insert(error.field);
        return fields;
    }
    return {};
}

TEST(CrossingJson, TheContractsExampleIsReadWithEveryField) {
    const Crossing x = read_crossing(example(), Completeness::full, kYear);
    EXPECT_EQ(x.id, "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77");
    EXPECT_EQ(x.device_id, "KAK-01");
    EXPECT_EQ(x.seq, 17);
    EXPECT_EQ(x.checkpoint_id, "KAKAVIJE");
    EXPECT_EQ(x.lane, "3");
    EXPECT_EQ(x.direction, "entry");
    EXPECT_EQ(x.occurred_at, "2026-11-27T10:42:05.123Z");
    EXPECT_EQ(x.officer_id, "officer-112");
    EXPECT_EQ(x.traveler.document_type, "P");
    EXPECT_EQ(x.traveler.document_number, "L898902C3");
    EXPECT_EQ(x.traveler.issuing_country, "UTO");
    EXPECT_EQ(x.traveler.nationality, "UTO");
    EXPECT_EQ(x.traveler.surname, "ERIKSSON");
    EXPECT_EQ(x.traveler.given_names, "ANNA MARIA");
    EXPECT_EQ(x.traveler.birth_date, "1974-08-12");
    EXPECT_EQ(x.traveler.sex, "F");
    EXPECT_EQ(x.traveler.expiry_date, "2012-04-15");
    ASSERT_TRUE(x.mrz.has_value());
    EXPECT_EQ(x.transport.mode, "car");
    EXPECT_EQ(x.transport.vehicle_plate, "AA123BB");
    EXPECT_TRUE(x.recorded_offline);
}

TEST(CrossingJson, TheContractsExampleRoundTripsThroughItsJson) {
    const Crossing x = read_crossing(example(), Completeness::full, kYear);
    EXPECT_EQ(json::value(to_json(x)), json::value(example()));
    EXPECT_EQ(read_crossing(json::parse(canonical_json(x)), Completeness::full, kYear), x);
}

TEST(CrossingJson, CanonicalJsonIsStableAcrossParseAndSerialise) {
    const std::string first = canonical_json(read_crossing(example(), Completeness::full, kYear));
    const std::string second = canonical_json(read_crossing(json::parse(first), Completeness::full, kYear));
    EXPECT_EQ(first, second);
}

TEST(CrossingJson, CanonicalJsonDoesNotDependOnTheOrderOfTheFieldsSent) {
    json::object reordered;
    const json::object original = example();
    for (auto it = original.end(); it != original.begin();) {
        --it;
        reordered[it->key()] = it->value();
    }
    EXPECT_EQ(canonical_json(read_crossing(reordered, Completeness::full, kYear)),
              canonical_json(read_crossing(original, Completeness::full, kYear)));
}

TEST(CrossingJson, CanonicalJsonOmitsAbsentOptionalFields) {
    json::object o = example_without_mrz();
    for (const char* key : {"lane", "officer_id", "transport"}) o.erase(key);
    o["traveler"].as_object().erase("document_type");
    o["traveler"].as_object().erase("given_names");
    o["traveler"].as_object().erase("expiry_date");
    const json::value canonical = json::parse(canonical_json(read_crossing(o, Completeness::full, kYear)));
    for (const char* key : {"lane", "officer_id", "transport", "mrz"}) EXPECT_FALSE(canonical.as_object().contains(key)) << key;
    for (const char* key : {"document_type", "given_names", "expiry_date"})
        EXPECT_FALSE(canonical.as_object().at("traveler").as_object().contains(key)) << key;
    EXPECT_EQ(canonical.as_object().at("recorded_offline"), json::value(true));
}

TEST(CrossingJson, AnUpperCaseIdIsStoredInLowerCase) {
    json::object o = example();
    o["id"] = "01936F1E-8C2A-7B3E-9F00-3C5D2A1B4E77";
    EXPECT_EQ(read_crossing(o, Completeness::full, kYear).id, "01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77");
}

TEST(CrossingJson, NullOptionalFieldsReadAsAbsent) {
    json::object o = example();
    o["lane"] = nullptr;
    o["mrz"] = nullptr;
    o["transport"] = nullptr;
    const Crossing x = read_crossing(o, Completeness::full, kYear);
    EXPECT_TRUE(x.lane.empty());
    EXPECT_FALSE(x.mrz.has_value());
    EXPECT_TRUE(x.transport.empty());
}

// occurred_at: any RFC 3339 spelling comes out as UTC with milliseconds.
struct OccurredAtCase {
    const char* name;
    const char* sent;
    const char* stored;
};
void PrintTo(const OccurredAtCase& c, std::ostream* os) { *os << c.name; }

class OccurredAtIsNormalised : public testing::TestWithParam<OccurredAtCase> {};

TEST_P(OccurredAtIsNormalised, ToUtcMilliseconds) {
    json::object o = example();
    o["occurred_at"] = GetParam().sent;
    EXPECT_EQ(read_crossing(o, Completeness::full, kYear).occurred_at, GetParam().stored);
}

INSTANTIATE_TEST_SUITE_P(
    CrossingJson, OccurredAtIsNormalised,
    testing::Values(OccurredAtCase{"AlreadyCanonical", "2026-11-27T10:42:05.123Z", "2026-11-27T10:42:05.123Z"},
                    OccurredAtCase{"PositiveOffset", "2026-11-27T12:42:05.123+02:00", "2026-11-27T10:42:05.123Z"},
                    OccurredAtCase{"NegativeHalfHourOffset", "2026-11-27T05:12:05.123-05:30",
                                   "2026-11-27T10:42:05.123Z"},
                    OccurredAtCase{"OffsetCrossingMidnight", "2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00.000Z"},
                    OccurredAtCase{"NoFraction", "2026-11-27T10:42:05Z", "2026-11-27T10:42:05.000Z"},
                    OccurredAtCase{"MicrosecondsTruncated", "2026-11-27T10:42:05.123999Z", "2026-11-27T10:42:05.123Z"},
                    OccurredAtCase{"LowerCaseSeparators", "2026-11-27t10:42:05.5z", "2026-11-27T10:42:05.500Z"},
                    OccurredAtCase{"ZeroOffset", "2026-11-27T10:42:05.123+00:00", "2026-11-27T10:42:05.123Z"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// Whatever read_crossing accepts, its canonical JSON must read back: the checkpoint queues the canonical
// JSON and the server reads it with this same codec.
class AnAcceptedOccurredAt : public testing::TestWithParam<const char*> {};

TEST_P(AnAcceptedOccurredAt, ReadsBackFromTheCanonicalJson) {
    json::object o = example();
    o["occurred_at"] = GetParam();
    Crossing x;
    try {
        x = read_crossing(o, Completeness::full, kYear);
    } catch (const ValidationError&) {
        return;  // refused on the way in: nothing to read back
    }
    try {
        EXPECT_EQ(canonical_json(read_crossing(json::parse(canonical_json(x)), Completeness::full, kYear)),
                  canonical_json(x));
    } catch (const ValidationError& e) {
        FAIL() << "the canonical JSON of an accepted occurred_at does not read back: " << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(CrossingJson, AnAcceptedOccurredAt,
                         testing::Values("2026-11-27T10:42:05.123+02:00", "9999-12-31T23:30:00-01:00",
                                         "0000-01-01T00:30:00+01:00"));

// One broken field per case: the ValidationError names exactly that field, and nothing else.
struct InvalidFieldCase {
    const char* name;
    std::function<void(json::object&)> corrupt;
    const char* field;
};
void PrintTo(const InvalidFieldCase& c, std::ostream* os) { *os << c.name; }

class AnInvalidCrossingIsRefused : public testing::TestWithParam<InvalidFieldCase> {};

TEST_P(AnInvalidCrossingIsRefused, NamingTheBrokenField) {
    json::object o = example_without_mrz();
    GetParam().corrupt(o);
    const auto fields = fields_named([&] { read_crossing(o, Completeness::full, kYear); });
    EXPECT_EQ(fields, std::set<std::string>{GetParam().field});
}

json::object& traveler(json::object& o) { return o["traveler"].as_object(); }

INSTANTIATE_TEST_SUITE_P(
    CrossingJson, AnInvalidCrossingIsRefused,
    testing::Values(
        InvalidFieldCase{"IdNotAUuid", [](json::object& o) { o["id"] = "not-a-uuid"; }, "id"},
        InvalidFieldCase{"IdMissing", [](json::object& o) { o.erase("id"); }, "id"},
        InvalidFieldCase{"IdANumber", [](json::object& o) { o["id"] = 42; }, "id"},
        InvalidFieldCase{"IdWithBraces",
                         [](json::object& o) { o["id"] = "{01936f1e-8c2a-7b3e-9f00-3c5d2a1b4e77}"; }, "id"},
        InvalidFieldCase{"DeviceIdWithASpace", [](json::object& o) { o["device_id"] = "KAK 01"; }, "device_id"},
        InvalidFieldCase{"DeviceIdTooLong", [](json::object& o) { o["device_id"] = std::string(65, 'D'); },
                         "device_id"},
        InvalidFieldCase{"DeviceIdMissing", [](json::object& o) { o.erase("device_id"); }, "device_id"},
        InvalidFieldCase{"SeqZero", [](json::object& o) { o["seq"] = 0; }, "seq"},
        InvalidFieldCase{"SeqNegative", [](json::object& o) { o["seq"] = -1; }, "seq"},
        InvalidFieldCase{"SeqAboveTwoToThe53", [](json::object& o) { o["seq"] = 9007199254740992LL; }, "seq"},
        InvalidFieldCase{"SeqAboveInt64", [](json::object& o) { o["seq"] = 18446744073709551615ULL; }, "seq"},
        InvalidFieldCase{"SeqAString", [](json::object& o) { o["seq"] = "17"; }, "seq"},
        InvalidFieldCase{"SeqAFraction", [](json::object& o) { o["seq"] = 1.5; }, "seq"},
        InvalidFieldCase{"SeqMissing", [](json::object& o) { o.erase("seq"); }, "seq"},
        InvalidFieldCase{"CheckpointIdEmpty", [](json::object& o) { o["checkpoint_id"] = ""; }, "checkpoint_id"},
        InvalidFieldCase{"CheckpointIdWithASlash", [](json::object& o) { o["checkpoint_id"] = "KAK/AVIJE"; },
                         "checkpoint_id"},
        InvalidFieldCase{"LaneANumber", [](json::object& o) { o["lane"] = 3; }, "lane"},
        InvalidFieldCase{"LaneTooLong", [](json::object& o) { o["lane"] = std::string(17, '3'); }, "lane"},
        InvalidFieldCase{"LaneWithAControlCharacter", [](json::object& o) { o["lane"] = "3\n"; }, "lane"},
        InvalidFieldCase{"DirectionSideways", [](json::object& o) { o["direction"] = "sideways"; }, "direction"},
        InvalidFieldCase{"DirectionCapitalised", [](json::object& o) { o["direction"] = "Entry"; }, "direction"},
        InvalidFieldCase{"DirectionMissing", [](json::object& o) { o.erase("direction"); }, "direction"},
        InvalidFieldCase{"OccurredAtWithoutZone", [](json::object& o) { o["occurred_at"] = "2026-11-27T10:42:05"; },
                         "occurred_at"},
        InvalidFieldCase{"OccurredAtNotADay",
                         [](json::object& o) { o["occurred_at"] = "2026-02-29T10:42:05Z"; }, "occurred_at"},
        InvalidFieldCase{"OccurredAtANumber", [](json::object& o) { o["occurred_at"] = 1764240125123LL; },
                         "occurred_at"},
        InvalidFieldCase{"OccurredAtMissing", [](json::object& o) { o.erase("occurred_at"); }, "occurred_at"},
        InvalidFieldCase{"OfficerIdWithASpace", [](json::object& o) { o["officer_id"] = "officer 112"; },
                         "officer_id"},
        InvalidFieldCase{"BirthDateMonth13", [](json::object& o) { traveler(o)["birth_date"] = "1974-13-12"; },
                         "traveler.birth_date"},
        InvalidFieldCase{"BirthDateFebruary29InACommonYear",
                         [](json::object& o) { traveler(o)["birth_date"] = "1975-02-29"; }, "traveler.birth_date"},
        InvalidFieldCase{"BirthDateWithTime",
                         [](json::object& o) { traveler(o)["birth_date"] = "1974-08-12T00:00:00Z"; },
                         "traveler.birth_date"},
        InvalidFieldCase{"BirthDateMissing", [](json::object& o) { traveler(o).erase("birth_date"); },
                         "traveler.birth_date"},
        InvalidFieldCase{"SexQ", [](json::object& o) { traveler(o)["sex"] = "Q"; }, "traveler.sex"},
        InvalidFieldCase{"SexLowerCase", [](json::object& o) { traveler(o)["sex"] = "f"; }, "traveler.sex"},
        InvalidFieldCase{"SexABoolean", [](json::object& o) { traveler(o)["sex"] = true; }, "traveler.sex"},
        InvalidFieldCase{"IssuingCountryLowerCase", [](json::object& o) { traveler(o)["issuing_country"] = "uto"; },
                         "traveler.issuing_country"},
        InvalidFieldCase{"IssuingCountryFourLetters",
                         [](json::object& o) { traveler(o)["issuing_country"] = "UTOP"; }, "traveler.issuing_country"},
        InvalidFieldCase{"IssuingCountryWithDigits",
                         [](json::object& o) { traveler(o)["issuing_country"] = "U1O"; }, "traveler.issuing_country"},
        InvalidFieldCase{"IssuingCountryMissing", [](json::object& o) { traveler(o).erase("issuing_country"); },
                         "traveler.issuing_country"},
        InvalidFieldCase{"DocumentNumberLowerCase",
                         [](json::object& o) { traveler(o)["document_number"] = "l898902c3"; },
                         "traveler.document_number"},
        InvalidFieldCase{"SurnameEmpty", [](json::object& o) { traveler(o)["surname"] = ""; }, "traveler.surname"},
        InvalidFieldCase{"TransportModeHorse", [](json::object& o) { o["transport"].as_object()["mode"] = "horse"; },
                         "transport.mode"},
        InvalidFieldCase{"TransportModeANumber", [](json::object& o) { o["transport"].as_object()["mode"] = 2; },
                         "transport.mode"},
        InvalidFieldCase{"TransportAString", [](json::object& o) { o["transport"] = "car"; }, "transport"},
        InvalidFieldCase{"UnknownField", [](json::object& o) { o["colour"] = "red"; }, "colour"},
        InvalidFieldCase{"UnknownFieldWithoutAName", [](json::object& o) { o[""] = "P"; }, "\"\""},
        InvalidFieldCase{"UnknownTravelerField", [](json::object& o) { traveler(o)["eye_colour"] = "blue"; },
                         "traveler.eye_colour"},
        InvalidFieldCase{"UnknownTransportField", [](json::object& o) { o["transport"].as_object()["wheels"] = 4; },
                         "transport.wheels"},
        InvalidFieldCase{"RecordedOfflineAString", [](json::object& o) { o["recorded_offline"] = "yes"; },
                         "recorded_offline"},
        InvalidFieldCase{"MrzANumber", [](json::object& o) { o["mrz"] = 7; }, "mrz"},
        InvalidFieldCase{"MrzNotAnMrz", [](json::object& o) { o["mrz"] = "hello"; }, "mrz"},
        InvalidFieldCase{"TravelerMissing", [](json::object& o) { o.erase("traveler"); }, "traveler"},
        InvalidFieldCase{"TravelerAString", [](json::object& o) { o["traveler"] = "ERIKSSON"; }, "traveler"},
        InvalidFieldCase{"TravelerAnArray", [](json::object& o) { o["traveler"] = json::array{}; }, "traveler"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CrossingJson, ACrossingThatIsNotAnObjectIsRefused) {
    for (const char* text : {"[]", "\"crossing\"", "17", "null"}) {
        const auto fields = fields_named([&] { read_crossing(json::parse(text), Completeness::full, kYear); });
        EXPECT_EQ(fields, std::set<std::string>{""}) << text;
    }
}

TEST(CrossingJson, EveryBrokenFieldIsNamedInFieldOrder) {
    json::object o = example_without_mrz();
    o["seq"] = 0;
    o["direction"] = "sideways";
    traveler(o)["sex"] = "Q";
    try {
        read_crossing(o, Completeness::full, kYear);
        FAIL() << "no ValidationError";
    } catch (const ValidationError& e) {
        std::vector<std::string> fields;
        for (const auto& error : e.errors()) fields.push_back(error.field);
        EXPECT_EQ(fields, (std::vector<std::string>{"seq", "direction", "traveler.sex"}));
        EXPECT_EQ(e.first().field, "seq");
    }
}

TEST(CrossingJson, ValidateAcceptsTheContractsExample) {
    EXPECT_TRUE(validate(read_crossing(example(), Completeness::full, kYear), Completeness::full, kYear).empty());
}

TEST(CrossingJson, SeqTwoToThe53MinusOneIsTheLargestAccepted) {
    json::object o = example();
    o["seq"] = limits::kMaxSeq;
    EXPECT_EQ(read_crossing(o, Completeness::full, kYear).seq, limits::kMaxSeq);
}

// A draft is what the checkpoint has before it assigns id, device and seq: those must not be given.
class ADraftRefusesWhatTheCheckpointAssigns : public testing::TestWithParam<const char*> {};

TEST_P(ADraftRefusesWhatTheCheckpointAssigns, NamingTheField) {
    json::object o = example();
    for (const char* key : {"id", "device_id", "seq"})
        if (std::string(key) != GetParam()) o.erase(key);
    const auto fields = fields_named([&] { read_crossing(o, Completeness::draft, kYear); });
    EXPECT_EQ(fields, std::set<std::string>{GetParam()});
}

INSTANTIATE_TEST_SUITE_P(CrossingJson, ADraftRefusesWhatTheCheckpointAssigns,
                         testing::Values("id", "device_id", "seq"),
                         [](const auto& param_info) { return std::string(param_info.param); });

TEST(CrossingJson, ADraftGivingIdDeviceAndSeqIsRefusedForAllThree) {
    const auto fields = fields_named([] { read_crossing(example(), Completeness::draft, kYear); });
    EXPECT_EQ(fields, (std::set<std::string>{"id", "device_id", "seq"}));
}

TEST(CrossingJson, ADraftWithoutIdDeviceSeqOrCheckpointIsAccepted) {
    json::object o = example();
    for (const char* key : {"id", "device_id", "seq", "checkpoint_id"}) o.erase(key);
    const Crossing x = read_crossing(o, Completeness::draft, kYear);
    EXPECT_TRUE(x.id.empty());
    EXPECT_TRUE(x.device_id.empty());
    EXPECT_EQ(x.seq, 0);
    EXPECT_TRUE(x.checkpoint_id.empty());
    EXPECT_EQ(x.traveler.surname, "ERIKSSON");
}

// The MRZ, when given, must agree with what the officer typed.
struct MrzDisagreementCase {
    const char* name;
    const char* traveler_field;
    const char* typed;
};
void PrintTo(const MrzDisagreementCase& c, std::ostream* os) { *os << c.name; }

class AnMrzThatDisagreesWithTheTraveler : public testing::TestWithParam<MrzDisagreementCase> {};

TEST_P(AnMrzThatDisagreesWithTheTraveler, IsRefusedAsMrz) {
    json::object o = example();
    traveler(o)[GetParam().traveler_field] = GetParam().typed;
    const auto fields = fields_named([&] { read_crossing(o, Completeness::full, kYear); });
    EXPECT_EQ(fields, std::set<std::string>{"mrz"});
}

INSTANTIATE_TEST_SUITE_P(CrossingJson, AnMrzThatDisagreesWithTheTraveler,
                         testing::Values(MrzDisagreementCase{"Surname", "surname", "SMITH"},
                                         MrzDisagreementCase{"DocumentNumber", "document_number", "L898902C4"},
                                         MrzDisagreementCase{"BirthDate", "birth_date", "1974-08-13"},
                                         MrzDisagreementCase{"Sex", "sex", "M"},
                                         MrzDisagreementCase{"Nationality", "nationality", "ALB"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CrossingJson, AnMrzWithAWrongCheckDigitIsRefusedAsMrz) {
    json::object o = example();
    o["mrz"] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10";
    const auto fields = fields_named([&] { read_crossing(o, Completeness::full, kYear); });
    EXPECT_EQ(fields, std::set<std::string>{"mrz"});
}

struct NotUtf8 {
    const char* name;
    std::string surname;
};

class ATypedNameThatIsNotUtf8 : public testing::TestWithParam<NotUtf8> {};

// A terminal in Latin-1 or CP1250 hands over such bytes; the server could not read them back as JSON.
TEST_P(ATypedNameThatIsNotUtf8, IsRefusedNamingTheField) {
    Crossing x = read_crossing(json::parse(kContractExample), Completeness::full, kYear);
    x.traveler.surname = GetParam().surname;
    const auto errors = validate(x, Completeness::full, kYear);
    ASSERT_FALSE(errors.empty());
    EXPECT_EQ(errors.front().field, "traveler.surname");
}

INSTANTIATE_TEST_SUITE_P(CrossingJson, ATypedNameThatIsNotUtf8,
                         testing::Values(NotUtf8{"Latin1CCedilla", "\xc7" "ELIK"},
                                         NotUtf8{"CutShort", "ELI\xc3"},
                                         NotUtf8{"Overlong", "\xc0\xaf"},
                                         NotUtf8{"Surrogate", "\xed\xa0\x80"}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CrossingJson, ANameInUtf8WithDiacriticsIsAccepted) {
    Crossing x = read_crossing(json::parse(kContractExample), Completeness::full, kYear);
    x.mrz.reset();  // the contract's MRZ names ERIKSSON
    x.traveler.surname = "\xc3\x87" "EL" "\xc3\x8b" "K";  // ÇELËK
    EXPECT_TRUE(validate(x, Completeness::full, kYear).empty());
}

TEST(CrossingJson, CrossingFromJsonDoesNotApplyTheValidationRules) {
    json::object o = example();
    o["seq"] = 0;
    o["direction"] = "sideways";
    const Crossing x = crossing_from_json(o, Completeness::full);
    EXPECT_EQ(x.seq, 0);
    EXPECT_EQ(x.direction, "sideways");
}

TEST(CrossingJson, AnMrzWithAWrongCheckDigitIsAcceptedWhenFlaggedMrzInvalid) {
    json::object o = example();
    o["mrz"] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10";
    o["flags"] = json::array{"mrz_invalid"};
    const Crossing x = read_crossing(o, Completeness::full, kYear);
    EXPECT_TRUE(x.has_flag(kFlagMrzInvalid));
}

TEST(CrossingJson, MrzInvalidWithoutAnMrzIsRefusedAsFlags) {
    json::object o = example_without_mrz();
    o["flags"] = json::array{"mrz_invalid"};
    EXPECT_EQ(fields_named([&] { read_crossing(o, Completeness::full, kYear); }), std::set<std::string>{"flags"});
}

struct FlagsCase {
    const char* name;
    json::value flags;
};

class FlagsThatAreRefused : public testing::TestWithParam<FlagsCase> {};

TEST_P(FlagsThatAreRefused, NamingFlags) {
    json::object o = example_without_mrz();
    o["flags"] = GetParam().flags;
    EXPECT_EQ(fields_named([&] { read_crossing(o, Completeness::full, kYear); }), std::set<std::string>{"flags"});
}

INSTANTIATE_TEST_SUITE_P(CrossingJson, FlagsThatAreRefused,
                         testing::Values(FlagsCase{"Unknown", json::array{"vip"}},
                                         FlagsCase{"Twice", json::array{"synthetic", "synthetic"}},
                                         FlagsCase{"NotAnArray", json::value("synthetic")},
                                         FlagsCase{"NotStrings", json::array{1}}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(CrossingJson, StreamFlagsAndPaperRefRoundTripInCanonicalOrder) {
    json::object o = example_without_mrz();
    o["stream_id"] = "0193A0B0-0000-7000-8000-000000000001";
    o["flags"] = json::array{"back_captured", "synthetic"};
    o["paper_ref"] = "REG-2026/114";
    o["watchlist_version"] = 7;
    const Crossing x = read_crossing(o, Completeness::full, kYear);
    EXPECT_EQ(x.stream_id, "0193a0b0-0000-7000-8000-000000000001");
    const json::object back = json::parse(canonical_json(x)).as_object();
    std::vector<std::string> keys;
    for (const auto& kv : back) keys.emplace_back(kv.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"id", "device_id", "stream_id", "seq", "checkpoint_id", "lane",
                                              "direction", "occurred_at", "officer_id", "traveler", "transport",
                                              "recorded_offline", "flags", "paper_ref", "watchlist_version"}));
    EXPECT_EQ(read_crossing(back, Completeness::full, kYear), x);
}

TEST(CrossingJson, APaperRefWithoutBackCapturedIsRefused) {
    json::object o = example_without_mrz();
    o["paper_ref"] = "REG-1";
    EXPECT_EQ(fields_named([&] { read_crossing(o, Completeness::full, kYear); }), std::set<std::string>{"paper_ref"});
}

TEST(CrossingJson, AStreamIdThatIsNotAUuidIsRefused) {
    json::object o = example_without_mrz();
    o["stream_id"] = "stream-1";
    EXPECT_EQ(fields_named([&] { read_crossing(o, Completeness::full, kYear); }), std::set<std::string>{"stream_id"});
}

}  // namespace
}  // namespace borderlog::core
