#include "livefire/gui/glyphs.h"

namespace livefire::gui {

namespace {

// The next code point of s from i (advancing i); U+FFFD for a malformed one.
char32_t Next(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i++]);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
  if (extra < 0) return 0xFFFD;
  char32_t c = extra == 0 ? b : b & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    c = (c << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return c;
}

bool InRanges(char32_t c) {
  for (size_t k = 0; kControlRoomGlyphRanges[k] != 0; k += 2) {
    if (c >= kControlRoomGlyphRanges[k] && c <= kControlRoomGlyphRanges[k + 1]) return true;
  }
  return false;
}

}  // namespace

bool GlyphsCover(std::string_view utf8, char32_t* missing) {
  for (size_t i = 0; i < utf8.size();) {
    const char32_t c = Next(utf8, i);
    // Control characters are not drawn; everything else must be in the atlas.
    if (c < 0x20 || InRanges(c)) continue;
    if (missing != nullptr) *missing = c;
    return false;
  }
  return true;
}

}  // namespace livefire::gui
