// Names as an MRZ spells them: ICAO Doc 9303 Part 3 transliteration of Latin (and Cyrillic) letters to
// A-Z, so that "Müller", "MUELLER" and "MUELLER<<HANS" compare as the same name.
#pragma once

#include <string>
#include <string_view>

namespace borderlog::core {

// How the letters with two spellings in practice are written. Doc 9303 says Ä→AE, Å→AA, Ö→OE,
// Ø→OE, Ü→UE (`doc9303`); many issuers write A, A, O, O, U instead (`folded`).
enum class Umlauts { doc9303, folded };

// The words of a name in the MRZ alphabet, separated by single spaces: letters transliterated and
// uppercased (ß→SS, Æ→AE, Œ→OE, Þ→TH, Ĳ→IJ, Ł→L, Đ→D, Č→C, Ж→ZH, Щ→SHCH, ...); '<', spaces, hyphens,
// commas, dots and slashes separate words; apostrophes and any other sign are left out (D'ARTAGNAN →
// DARTAGNAN); digits are kept. Bytes that are not UTF-8 and letters outside the table are left out.
std::string transliterate_name(std::string_view utf8, Umlauts umlauts = Umlauts::doc9303);

// True when `utf8` holds a letter that `Umlauts::folded` spells differently.
bool has_two_spellings(std::string_view utf8);

}  // namespace borderlog::core
