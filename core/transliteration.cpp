#include "core/transliteration.hpp"

#include <array>
#include <optional>

namespace borderlog::core {

namespace {

// Every slot of a table filled: a missing entry would be a null pointer, not a size mismatch.
template <std::size_t N>
constexpr bool all_set(const std::array<const char*, N>& table) {
    for (const char* entry : table)
        if (entry == nullptr) return false;
    return true;
}

// U+00C0 .. U+00FF. "" leaves the sign out (×, ÷).
constexpr std::array<const char*, 64> kLatin1{
    "A", "A", "A", "A", "AE", "AA", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",  // À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï
    "D", "N", "O", "O", "O", "O", "OE", "", "OE", "U", "U", "U", "UE", "Y", "TH", "SS",  // Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
    "A", "A", "A", "A", "AE", "AA", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",  // à á â ã ä å æ ç è é ê ë ì í î ï
    "D", "N", "O", "O", "O", "O", "OE", "", "OE", "U", "U", "U", "UE", "Y", "TH", "Y"};  // ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
static_assert(all_set(kLatin1));

// U+0100 .. U+017F (Latin Extended-A), upper and lower case alike.
constexpr std::array<const char*, 128> kLatinExtendedA{
    "A",  "A",  "A",  "A",  "A",  "A",                                // Ā ā Ă ă Ą ą
    "C",  "C",  "C",  "C",  "C",  "C",  "C",  "C",                    // Ć ć Ĉ ĉ Ċ ċ Č č
    "D",  "D",  "D",  "D",                                            // Ď ď Đ đ
    "E",  "E",  "E",  "E",  "E",  "E",  "E",  "E",  "E",  "E",        // Ē ē Ĕ ĕ Ė ė Ę ę Ě ě
    "G",  "G",  "G",  "G",  "G",  "G",  "G",  "G",                    // Ĝ ĝ Ğ ğ Ġ ġ Ģ ģ
    "H",  "H",  "H",  "H",                                            // Ĥ ĥ Ħ ħ
    "I",  "I",  "I",  "I",  "I",  "I",  "I",  "I",  "I",  "I",        // Ĩ ĩ Ī ī Ĭ ĭ Į į İ ı
    "IJ", "IJ", "J",  "J",                                            // Ĳ ĳ Ĵ ĵ
    "K",  "K",  "K",                                                  // Ķ ķ ĸ
    "L",  "L",  "L",  "L",  "L",  "L",  "L",  "L",  "L",  "L",        // Ĺ ĺ Ļ ļ Ľ ľ Ŀ ŀ Ł ł
    "N",  "N",  "N",  "N",  "N",  "N",  "N",  "N",  "N",              // Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ
    "O",  "O",  "O",  "O",  "O",  "O",  "OE", "OE",                   // Ō ō Ŏ ŏ Ő ő Œ œ
    "R",  "R",  "R",  "R",  "R",  "R",                                // Ŕ ŕ Ŗ ŗ Ř ř
    "S",  "S",  "S",  "S",  "S",  "S",  "S",  "S",                    // Ś ś Ŝ ŝ Ş ş Š š
    "T",  "T",  "T",  "T",  "T",  "T",                                // Ţ ţ Ť ť Ŧ ŧ
    "U",  "U",  "U",  "U",  "U",  "U",  "U",  "U",  "U",  "U",  "U",  "U",  // Ũ ũ Ū ū Ŭ ŭ Ů ů Ű ű Ų ų
    "W",  "W",  "Y",  "Y",  "Y",                                      // Ŵ ŵ Ŷ ŷ Ÿ
    "Z",  "Z",  "Z",  "Z",  "Z",  "Z",  "S"};                         // Ź ź Ż ż Ž ž ſ
static_assert(all_set(kLatinExtendedA));

// U+0400 .. U+042F; lower case U+0430 .. U+044F and U+0450 .. U+045F map onto it.
constexpr std::array<const char*, 48> kCyrillic{
    "E", "E", "D", "G", "IE", "DZ", "I", "I", "J", "LJ", "NJ", "C", "K", "I", "U", "DZ",  // Ѐ Ё Ђ Ѓ Є Ѕ І Ї Ј Љ Њ Ћ Ќ Ѝ Ў Џ
    "A", "B", "V", "G", "D", "E", "ZH", "Z", "I", "I", "K", "L", "M", "N", "O", "P",      // А-П
    "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "IE", "Y", "", "E", "IU", "IA"};  // Р-Я
static_assert(all_set(kCyrillic));

enum class Kind { letters, separator, omitted };

struct Mapped {
    Kind kind;
    const char* letters = "";
};

bool is_folded_letter(char32_t cp) {
    switch (cp) {
        case 0xC4: case 0xE4: case 0xC5: case 0xE5: case 0xD6: case 0xF6:
        case 0xD8: case 0xF8: case 0xDC: case 0xFC: return true;
        default: return false;
    }
}

const char* folded(char32_t cp) {
    switch (cp) {
        case 0xC4: case 0xE4: case 0xC5: case 0xE5: return "A";
        case 0xD6: case 0xF6: case 0xD8: case 0xF8: return "O";
        default: return "U";
    }
}

bool is_separator(char32_t cp) {
    switch (cp) {
        case ' ': case '<': case '-': case ',': case '.': case '/': case '_': case '\t': case '\n': case '\r':
        case 0xA0: case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x3000:
            return true;
        default: return cp >= 0x2000 && cp <= 0x200A;  // the Unicode spaces
    }
}

Mapped map_code_point(char32_t cp, Umlauts umlauts) {
    if (cp >= 'a' && cp <= 'z') {
        static constexpr std::array<const char*, 26> kUpper{"A", "B", "C", "D", "E", "F", "G", "H", "I",
                                                            "J", "K", "L", "M", "N", "O", "P", "Q", "R",
                                                            "S", "T", "U", "V", "W", "X", "Y", "Z"};
        return {Kind::letters, kUpper[cp - 'a']};
    }
    if ((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
        static constexpr std::array<const char*, 43> kSame{
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "", "", "", "", "", "", "", "A", "B", "C", "D", "E",
            "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"};
        return {Kind::letters, kSame[cp - '0']};
    }
    if (is_separator(cp)) return {Kind::separator};
    if (umlauts == Umlauts::folded && is_folded_letter(cp)) return {Kind::letters, folded(cp)};
    if (cp >= 0xC0 && cp <= 0xFF) return {Kind::letters, kLatin1[cp - 0xC0]};
    if (cp >= 0x100 && cp <= 0x17F) return {Kind::letters, kLatinExtendedA[cp - 0x100]};
    if (cp == 0x218 || cp == 0x219) return {Kind::letters, "S"};  // Ș ș (Romanian comma below)
    if (cp == 0x21A || cp == 0x21B) return {Kind::letters, "T"};  // Ț ț
    if (cp >= 0x400 && cp <= 0x42F) return {Kind::letters, kCyrillic[cp - 0x400]};
    if (cp >= 0x430 && cp <= 0x44F) return {Kind::letters, kCyrillic[cp - 0x430 + 0x10]};
    if (cp >= 0x450 && cp <= 0x45F) return {Kind::letters, kCyrillic[cp - 0x450]};
    if (cp == 0x490 || cp == 0x491) return {Kind::letters, "G"};  // Ґ ґ
    return {Kind::omitted};  // apostrophes, other signs, letters of other scripts
}

// The next code point of `s` from `i`, advancing `i`; std::nullopt for a byte that starts no valid
// sequence (it is skipped).
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
    const auto c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) return c;
    std::size_t extra = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        extra = 3, cp = c & 0x07;
    } else {
        return std::nullopt;
    }
    if (i + extra > s.size()) return std::nullopt;
    for (std::size_t k = 0; k < extra; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (cc & 0x3F);
    }
    i += extra;
    return cp;
}

}  // namespace

std::string transliterate_name(std::string_view utf8, Umlauts umlauts) {
    std::string out;
    bool pending_space = false;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = next_code_point(utf8, i);
        if (!cp) continue;
        const Mapped m = map_code_point(*cp, umlauts);
        if (m.kind == Kind::separator) {
            pending_space = !out.empty();
        } else if (m.kind == Kind::letters && *m.letters) {
            if (pending_space) out += ' ';
            pending_space = false;
            out += m.letters;
        }
    }
    return out;
}

bool has_two_spellings(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size();) {
        const auto cp = next_code_point(utf8, i);
        if (cp && is_folded_letter(*cp)) return true;
    }
    return false;
}

}  // namespace borderlog::core
