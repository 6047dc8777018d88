#include "client/simulation/synthetic_travellers.hpp"

#include "core/mrz.hpp"
#include "core/time.hpp"
#include "core/transliteration.hpp"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace borderlog::client::sim {

namespace {

// Who crosses at Albania's borders, roughly how often, and what they are called. Document numbers
// follow a pattern per issuer: L a letter, D a digit.
struct Country {
    const char* code;
    int weight;
    double id_card_share;  // of travellers showing an identity card rather than a passport
    const char* number_pattern;
    std::vector<const char*> surnames;
    std::vector<const char*> men;
    std::vector<const char*> women;
    const char* plate_pattern;  // L, D, or the character itself
};

const std::vector<Country>& countries() {
    static const std::vector<Country> kCountries{
        {"ALB", 40, 0.4, "LLDDDDDDD",
         {"HOXHA", "SHEHU", "DERVISHI", "BALLA", "KOLA", "LEKA", "GJONI", "CELA", "MUCA", "DOKA", "PRIFTI", "BEQIRI",
          "MEMA", "TOSKA", "XHAFERI", "BRAHIMI"},
         {"ARBEN", "ERION", "BLEDAR", "GENTI", "ILIR", "DRITAN", "KLODIAN", "ARDIT", "ENEA", "FATMIR", "SOKOL"},
         {"ANISA", "BLERTA", "ELONA", "ERMIRA", "JONIDA", "KLEA", "MIRELA", "ORNELA", "SILVANA", "DORINA", "ELSA"},
         "LLDDDLL"},
        {"RKS", 10, 0.2, "LDDDDDDDD",
         {"KRASNIQI", "GASHI", "BERISHA", "MORINA", "SHALA", "HOTI", "BYTYQI", "KELMENDI"},
         {"ALBAN", "BESNIK", "DRILON", "FLAMUR", "VALON", "LIRIDON"},
         {"DONIKA", "FJOLLA", "LEONORA", "VLORA", "QENDRESA", "ARTA"},
         "DD-DDD-LL"},
        {"MKD", 7, 0.3, "LDDDDDDD",
         {"TRAJKOVSKI", "ILIEVSKI", "DIMITROVSKI", "AJDINI", "MUSTAFA", "PETROVSKI"},
         {"ALEKSANDAR", "GOCE", "IGOR", "STEFAN", "BUJAR"},
         {"ELENA", "MARIJA", "SIMONA", "TEUTA", "ANA"},
         "LLDDDDLL"},
        {"GRC", 8, 0.3, "LLDDDDDDD",
         {"PAPADOPOULOS", "GEORGIOU", "NIKOLAOU", "OIKONOMOU", "KARAGIANNIS", "VLACHOS", "DIMITRIOU"},
         {"GEORGIOS", "DIMITRIOS", "KONSTANTINOS", "NIKOLAOS", "IOANNIS"},
         {"MARIA", "ELENI", "AIKATERINI", "SOFIA", "ANNA"},
         "LLL-DDDD"},
        {"ITA", 7, 0.3, "LLDDDDDDD",
         {"ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI"},
         {"MARCO", "LUCA", "GIUSEPPE", "ANDREA", "FRANCESCO"},
         {"GIULIA", "FRANCESCA", "CHIARA", "SARA", "MARTINA"},
         "LLDDDLL"},
        {"MNE", 4, 0.2, "LDDDDDDD",
         {"VUKOVIC", "POPOVIC", "RADOVIC", "NIKOLIC", "DJUROVIC"},
         {"MARKO", "NIKOLA", "LUKA", "DARKO"},
         {"JELENA", "MILICA", "ANA", "TIJANA"},
         "LL-LL-DDD"},
        {"DEU", 4, 0.3, "LDDDDDDDD",
         {"MUELLER", "SCHMIDT", "SCHNEIDER", "FISCHER", "WEBER", "MEYER", "WAGNER", "BECKER"},
         {"LUKAS", "JONAS", "STEFAN", "MICHAEL", "THOMAS"},
         {"ANNA", "LAURA", "JULIA", "SABINE", "KATRIN"},
         "L-LL-DDDD"},
        {"GBR", 3, 0.0, "DDDDDDDDD",
         {"SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "DAVIES"},
         {"JAMES", "OLIVER", "HARRY", "GEORGE", "THOMAS"},
         {"OLIVIA", "EMILY", "SOPHIE", "CHARLOTTE", "AMELIA"},
         "LLDD-LLL"},
        {"USA", 2, 0.0, "DDDDDDDDD",
         {"SMITH", "JOHNSON", "MILLER", "DAVIS", "GARCIA", "RODRIGUEZ"},
         {"MICHAEL", "DAVID", "JOHN", "ROBERT"},
         {"JENNIFER", "JESSICA", "ASHLEY", "EMILY"},
         "LLL-DDDD"},
        {"TUR", 3, 0.0, "LDDDDDDDD",
         {"YILMAZ", "KAYA", "DEMIR", "SAHIN", "CELIK", "YILDIZ"},
         {"MEHMET", "MUSTAFA", "AHMET", "EMRE"},
         {"AYSE", "FATMA", "ZEYNEP", "ELIF"},
         "DD-LLL-DDD"},
        {"SRB", 2, 0.2, "DDDDDDDDD",
         {"JOVANOVIC", "PETROVIC", "MARKOVIC", "DJORDJEVIC", "STOJANOVIC"},
         {"NIKOLA", "MILOS", "STEFAN", "DUSAN"},
         {"MILICA", "JOVANA", "TEODORA", "ANA"},
         "LL-DDD-LL"},
        {"FRA", 2, 0.3, "DDLLDDDDD",
         {"MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT"},
         {"LOUIS", "HUGO", "PIERRE", "NICOLAS"},
         {"CAMILLE", "MANON", "CHLOE", "LEA"},
         "LL-DDD-LL"},
        {"POL", 2, 0.3, "LLDDDDDDD",
         {"NOWAK", "KOWALSKI", "WISNIEWSKI", "WOJCIK", "KAMINSKI"},
         {"JAKUB", "PIOTR", "TOMASZ", "KRZYSZTOF"},
         {"ANNA", "KATARZYNA", "AGNIESZKA", "ZOFIA"},
         "LL DDDDD"},
        {"NLD", 2, 0.3, "LLDDDDDDD",
         {"DE JONG", "JANSEN", "DE VRIES", "VAN DEN BERG", "BAKKER", "VISSER"},
         {"DAAN", "SEM", "LUCAS", "JAN"},
         {"EMMA", "JULIA", "SOPHIE", "ANNA"},
         "LL-DDD-L"},
        {"CHN", 1, 0.0, "LDDDDDDDD",
         {"WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG"},
         {"WEI", "JUN", "HAO", "LEI"},
         {"JING", "NA", "XIU YING", "MEI"},
         "LLDDDDD"},
    };
    return kCountries;
}

const Country& country(const std::string& code) {
    for (const auto& c : countries())
        if (code == c.code) return c;
    return countries().front();
}

char check_char(std::string_view field) { return static_cast<char>('0' + core::mrz_check_digit(field)); }

// `text` left-aligned in `width` characters, filled with '<' (cut when longer).
std::string field(std::string_view text, std::size_t width) {
    std::string out(text.substr(0, width));
    out.resize(width, '<');
    return out;
}

// YYYY-MM-DD as YYMMDD.
std::string mrz_date(const std::string& iso) {
    if (iso.size() != 10) throw std::invalid_argument("a date YYYY-MM-DD is needed for an MRZ");
    return iso.substr(2, 2) + iso.substr(5, 2) + iso.substr(8, 2);
}

// The name field: SURNAME<<GIVEN<NAMES, in A-Z, cut to `width`.
std::string name_field(const core::Traveler& t, std::size_t width) {
    const auto words = [](const std::string& name) {
        std::string out = core::transliterate_name(name);
        std::replace(out.begin(), out.end(), ' ', '<');
        return out;
    };
    std::string name = words(t.surname);
    const std::string given = words(t.given_names);
    if (!given.empty()) name += "<<" + given;
    return field(name, width);
}

char sex_char(const std::string& sex) { return sex == "F" || sex == "M" ? sex[0] : '<'; }

std::string iso(date::sys_days day) { return date::format("%F", day); }

}  // namespace

std::string td3_mrz(const core::Traveler& t) {
    const std::string line1 = "P<" + field(t.issuing_country, 3) + name_field(t, 39);
    const std::string number = field(t.document_number, 9);
    const std::string birth = mrz_date(t.birth_date);
    const std::string expiry = mrz_date(t.expiry_date);
    const std::string optional(14, '<');
    std::string line2 = number + check_char(number) + field(t.nationality, 3) + birth + check_char(birth) +
                        sex_char(t.sex) + expiry + check_char(expiry) + optional + check_char(optional);
    const std::string composite = line2.substr(0, 10) + line2.substr(13, 7) + line2.substr(21, 22);
    line2 += check_char(composite);
    return line1 + "\n" + line2;
}

std::string td1_mrz(const core::Traveler& t) {
    const std::string number = field(t.document_number, 9);
    const std::string line1 = "ID" + field(t.issuing_country, 3) + number + check_char(number) + std::string(15, '<');
    const std::string birth = mrz_date(t.birth_date);
    const std::string expiry = mrz_date(t.expiry_date);
    std::string line2 = birth + check_char(birth) + sex_char(t.sex) + expiry + check_char(expiry) +
                        field(t.nationality, 3) + std::string(11, '<');
    const std::string composite = line1.substr(5, 25) + line2.substr(0, 7) + line2.substr(8, 7) + line2.substr(18, 11);
    line2 += check_char(composite);
    return line1 + "\n" + line2 + "\n" + name_field(t, 30);
}

TravellerMaker::TravellerMaker(std::uint64_t seed, std::string home_country) : rng_(seed), home_(std::move(home_country)) {}

std::string TravellerMaker::pick_nationality() {
    int total = 0;
    for (const auto& c : countries()) total += c.weight + (home_ == c.code ? 20 : 0);
    int roll = std::uniform_int_distribution<int>(0, total - 1)(rng_);
    for (const auto& c : countries()) {
        roll -= c.weight + (home_ == c.code ? 20 : 0);
        if (roll < 0) return c.code;
    }
    return countries().front().code;
}

std::string TravellerMaker::document_number(const std::string& nationality) {
    std::string out;
    for (const char* p = country(nationality).number_pattern; *p; ++p) {
        if (*p == 'L') out += static_cast<char>('A' + std::uniform_int_distribution<int>(0, 25)(rng_));
        else out += static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(rng_));
    }
    return out;
}

core::Traveler TravellerMaker::person(const std::string& nationality, core::Millis today) {
    const Country& c = country(nationality);
    core::Traveler t;
    t.issuing_country = nationality;
    t.nationality = nationality;
    const bool woman = std::bernoulli_distribution(0.5)(rng_);
    t.sex = woman ? "F" : "M";
    const auto pick = [&](const std::vector<const char*>& list) {
        return std::string(list[std::uniform_int_distribution<std::size_t>(0, list.size() - 1)(rng_)]);
    };
    t.surname = pick(c.surnames);
    t.given_names = pick(woman ? c.women : c.men);
    if (std::bernoulli_distribution(0.2)(rng_)) t.given_names += " " + pick(woman ? c.women : c.men);
    if (t.given_names.find(' ') != std::string::npos &&
        t.given_names.substr(0, t.given_names.find(' ')) == t.given_names.substr(t.given_names.find(' ') + 1))
        t.given_names = t.given_names.substr(0, t.given_names.find(' '));
    // Mostly adults up to 80; one in ten a child travelling with them.
    const date::sys_days day = date::floor<date::days>(today);
    const int age = std::bernoulli_distribution(0.1)(rng_) ? std::uniform_int_distribution<int>(1, 17)(rng_)
                                                            : std::uniform_int_distribution<int>(18, 79)(rng_);
    const auto born = day - date::days{age * 365 + std::uniform_int_distribution<int>(0, 364)(rng_)};
    t.birth_date = iso(born);
    // Valid for a month to ten years more.
    t.expiry_date = iso(day + date::days{std::uniform_int_distribution<int>(30, 3650)(rng_)});
    t.document_number = document_number(nationality);
    return t;
}

Document TravellerMaker::document_for(core::Traveler t, bool id_card) {
    Document d;
    d.mrz = id_card ? td1_mrz(t) : td3_mrz(t);
    // The traveller as the zone reads: what an officer's scanner would give, so the two always agree.
    const int year = static_cast<int>(date::year_month_day{date::floor<date::days>(std::chrono::system_clock::now())}.year());
    const auto parsed = core::parse_mrz(d.mrz, year);
    if (!parsed || !parsed->valid) throw std::logic_error("a synthetic MRZ did not read back: " + d.mrz);
    d.traveler = parsed->traveler;
    return d;
}

Document TravellerMaker::make(core::Millis today) {
    const std::string nationality = pick_nationality();
    core::Traveler t = person(nationality, today);
    const bool id_card = std::bernoulli_distribution(country(nationality).id_card_share)(rng_);
    return document_for(std::move(t), id_card);
}

std::optional<Document> TravellerMaker::make_hit(const core::WatchlistEntry& entry, core::Millis today) {
    const auto writable_name = [](const std::string& name) {
        const std::string t = core::transliterate_name(name);
        return std::any_of(t.begin(), t.end(), [](unsigned char ch) { return std::isupper(ch); });
    };
    const bool by_document = entry.has_document() && entry.document_number.size() <= 9 &&
                             entry.issuing_country.size() == 3 &&
                             std::all_of(entry.document_number.begin(), entry.document_number.end(),
                                         [](unsigned char ch) { return std::isupper(ch) || std::isdigit(ch); });
    const bool by_person = entry.has_person() && writable_name(entry.surname) && entry.birth_date.size() == 10;
    if (!by_document && !by_person) return std::nullopt;
    const std::string nationality = by_document ? entry.issuing_country : pick_nationality();
    core::Traveler t = person(nationality, today);  // an issuer not in the table gets the home country's names
    t.issuing_country = t.nationality = nationality;
    if (by_document) t.document_number = entry.document_number;
    if (by_person) {
        t.surname = entry.surname;
        t.given_names = entry.given_names;
        t.birth_date = entry.birth_date;
    }
    try {
        return document_for(std::move(t), false);
    } catch (const std::exception&) {
        return std::nullopt;  // a date or name the zone cannot hold
    }
}

Vehicle TravellerMaker::vehicle(const std::string& nationality) {
    const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
    Vehicle v;
    v.mode = roll < 0.6 ? "car" : roll < 0.8 ? "bus" : roll < 0.95 ? "foot" : "truck";
    if (v.mode == "car" || v.mode == "truck") {
        for (const char* p = country(nationality).plate_pattern; *p; ++p) {
            if (*p == 'L') v.plate += static_cast<char>('A' + std::uniform_int_distribution<int>(0, 25)(rng_));
            else if (*p == 'D') v.plate += static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(rng_));
            else v.plate += *p;
        }
    }
    return v;
}

std::optional<double> parse_rate(const std::string& text) {
    const auto slash = text.find('/');
    const std::string number = text.substr(0, slash);
    const std::string unit = slash == std::string::npos ? "min" : text.substr(slash + 1);
    double n = 0;
    try {
        std::size_t used = 0;
        n = std::stod(number, &used);
        if (used != number.size()) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    double per_second = 0;
    if (unit == "s" || unit == "sec") per_second = n;
    else if (unit == "min" || unit == "m") per_second = n / 60.0;
    else if (unit == "h" || unit == "hour") per_second = n / 3600.0;
    else return std::nullopt;
    if (!(per_second > 0) || per_second > 100.0) return std::nullopt;
    return per_second;
}

std::optional<long long> parse_duration(const std::string& text) {
    const auto span = core::parse_duration(text);  // one reading of spans for every command
    if (!span) return std::nullopt;
    return span->count();
}

}  // namespace borderlog::client::sim
