#pragma once
// The Unicode ranges the control room's font is loaded with: titles,
// descriptions and report texts are Vietnamese and carry typographic
// punctuation (– — ‘ ’ “ ” …), which ImGui draws as "?" unless its font
// atlas holds them. Zero-terminated [first, last] pairs, the form ImGui's
// AddFontFromFileTTF takes (ImWchar is 16-bit).

#include <array>
#include <cstdint>
#include <string_view>

namespace livefire::gui {

inline constexpr std::array<uint16_t, 19> kControlRoomGlyphRanges = {
    0x0020, 0x00FF,  // Basic Latin, Latin-1 Supplement
    0x0100, 0x024F,  // Latin Extended-A and -B (Ơ ơ Ư ư)
    0x0300, 0x036F,  // combining diacritics (decomposed Vietnamese)
    0x1E00, 0x1EFF,  // Latin Extended Additional (ạ ả ấ ầ ẩ ẫ ậ ... ỹ)
    0x2000, 0x206F,  // General Punctuation (– — ‘ ’ “ ” … •)
    0x20A0, 0x20CF,  // currency (₫ €)
    0x2190, 0x21FF,  // arrows (→)
    0x2212, 0x2212,  // minus sign
    0x0000,
};

// Whether every code point of the UTF-8 text lies in the ranges; the first
// one that does not goes to *missing (U+FFFD for bytes that are not UTF-8).
bool GlyphsCover(std::string_view utf8, char32_t* missing = nullptr);

}  // namespace livefire::gui
