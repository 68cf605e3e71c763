// The CLI's SVG writer (src/cli/svg_chart.hpp) on its own: what a label from a file can hold,
// numbers in any locale, ticks.
#include "svg_chart.hpp"

#include <gtest/gtest.h>

#include <clocale>
#include <string>

namespace svg = twitchwatch::cli::svg;

TEST(Svg, EscapesXmlSpecialCharacters) {
    EXPECT_EQ(svg::escape(R"(a<b&c"d'e>f)"), "a&lt;b&amp;c&quot;d&apos;e&gt;f");
    EXPECT_EQ(svg::attribute("data-x", "<&>"), R"( data-x="&lt;&amp;&gt;")");
}

TEST(Svg, KeepsUtf8AndReplacesWhatIsNot) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(svg::escape("caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x92\xAA"),
              "caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x92\xAA");
    EXPECT_EQ(svg::escape("a\xFF"
                          "b"),
              "a" + fffd + "b");                                            // not a lead byte
    EXPECT_EQ(svg::escape("\x80"), fffd);                                   // a stray continuation
    EXPECT_EQ(svg::escape("x\xC3"), "x" + fffd);                            // cut short at the end
    EXPECT_EQ(svg::escape("\xE2\x80<"), fffd + fffd + "&lt;");              // cut short before '<'
    EXPECT_EQ(svg::escape("\xC0\xAF"), fffd + fffd);                        // overlong '/'
    EXPECT_EQ(svg::escape("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
    EXPECT_EQ(svg::escape("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
    // Control characters and U+FFFE are not allowed in XML 1.0.
    EXPECT_EQ(svg::escape(std::string("a\0b\x1B", 4)), "a" + fffd + "b" + fffd);
    EXPECT_EQ(svg::escape("\xEF\xBF\xBE"), fffd);
}

TEST(Svg, NumbersIgnoreTheLocale) {
    // A locale with a decimal comma, where the system has one; the numbers must not follow it.
    const bool comma = std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr;
    EXPECT_EQ(svg::number(1234.5678, 2), "1234.57");
    EXPECT_EQ(svg::number(-0.04, 1), "0.0");
    EXPECT_EQ(svg::number(2.0, 0), "2");
    std::setlocale(LC_ALL, "C");
    // CTest compiles the locale first (tests/CMakeLists.txt); run alone, the test may not find it.
    if (!comma) GTEST_SKIP() << "no de_DE.UTF-8 locale here; checked in C only";
}

TEST(Svg, NiceTicks) {
    const auto ticks = svg::nice_ticks(0, 48, 8);  // steps of 6 rounded up to 10
    EXPECT_EQ(ticks.values, (std::vector<double>{0, 10, 20, 30, 40}));
    EXPECT_EQ(ticks.decimals, 0);
    const auto small = svg::nice_ticks(0, 0.7, 4);
    EXPECT_EQ(small.decimals, 1);
    EXPECT_EQ(small.values.size(), 4u);  // 0, 0.2, 0.4, 0.6
    EXPECT_NEAR(small.values.back(), 0.6, 1e-12);
    EXPECT_EQ(svg::nice_step(3600, 10), 500);
}

TEST(Svg, DocumentIsClosedAndEscaped) {
    svg::Document doc(100, "a < b", "text{}");
    doc.open_group(" class=\"g\"");
    doc.text(1, 2, "x & y", "");
    const auto out = doc.finish(50);
    EXPECT_NE(out.find("<title>a &lt; b</title>"), std::string::npos);
    EXPECT_NE(out.find(">x &amp; y</text>"), std::string::npos);
    EXPECT_NE(out.find("</g>\n</svg>\n"), std::string::npos);
    EXPECT_NE(out.find("height=\"50\""), std::string::npos);
}
