#include "core/transliteration.hpp"

#include <gtest/gtest.h>

#include <string>

namespace borderlog::core {
namespace {

struct NameCase {
    std::string name;
    std::string input;
    std::string doc9303;
    std::string folded;
};

class TransliterateName : public testing::TestWithParam<NameCase> {};

TEST_P(TransliterateName, SpellsTheNameAsAnMrzDoes) {
    EXPECT_EQ(transliterate_name(GetParam().input), GetParam().doc9303);
    EXPECT_EQ(transliterate_name(GetParam().input, Umlauts::folded), GetParam().folded);
}

INSTANTIATE_TEST_SUITE_P(
    Doc9303Part3, TransliterateName,
    testing::Values(
        NameCase{"PlainAsciiIsUppercased", "Eriksson", "ERIKSSON", "ERIKSSON"},
        NameCase{"UUmlaut", "Müller", "MUELLER", "MULLER"},
        NameCase{"AUmlaut", "Jäger", "JAEGER", "JAGER"},
        NameCase{"OUmlaut", "Öztürk", "OEZTUERK", "OZTURK"},
        NameCase{"ARing", "Ångström", "AANGSTROEM", "ANGSTROM"},
        NameCase{"SharpS", "Weiß", "WEISS", "WEISS"},
        NameCase{"AeLigature", "Ærø", "AEROE", "AERO"},
        NameCase{"OSlash", "Søren", "SOEREN", "SOREN"},
        NameCase{"OeLigature", "Cœur", "COEUR", "COEUR"},
        NameCase{"Thorn", "Þór", "THOR", "THOR"},
        NameCase{"Eth", "Guðrún", "GUDRUN", "GUDRUN"},
        NameCase{"IjLigature", "Ĳsselmeer", "IJSSELMEER", "IJSSELMEER"},
        NameCase{"AlbanianCedillaAndDiaeresis", "Çelë Hoxhë", "CELE HOXHE", "CELE HOXHE"},
        NameCase{"PolishStroke", "Łukasz Wałęsa", "LUKASZ WALESA", "LUKASZ WALESA"},
        NameCase{"CzechCarons", "Dvořák Šťěpán", "DVORAK STEPAN", "DVORAK STEPAN"},
        NameCase{"CroatianDStroke", "Đurđević", "DURDEVIC", "DURDEVIC"},
        NameCase{"RomanianCommaBelow", "Știrbu Țepeș", "STIRBU TEPES", "STIRBU TEPES"},
        NameCase{"TurkishDotlessAndDottedI", "Işık İnce", "ISIK INCE", "ISIK INCE"},
        NameCase{"SpanishTilde", "Muñoz", "MUNOZ", "MUNOZ"},
        NameCase{"HungarianDoubleAcute", "Erdős Győző", "ERDOS GYOZO", "ERDOS GYOZO"},
        NameCase{"RussianCyrillic", "Щербаков Юрий", "SHCHERBAKOV IURII", "SHCHERBAKOV IURII"},
        NameCase{"CyrillicSoftSignIsLeftOut", "Игорь", "IGOR", "IGOR"},
        NameCase{"CyrillicHardSignAndTs", "Подъячев Царь", "PODIEIACHEV TSAR", "PODIEIACHEV TSAR"},
        NameCase{"SerbianAndMacedonianLetters", "Ђорђе Љубић Ќосе Ѓорѓи Џафер", "DORDE LJUBIC KOSE GORGI DZAFER",
                 "DORDE LJUBIC KOSE GORGI DZAFER"},
        NameCase{"UkrainianLetters", "Ґалаґан Їжак Євген", "GALAGAN IZHAK IEVGEN", "GALAGAN IZHAK IEVGEN"},
        NameCase{"FillersSeparateWords", "VAN<DER<BERG", "VAN DER BERG", "VAN DER BERG"},
        NameCase{"HyphenSeparates", "Smith-Jones", "SMITH JONES", "SMITH JONES"},
        NameCase{"ApostropheIsLeftOut", "D'Artagnan O’Neil", "DARTAGNAN ONEIL", "DARTAGNAN ONEIL"},
        NameCase{"RunsOfSeparatorsCollapse", "  Anna  -- Maria<< ", "ANNA MARIA", "ANNA MARIA"},
        NameCase{"DigitsAreKept", "Henry 8", "HENRY 8", "HENRY 8"},
        NameCase{"OtherScriptsAreLeftOut", "Παπαδόπουλος", "", ""},
        NameCase{"InvalidUtf8IsLeftOut", std::string("Ab\xff\xfe" "c"), "ABC", "ABC"},
        NameCase{"TruncatedSequenceIsLeftOut", std::string("Ab\xc3"), "AB", "AB"},
        NameCase{"Empty", "", "", ""}),
    [](const testing::TestParamInfo<NameCase>& param_info) { return param_info.param.name; });

TEST(TransliterateName, EveryLatin1LetterHasASpelling) {
    // U+00C0 .. U+00FF except × and ÷: each gives at least one capital.
    for (char32_t cp = 0xC0; cp <= 0xFF; ++cp) {
        if (cp == 0xD7 || cp == 0xF7) continue;
        const std::string utf8{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
        EXPECT_FALSE(transliterate_name(utf8).empty()) << "U+" << std::hex << static_cast<unsigned>(cp);
    }
}

TEST(TransliterateName, LowerAndUpperCaseOfLatinExtendedASpellAlike) {
    // Ā ā, Ą ą, Ł ł, Ő ő, Ž ž ...: pairs (upper, lower) that sit side by side in the block.
    for (char32_t upper : {0x100u, 0x104u, 0x10Cu, 0x141u, 0x150u, 0x160u, 0x17Du}) {
        const auto enc = [](char32_t cp) {
            return std::string{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
        };
        EXPECT_EQ(transliterate_name(enc(upper)), transliterate_name(enc(upper + 1)));
    }
}

TEST(HasTwoSpellings, OnlyForLettersThatFoldDifferently) {
    EXPECT_TRUE(has_two_spellings("Müller"));
    EXPECT_TRUE(has_two_spellings("Søren"));
    EXPECT_FALSE(has_two_spellings("Weiß"));
    EXPECT_FALSE(has_two_spellings("MUELLER"));
}

}  // namespace
}  // namespace borderlog::core
