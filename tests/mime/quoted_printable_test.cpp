#include "mime/quoted_printable.hpp"

#include <gtest/gtest.h>

namespace sealgate::mime {
namespace {

TEST(QuotedPrintable, DecodesEscapesAndSoftBreaks) {
    EXPECT_EQ(quoted_printable_decode("a=3Db=3db"), "a=b=b");
    EXPECT_EQ(quoted_printable_decode("long=\r\nline=\nend"), "longlineend");
    EXPECT_EQ(quoted_printable_decode("=C3=BC"), "\xc3\xbc");
}

TEST(QuotedPrintable, KeepsWhatIsNotAnEscape) {
    EXPECT_EQ(quoted_printable_decode("100%=ZZ"), "100%=ZZ");
    EXPECT_EQ(quoted_printable_decode("trailing="), "trailing=");
    EXPECT_EQ(quoted_printable_decode("=4"), "=4");
}

}  // namespace
}  // namespace sealgate::mime
