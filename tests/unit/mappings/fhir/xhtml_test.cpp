// Narratives between XML and the JSON string: written as the FHIR publisher writes them, XHTML
// only, ill-formed ones refused.
#include "mappings/fhir/xhtml.hpp"

#include <gtest/gtest.h>

namespace medgw::fhir {
namespace {

TEST(Xhtml, NormaliseKeepsWhitespaceAndEscapesAsThePublisherDoes) {
  const std::string div =
      "<div xmlns=\"http://www.w3.org/1999/xhtml\">\n\t<table class=\"grid\">\n\t\t<tr><td>O'Brien &amp; "
      "&quot;Jim&quot; &lt;b&gt;</td></tr>\n\t</table><br/><img src=\"a.png\" alt=\"&quot;x&quot;\"/>\n</div>";
  auto out = normalise_xhtml(div, "Patient.text.div");
  ASSERT_TRUE(out.has_value()) << out.error().diagnostics;
  EXPECT_EQ(*out, div);
}

TEST(Xhtml, TheRootGetsItsNamespaceAndCommentsAreDropped) {
  auto out = normalise_xhtml(
      "<x:div xmlns:x=\"http://www.w3.org/1999/xhtml\"><!-- c --><x:p xml:lang=\"en\">a</x:p></x:div>", "d");
  ASSERT_TRUE(out.has_value()) << out.error().diagnostics;
  EXPECT_EQ(*out, "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p xml:lang=\"en\">a</p></div>");
}

TEST(Xhtml, RefusesWhatIsNotAnXhtmlDiv) {
  EXPECT_FALSE(normalise_xhtml("<div>no namespace</div>", "d").has_value());
  EXPECT_FALSE(normalise_xhtml("<p xmlns=\"http://www.w3.org/1999/xhtml\">not a div</p>", "d").has_value());
  EXPECT_FALSE(normalise_xhtml("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>unclosed</div>", "d").has_value());
  EXPECT_FALSE(normalise_xhtml("not xml", "d").has_value());
  auto e = normalise_xhtml(
      "<!DOCTYPE div [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><div "
      "xmlns=\"http://www.w3.org/1999/xhtml\">&x;</div>",
      "Patient.text.div");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().expression, "Patient.text.div");
}

TEST(Xhtml, EscapingOfAttributesKeepsLineBreaks) {
  std::string out;
  append_xml_escaped(out, "a\tb\nc\rd&<>\"'", true);
  EXPECT_EQ(out, "a&#9;b&#10;c&#13;d&amp;&lt;&gt;&quot;'");
  out.clear();
  append_xml_escaped(out, "a\tb\nc", false);
  EXPECT_EQ(out, "a\tb\nc");
}

}  // namespace
}  // namespace medgw::fhir
