#include "core/mrz.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace borderlog::core {
namespace {

constexpr int kYear = 2026;

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + "\n";
    return out;
}

char digit_char(int d) { return static_cast<char>('0' + d); }

// The ICAO 9303 composite inputs, restated here independently of the parser's layout tables.
std::string composite_input(const std::string& format, const std::vector<std::string>& l) {
    if (format == "TD1")
        return l[0].substr(5, 25) + l[1].substr(0, 7) + l[1].substr(8, 7) + l[1].substr(18, 11);
    if (format == "TD2") return l[1].substr(0, 10) + l[1].substr(13, 7) + l[1].substr(21, 14);
    return l[1].substr(0, 10) + l[1].substr(13, 7) + l[1].substr(21, 22);
}

// Rewrites the composite digit so a test can break one other digit alone.
void reseal_composite(const std::string& format, std::vector<std::string>& lines) {
    if (format == "MRVA" || format == "MRVB") return;
    lines[1].back() = digit_char(mrz_check_digit(composite_input(format, lines)));
}

// Recomputes every TD3 check digit after a test edits line 2.
void seal_td3(std::vector<std::string>& lines) {
    std::string& l = lines[1];
    l[9] = digit_char(mrz_check_digit(l.substr(0, 9)));
    l[19] = digit_char(mrz_check_digit(l.substr(13, 6)));
    l[27] = digit_char(mrz_check_digit(l.substr(21, 6)));
    l[42] = digit_char(mrz_check_digit(l.substr(28, 14)));
    reseal_composite("TD3", lines);
}

const std::vector<std::string> kTd3{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
const std::vector<std::string> kTd1{"I<UTOD231458907<<<<<<<<<<<<<<<",
                                    "7408122F1204159UTO<<<<<<<<<<<6",
                                    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
// ICAO 9303-5's long document number: D23145890734, check digit 9, continuing in optional data.
const std::vector<std::string> kTd1Long{"I<UTOD23145890<7349<<<<<<<<<<<",
                                        "7408122F1204159UTO<<<<<<<<<<<6",
                                        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
const std::vector<std::string> kTd2{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                    "D231458907UTO7408122F1204159<<<<<<<6"};
const std::vector<std::string> kMrva{"VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                     "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"};
const std::vector<std::string> kMrvb{"VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                     "L8988901C4XXX4009078F9612109<<<<<<<<"};

// More ICAO 9303 specimens: Part 5's long-number card (Peter Stevenson), Part 6's long number on a
// TD2, Part 7's visas under the "V<" code, and the German specimens (issuing state "D<<", an
// unspecified sex on the card).
const std::vector<std::string> kTd1Stevenson{"I<UTOD23145890<7349<<<<<<<<<<<",
                                             "3407127M9507122UTO<<<<<<<<<<<2",
                                             "STEVENSON<<PETER<JOHN<<<<<<<<<"};
const std::vector<std::string> kTd2Stevenson{"I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
                                             "D23145890<UTO3407127M95071227349<<<8"};
const std::vector<std::string> kMrvaPlain{"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                          "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"};
const std::vector<std::string> kMrvbPlain{"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                          "L8988901C4XXX4009078F9612109<<<<<<<<"};
const std::vector<std::string> kTd1German{"IDD<<T220001293<<<<<<<<<<<<<<<",
                                          "6408125<2010315D<<<<<<<<<<<<<4",
                                          "MUSTERMANN<<ERIKA<<<<<<<<<<<<<"};
const std::vector<std::string> kTd3German{"P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
                                          "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"};

Traveler stevenson() {
    return Traveler{"I", "D23145890734", "UTO", "UTO", "STEVENSON", "PETER JOHN", "1934-07-12", "M", "1995-07-12"};
}

Traveler anna(std::string type, std::string number, std::string nationality) {
    return Traveler{std::move(type), std::move(number), "UTO", std::move(nationality), "ERIKSSON",
                    "ANNA MARIA", "1974-08-12", "F", "2012-04-15"};
}

Traveler anna_visa() {
    return Traveler{"VI", "L8988901C", "UTO", "XXX", "ERIKSSON", "ANNA MARIA",
                    "1940-09-07", "F", "1996-12-10"};
}

MrzResult parse_ok(const std::vector<std::string>& lines) {
    auto result = parse_mrz(join(lines), kYear);
    if (!result) ADD_FAILURE() << "not recognised as an MRZ:\n" << join(lines);
    return result.value_or(MrzResult{});
}

std::string describe(const std::vector<MrzError>& errors) {
    std::string out;
    for (const auto& e : errors)
        out += e.field + " " + std::to_string(e.line) + ":" + std::to_string(e.position) + " " +
               e.message + "\n";
    return out;
}

bool has_error(const MrzResult& r, const std::string& field, int line, int position) {
    return std::any_of(r.errors.begin(), r.errors.end(), [&](const MrzError& e) {
        return e.field == field && e.line == line && e.position == position;
    });
}

// Names each parameterized case after its `name` member.
struct CaseName {
    template <typename Case>
    std::string operator()(const testing::TestParamInfo<Case>& param_info) const {
        return param_info.param.name;
    }
};

// Prints a case as its name, so that test listings stay readable (and the same from build to build).
template <typename Case>
    requires requires(const Case& c) { c.name; }
void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

// --- check digit ---

struct CheckDigitCase {
    std::string name;
    std::string chars;
    int expected;
};

class MrzCheckDigit : public testing::TestWithParam<CheckDigitCase> {};

TEST_P(MrzCheckDigit, ComputesTheIcaoWeightedSum) {
    EXPECT_EQ(mrz_check_digit(GetParam().chars), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    SpecimenFields, MrzCheckDigit,
    testing::Values(CheckDigitCase{"PassportNumber", "L898902C3", 6},
                    CheckDigitCase{"BirthDate", "740812", 2},
                    CheckDigitCase{"ExpiryDate", "120415", 9},
                    CheckDigitCase{"PersonalNumber", "ZE184226B<<<<<", 1},
                    CheckDigitCase{"Td3Composite", "L898902C367408122120415" "9ZE184226B<<<<<1", 0},
                    CheckDigitCase{"IdCardNumber", "D23145890", 7},
                    CheckDigitCase{"LongDocumentNumber", "D23145890734", 9},
                    CheckDigitCase{"VisaNumber", "L8988901C", 4},
                    CheckDigitCase{"AllFillers", "<<<<<<", 0},
                    CheckDigitCase{"Empty", "", 0},
                    // Z=35: 35*7 = 245
                    CheckDigitCase{"LetterValues", "Z", 5}),
    CaseName{});

// --- specimens ---

struct SpecimenCase {
    std::string name;
    std::vector<std::string> lines;
    std::string format;
    Traveler traveler;
    std::vector<std::string> checked_fields;
};

class ParseMrzSpecimen : public testing::TestWithParam<SpecimenCase> {};

TEST_P(ParseMrzSpecimen, IsValidAndDecodesTheTraveler) {
    const auto& c = GetParam();
    const MrzResult r = parse_ok(c.lines);
    EXPECT_TRUE(r.valid);
    EXPECT_TRUE(r.errors.empty()) << describe(r.errors);
    EXPECT_EQ(r.format, c.format);
    EXPECT_EQ(r.traveler, c.traveler);
}

TEST_P(ParseMrzSpecimen, VerifiesEveryCheckDigitOfItsFormat) {
    const auto& c = GetParam();
    const MrzResult r = parse_ok(c.lines);
    std::vector<std::string> fields;
    for (const auto& check : r.checks) {
        fields.push_back(check.field);
        EXPECT_TRUE(check.valid) << check.field;
    }
    EXPECT_EQ(fields, c.checked_fields);
}

INSTANTIATE_TEST_SUITE_P(
    Icao9303, ParseMrzSpecimen,
    testing::Values(
        SpecimenCase{"Td3Passport", kTd3, "TD3", anna("P", "L898902C3", "UTO"),
                     {"document_number", "birth_date", "expiry_date", "optional_data", "composite"}},
        SpecimenCase{"Td1IdCard", kTd1, "TD1", anna("I", "D23145890", "UTO"),
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"Td1LongDocumentNumber", kTd1Long, "TD1", anna("I", "D23145890734", "UTO"),
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"Td2IdCard", kTd2, "TD2", anna("I", "D23145890", "UTO"),
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"MrvaVisa", kMrva, "MRVA", anna_visa(),
                     {"document_number", "birth_date", "expiry_date"}},
        SpecimenCase{"MrvbVisa", kMrvb, "MRVB", anna_visa(),
                     {"document_number", "birth_date", "expiry_date"}},
        SpecimenCase{"Td1LongNumberStevenson", kTd1Stevenson, "TD1", stevenson(),
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"Td2LongNumberStevenson", kTd2Stevenson, "TD2", stevenson(),
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"MrvaVisaWithoutSubtype", kMrvaPlain, "MRVA",
                     Traveler{"V", "L8988901C", "UTO", "XXX", "ERIKSSON", "ANNA MARIA", "1940-09-07", "F", "1996-12-10"},
                     {"document_number", "birth_date", "expiry_date"}},
        SpecimenCase{"MrvbVisaWithoutSubtype", kMrvbPlain, "MRVB",
                     Traveler{"V", "L8988901C", "UTO", "XXX", "ERIKSSON", "ANNA MARIA", "1940-09-07", "F", "1996-12-10"},
                     {"document_number", "birth_date", "expiry_date"}},
        SpecimenCase{"Td1GermanIdCardUnspecifiedSex", kTd1German, "TD1",
                     Traveler{"ID", "T22000129", "D", "D", "MUSTERMANN", "ERIKA", "1964-08-12", "X", "2020-10-31"},
                     {"document_number", "birth_date", "expiry_date", "composite"}},
        SpecimenCase{"Td3GermanPassport", kTd3German, "TD3",
                     Traveler{"P", "C01X00T47", "D", "D", "MUSTERMANN", "ERIKA", "1964-08-12", "F", "2027-02-28"},
                     {"document_number", "birth_date", "expiry_date", "optional_data", "composite"}}),
    CaseName{});

// --- one corrupted check digit ---

struct CorruptionCase {
    std::string name;
    std::vector<std::string> lines;
    std::string format;
    int line;      // 1-based
    int position;  // 1-based
    std::string field;
};

class ParseMrzCorruptedDigit : public testing::TestWithParam<CorruptionCase> {};

TEST_P(ParseMrzCorruptedDigit, FlagsExactlyThatFieldAtItsPosition) {
    const auto& c = GetParam();
    auto lines = c.lines;
    char& digit = lines[static_cast<std::size_t>(c.line - 1)][static_cast<std::size_t>(c.position - 1)];
    ASSERT_TRUE(digit >= '0' && digit <= '9') << "case must point at a check digit";
    digit = digit_char((digit - '0' + 1) % 10);
    if (c.field != "composite") reseal_composite(c.format, lines);

    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u) << describe(r.errors);
    EXPECT_EQ(r.errors[0].field, c.field);
    EXPECT_EQ(r.errors[0].line, c.line);
    EXPECT_EQ(r.errors[0].position, c.position);
    for (const auto& check : r.checks) EXPECT_EQ(check.valid, check.field != c.field) << check.field;
}

INSTANTIATE_TEST_SUITE_P(
    EveryCheckDigit, ParseMrzCorruptedDigit,
    testing::Values(
        CorruptionCase{"Td3DocumentNumber", kTd3, "TD3", 2, 10, "document_number"},
        CorruptionCase{"Td3BirthDate", kTd3, "TD3", 2, 20, "birth_date"},
        CorruptionCase{"Td3ExpiryDate", kTd3, "TD3", 2, 28, "expiry_date"},
        CorruptionCase{"Td3PersonalNumber", kTd3, "TD3", 2, 43, "optional_data"},
        CorruptionCase{"Td3Composite", kTd3, "TD3", 2, 44, "composite"},
        CorruptionCase{"Td1DocumentNumber", kTd1, "TD1", 1, 15, "document_number"},
        CorruptionCase{"Td1LongDocumentNumber", kTd1Long, "TD1", 1, 19, "document_number"},
        CorruptionCase{"Td1BirthDate", kTd1, "TD1", 2, 7, "birth_date"},
        CorruptionCase{"Td1ExpiryDate", kTd1, "TD1", 2, 15, "expiry_date"},
        CorruptionCase{"Td1Composite", kTd1, "TD1", 2, 30, "composite"},
        CorruptionCase{"Td2DocumentNumber", kTd2, "TD2", 2, 10, "document_number"},
        CorruptionCase{"Td2BirthDate", kTd2, "TD2", 2, 20, "birth_date"},
        CorruptionCase{"Td2ExpiryDate", kTd2, "TD2", 2, 28, "expiry_date"},
        CorruptionCase{"Td2Composite", kTd2, "TD2", 2, 36, "composite"},
        CorruptionCase{"Td2LongDocumentNumber", kTd2Stevenson, "TD2", 2, 32, "document_number"},
        CorruptionCase{"Td1StevensonComposite", kTd1Stevenson, "TD1", 2, 30, "composite"},
        CorruptionCase{"MrvaDocumentNumber", kMrva, "MRVA", 2, 10, "document_number"},
        CorruptionCase{"MrvaBirthDate", kMrva, "MRVA", 2, 20, "birth_date"},
        CorruptionCase{"MrvaExpiryDate", kMrva, "MRVA", 2, 28, "expiry_date"},
        CorruptionCase{"MrvbDocumentNumber", kMrvb, "MRVB", 2, 10, "document_number"},
        CorruptionCase{"MrvbBirthDate", kMrvb, "MRVB", 2, 20, "birth_date"},
        CorruptionCase{"MrvbExpiryDate", kMrvb, "MRVB", 2, 28, "expiry_date"}),
    CaseName{});

TEST(ParseMrz, CorruptedDataBreaksItsOwnDigitAndTheComposite) {
    auto lines = kTd3;
    lines[1][3] = '1';  // L898902C3 -> L891902C3
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 2u);
    EXPECT_TRUE(has_error(r, "document_number", 2, 10));
    EXPECT_TRUE(has_error(r, "composite", 2, 44));
}

// --- not an MRZ ---

struct NotMrzCase {
    std::string name;
    std::string text;
};

class ParseMrzRejects : public testing::TestWithParam<NotMrzCase> {};

TEST_P(ParseMrzRejects, TextThatIsNotAnMrzAtAll) {
    EXPECT_EQ(parse_mrz(GetParam().text, kYear), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ParseMrzRejects,
    testing::Values(
        NotMrzCase{"EmptyText", ""},
        NotMrzCase{"OnlyNewlines", "\n\n"},
        NotMrzCase{"OneLine", kTd3[0]},
        NotMrzCase{"FourLines", join(kTd1) + kTd1[0]},
        NotMrzCase{"TwoLinesOfThirty", kTd1[0] + "\n" + kTd1[1]},
        NotMrzCase{"ThreeLinesOfFortyFour", join(kTd3) + kTd3[0]},
        NotMrzCase{"MixedLengths", kTd3[0] + "\n" + kTd2[1]},
        NotMrzCase{"LineOneCharShort", kTd3[0] + "\n" + kTd3[1].substr(1)},
        NotMrzCase{"LowercaseLetters", "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n" + kTd3[1]},
        NotMrzCase{"SpaceInsteadOfFiller", "P UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + kTd3[1]},
        NotMrzCase{"BlankLineBetween", kTd3[0] + "\n\n" + kTd3[1]}),
    CaseName{});

// --- line endings ---

TEST(ParseMrz, ToleratesLoneCarriageReturnsAndSurroundingWhitespace) {
    for (const std::string& text : {kTd1[0] + "\r" + kTd1[1] + "\r" + kTd1[2] + "\r",
                                    "\n  " + kTd3[0] + "\n" + kTd3[1] + "  \n"}) {
        const auto r = parse_mrz(text, kYear);
        ASSERT_TRUE(r.has_value()) << text;
        EXPECT_TRUE(r->valid) << describe(r->errors);
    }
}

// A passport has no long-number rule: a filler check digit is an error on the number itself, not a
// number continuing into the personal number.
TEST(ParseMrz, ReportsAFillerPassportNumberCheckDigitAtItsOwnPosition) {
    auto lines = kTd3;
    lines[1][9] = '<';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u) << describe(r.errors);
    EXPECT_TRUE(has_error(r, "document_number", 2, 10));
    EXPECT_EQ(r.traveler.document_number, "L898902C3");
}

TEST(ParseMrz, AcceptsAZeroPersonalNumberDigitWhenThePersonalNumberIsEmpty) {
    const MrzResult r = parse_ok(kTd3German);
    ASSERT_TRUE(r.valid) << describe(r.errors);
    auto lines = kTd3German;
    lines[1][42] = '0';
    reseal_composite("TD3", lines);
    EXPECT_TRUE(parse_ok(lines).valid);
}

TEST(ParseMrz, ReadsSurnamesAndGivenNamesOfSeveralParts) {
    auto lines = kTd1;
    lines[2] = "DE<LA<CRUZ<<MARIA<DEL<CARMEN<<";
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.traveler.surname, "DE LA CRUZ");
    EXPECT_EQ(r.traveler.given_names, "MARIA DEL CARMEN");
}

TEST(ParseMrz, ToleratesCrLfAndTrailingNewlines) {
    for (const std::string& text :
         {kTd3[0] + "\r\n" + kTd3[1], kTd3[0] + "\r\n" + kTd3[1] + "\r\n",
          kTd3[0] + "\n" + kTd3[1], kTd3[0] + "\n" + kTd3[1] + "\n\n"}) {
        const auto r = parse_mrz(text, kYear);
        ASSERT_TRUE(r.has_value()) << text;
        EXPECT_TRUE(r->valid);
    }
}

// --- digit positions and dates ---

TEST(ParseMrz, ReportsALetterInADatePositionWithItsLineAndPosition) {
    auto lines = kTd3;
    lines[1][15] = 'O';  // birth date 740812 -> 74O812, an OCR slip
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(has_error(r, "birth_date", 2, 16));
    EXPECT_EQ(r.traveler.birth_date, "");
}

TEST(ParseMrz, ReportsAFillerInACheckDigitPosition) {
    auto lines = kTd3;
    lines[1][27] = '<';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(has_error(r, "expiry_date", 2, 28));
}

struct BadDateCase {
    std::string name;
    std::string birth;   // YYMMDD
    std::string expiry;  // YYMMDD
    std::string field;
    int position;  // 1-based, line 2
};

class ParseMrzDate : public testing::TestWithParam<BadDateCase> {};

TEST_P(ParseMrzDate, ImpossibleCalendarDateIsAnErrorOnThatField) {
    const auto& c = GetParam();
    auto lines = kTd3;
    lines[1].replace(13, 6, c.birth);
    lines[1].replace(21, 6, c.expiry);
    seal_td3(lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].field, c.field);
    EXPECT_EQ(r.errors[0].line, 2);
    EXPECT_EQ(r.errors[0].position, c.position);
    for (const auto& check : r.checks) EXPECT_TRUE(check.valid) << check.field;
}

INSTANTIATE_TEST_SUITE_P(
    Calendar, ParseMrzDate,
    testing::Values(BadDateCase{"BirthMonthThirteen", "741312", "120415", "birth_date", 16},
                    BadDateCase{"BirthMonthZero", "740012", "120415", "birth_date", 16},
                    BadDateCase{"BirthFebruaryThirtieth", "740230", "120415", "birth_date", 18},
                    BadDateCase{"ExpiryMonthThirteen", "740812", "121315", "expiry_date", 24},
                    BadDateCase{"ExpiryDayZero", "740812", "120400", "expiry_date", 26},
                    BadDateCase{"ExpiryLeapDayInCommonYear", "740812", "230229", "expiry_date", 26}),
    CaseName{});

TEST(ParseMrz, AnUnknownDayOfBirthWrittenWithFillersIsNotAnError) {
    auto lines = kTd3;
    lines[1].replace(13, 6, "7408<<");
    seal_td3(lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid) << describe(r.errors);
    EXPECT_EQ(r.traveler.birth_date, "");
    for (const auto& check : r.checks) EXPECT_TRUE(check.valid) << check.field;
}

TEST(ParseMrz, AFillerInADateStillBreaksAWrongCheckDigit) {
    auto lines = kTd3;
    lines[1][18] = '<';  // 740812 -> 74081<, the check digit left as it was
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(has_error(r, "birth_date", 2, 20));
}

TEST(ParseMrz, AcceptsALeapDay) {
    auto lines = kTd3;
    lines[1].replace(21, 6, "280229");
    seal_td3(lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.traveler.expiry_date, "2028-02-29");
}

struct CenturyCase {
    std::string name;
    std::string yy;
    int current_year;
    std::string birth;
    std::string expiry;
};

class ParseMrzCentury : public testing::TestWithParam<CenturyCase> {};

TEST_P(ParseMrzCentury, ResolvesTwoDigitYearsAgainstTheCurrentYear) {
    const auto& c = GetParam();
    auto lines = kTd3;
    lines[1].replace(13, 6, c.yy + "0101");
    lines[1].replace(21, 6, c.yy + "0101");
    seal_td3(lines);
    const auto r = parse_mrz(join(lines), c.current_year);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->traveler.birth_date, c.birth);
    EXPECT_EQ(r->traveler.expiry_date, c.expiry);
}

INSTANTIATE_TEST_SUITE_P(
    Boundaries, ParseMrzCentury,
    testing::Values(CenturyCase{"ThisYear", "26", 2026, "2026-01-01", "2026-01-01"},
                    CenturyCase{"NextYear", "27", 2026, "1927-01-01", "2027-01-01"},
                    CenturyCase{"FiftyYearsAhead", "76", 2026, "1976-01-01", "2076-01-01"},
                    CenturyCase{"FiftyOneYearsAhead", "77", 2026, "1977-01-01", "1977-01-01"},
                    CenturyCase{"YearZero", "00", 2026, "2000-01-01", "2000-01-01"}),
    CaseName{});

// --- TD3 personal number ---

TEST(ParseMrz, AcceptsAFillerPersonalNumberDigitWhenThePersonalNumberIsEmpty) {
    auto lines = kTd3;
    lines[1].replace(28, 15, std::string(15, '<'));
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    ASSERT_EQ(r.checks.size(), 5u);
    EXPECT_EQ(r.checks[3], (MrzCheck{"optional_data", true}));
}

TEST(ParseMrz, RejectsAFillerPersonalNumberDigitWhenThereIsAPersonalNumber) {
    auto lines = kTd3;
    lines[1][42] = '<';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(has_error(r, "optional_data", 2, 43));
}

// --- decoded fields ---

TEST(ParseMrz, DecodesAnUnspecifiedSexAsX) {
    auto lines = kTd3;
    lines[1][20] = '<';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.traveler.sex, "X");
}

TEST(ParseMrz, ReportsAnUnknownSexCode) {
    auto lines = kTd3;
    lines[1][20] = 'Q';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(has_error(r, "sex", 2, 21));
}

TEST(ParseMrz, StripsFillersFromShortCountryCodesAndDocumentNumbers) {
    auto lines = kTd3;
    lines[0].replace(2, 3, "D<<");
    lines[1].replace(0, 9, "C01X<<<<<");
    lines[1].replace(10, 3, "D<<");
    seal_td3(lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.traveler.issuing_country, "D");
    EXPECT_EQ(r.traveler.nationality, "D");
    EXPECT_EQ(r.traveler.document_number, "C01X");
}

TEST(ParseMrz, ReadsASurnameWithoutGivenNames) {
    auto lines = kTd3;
    lines[0] = "P<UTOVAN<DER<BERG" + std::string(27, '<');
    const MrzResult r = parse_ok(lines);
    EXPECT_TRUE(r.valid);
    EXPECT_EQ(r.traveler.surname, "VAN DER BERG");
    EXPECT_EQ(r.traveler.given_names, "");
}

TEST(ParseMrz, ReportsADigitInTheNameField) {
    auto lines = kTd3;
    lines[0][17] = '4';  // ANNA -> AN4A
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(has_error(r, "given_names", 1, 18));
}

TEST(ParseMrz, ReportsADigitInACountryCode) {
    auto lines = kTd3;
    lines[1][11] = '7';
    reseal_composite("TD3", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    EXPECT_TRUE(has_error(r, "nationality", 2, 12));
}

TEST(ParseMrz, ReportsALongDocumentNumberMarkerWithNothingFollowing) {
    auto lines = kTd1;
    lines[0][14] = '<';
    reseal_composite("TD1", lines);
    const MrzResult r = parse_ok(lines);
    EXPECT_FALSE(r.valid);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_TRUE(has_error(r, "document_number", 1, 15));
}

// --- disagreements with a typed traveler ---

const std::vector<std::string> kTd3LongName{
    "P<UTOVANDERSTEENHOVEN<<PETER<JOHN<PAUL<GEORG",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};

TEST(MrzDisagreements, NoneWhenTheTypedTravelerMatches) {
    const MrzResult r = parse_ok(kTd3);
    EXPECT_TRUE(mrz_disagreements(r, anna("P", "L898902C3", "UTO")).empty());
}

TEST(MrzDisagreements, NoneForCaseAndPunctuationDifferencesInTypedText) {
    const MrzResult r = parse_ok(kTd3);
    Traveler typed{"P", "l898-902 c3", "uto", "UTO", "Eriksson ", "  Anna-Maria",
                   "1974-08-12", "f", "2012-04-15"};
    EXPECT_TRUE(mrz_disagreements(r, typed).empty());
}

TEST(MrzDisagreements, IgnoresAnEmptyTypedExpiryDate) {
    const MrzResult r = parse_ok(kTd3);
    Traveler typed = anna("P", "L898902C3", "UTO");
    typed.expiry_date.clear();
    EXPECT_TRUE(mrz_disagreements(r, typed).empty());
}

TEST(MrzDisagreements, IgnoresTheCenturyWhichTheMrzDoesNotRecord) {
    auto lines = kTd3;
    lines[1].replace(13, 6, "250304");
    seal_td3(lines);
    const MrzResult r = parse_ok(lines);
    ASSERT_EQ(r.traveler.birth_date, "2025-03-04");
    Traveler typed = anna("P", "L898902C3", "UTO");
    typed.birth_date = "1925-03-04";
    EXPECT_TRUE(mrz_disagreements(r, typed).empty());
}

TEST(MrzDisagreements, AcceptsALongTypedNumberWhoseFirstNineCharactersAreInTheMrz) {
    const MrzResult r = parse_ok(kTd3);
    EXPECT_TRUE(mrz_disagreements(r, anna("P", "L898902C3X7", "UTO")).empty());
}

TEST(MrzDisagreements, ComparesTheWholeLongDocumentNumberOfATd1) {
    const MrzResult r = parse_ok(kTd1Long);
    EXPECT_TRUE(mrz_disagreements(r, anna("I", "D23145890734", "UTO")).empty());
    const auto errors = mrz_disagreements(r, anna("I", "D23145890735", "UTO"));
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "traveler.document_number");
}

TEST(MrzDisagreements, AcceptsAFullTypedNameForATruncatedMrzName) {
    const MrzResult r = parse_ok(kTd3LongName);
    ASSERT_TRUE(r.valid);
    ASSERT_EQ(r.traveler.given_names, "PETER JOHN PAUL GEORG");
    Traveler typed = anna("P", "L898902C3", "UTO");
    typed.surname = "Vandersteenhoven";
    typed.given_names = "Peter John Paul George Ringo";
    EXPECT_TRUE(mrz_disagreements(r, typed).empty());
}

TEST(MrzDisagreements, StillFlagsADifferentNameWhenTheMrzNameIsTruncated) {
    const MrzResult r = parse_ok(kTd3LongName);
    Traveler typed = anna("P", "L898902C3", "UTO");
    typed.surname = "Vandersteenhoven";
    typed.given_names = "Peter James Paul George Ringo";
    const auto errors = mrz_disagreements(r, typed);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "traveler.given_names");
}

TEST(MrzDisagreements, RequiresTheExactNameWhenTheMrzNameIsNotTruncated) {
    const MrzResult r = parse_ok(kTd3);
    Traveler typed = anna("P", "L898902C3", "UTO");
    typed.given_names = "Anna Maria Louise";
    const auto errors = mrz_disagreements(r, typed);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, "traveler.given_names");
}

struct MismatchCase {
    std::string name;
    std::string field;
    void (*mutate)(Traveler&);
};

class MrzDisagreementField : public testing::TestWithParam<MismatchCase> {};

TEST_P(MrzDisagreementField, FindsATypedMismatchInThatFieldOnly) {
    const MrzResult r = parse_ok(kTd3);
    Traveler typed = anna("P", "L898902C3", "UTO");
    GetParam().mutate(typed);
    const auto errors = mrz_disagreements(r, typed);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].field, GetParam().field);
    EXPECT_FALSE(errors[0].message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    TypedFields, MrzDisagreementField,
    testing::Values(
        MismatchCase{"DocumentNumber", "traveler.document_number",
                     [](Traveler& typed) { typed.document_number = "L898902C4"; }},
        MismatchCase{"IssuingCountry", "traveler.issuing_country",
                     [](Traveler& typed) { typed.issuing_country = "UTA"; }},
        MismatchCase{"Nationality", "traveler.nationality",
                     [](Traveler& typed) { typed.nationality = "SWE"; }},
        MismatchCase{"BirthDate", "traveler.birth_date",
                     [](Traveler& typed) { typed.birth_date = "1974-12-08"; }},
        MismatchCase{"Sex", "traveler.sex", [](Traveler& typed) { typed.sex = "M"; }},
        MismatchCase{"ExpiryDate", "traveler.expiry_date",
                     [](Traveler& typed) { typed.expiry_date = "2012-04-16"; }},
        MismatchCase{"Surname", "traveler.surname", [](Traveler& typed) { typed.surname = "Ericsson"; }},
        MismatchCase{"GivenNames", "traveler.given_names",
                     [](Traveler& typed) { typed.given_names = "Anna"; }}),
    CaseName{});

}  // namespace
}  // namespace borderlog::core
