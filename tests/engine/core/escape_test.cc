#include "livefire/escape.h"

#include <gtest/gtest.h>

namespace livefire {
namespace {

TEST(Escape, MarkupCharactersBecomeEntitiesAndTextIsKept) {
  EXPECT_EQ(EscapeMarkup("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup("Hòa Bình Xanh"), "Hòa Bình Xanh");
  EXPECT_EQ(EscapeMarkup(""), "");
}

}  // namespace
}  // namespace livefire
