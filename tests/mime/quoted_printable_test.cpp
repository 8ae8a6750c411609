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

TEST(QuotedPrintable, EncodesWhatATransportMightAlter) {
    EXPECT_EQ(quoted_printable_encode("Gr\xfc\xdf"
                                      "e a=b\r\n"),
              "Gr=FC=DFe a=3Db\r\n");
    // Trailing white space, at a line end and at the very end; inside a line it stays.
    EXPECT_EQ(quoted_printable_encode("a b \r\nc\t"), "a b=20\r\nc=09");
    // "From " at the start of a line only; a bare CR or LF is a byte like any other.
    EXPECT_EQ(quoted_printable_encode("From me\r\nnot From\nx\r"), "=46rom me\r\nnot From=0Ax=0D");
}

TEST(QuotedPrintable, SoftBreaksKeepLinesShortAndDecodeBack) {
    std::string text(200, 'x');
    text += "\r\n" + std::string(75, '\xe4') + " \r\nFrom " + std::string(70, 'y') + "From the end";
    const std::string encoded = quoted_printable_encode(text);
    std::size_t start = 0;
    while (start < encoded.size()) {
        auto end = encoded.find("\r\n", start);
        if (end == std::string::npos)
            end = encoded.size();
        EXPECT_LE(end - start, 76u) << encoded.substr(start, end - start);
        // A soft break never leaves "From " at the start of a line either.
        EXPECT_NE(encoded.substr(start, 5), "From ");
        start = end + 2;
    }
    EXPECT_EQ(quoted_printable_decode(encoded), text);
}

}  // namespace
}  // namespace sealgate::mime
