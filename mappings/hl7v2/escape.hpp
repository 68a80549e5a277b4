#pragma once
// HL7 v2 escape sequences (v2.5 section 2.7): \F\ \S\ \T\ \R\ \E\ for the delimiters, \P\ for the
// v2.7 truncation character, \Xhh..\ for bytes, \H\ \N\ for highlighting, and the formatted-text
// commands \.br\ \.sp n\ \.fi\ \.nf\ \.in n\ \.ti n\ \.sk n\ \.ce\. Sequences medgw cannot
// interpret (\Z..\ local escapes, \C..\ and \M..\ charset switches, anything unknown) are kept
// verbatim, never dropped, so no text is lost on the way to the archive.
#include <string>
#include <string_view>

#include "mappings/hl7v2/delimiters.hpp"

namespace medgw::hl7v2 {

enum class FormattingEscapes {
  kToText,    // \.br\ -> newline, \.sp n\ -> n newlines, \.sk n\ -> n spaces, \H\ \N\ dropped
  kPreserve,  // formatting and highlighting left as escape sequences (for re-encoding as FT)
};

struct UnescapeOptions {
  FormattingEscapes formatting = FormattingEscapes::kToText;
};

// Appends the decoded text of `raw` to `out`.
void unescape_append(std::string_view raw, const Delimiters& d, std::string& out,
                     UnescapeOptions options = {});
std::string unescape(std::string_view raw, const Delimiters& d, UnescapeOptions options = {});

enum class LineBreaks {
  kFormatted,  // a line break (CRLF, CR or LF) becomes \.br\, the FT form labs use
  kHex,        // CR and LF become \X0D\ and \X0A\, byte-exact
};

struct EscapeOptions {
  LineBreaks line_breaks = LineBreaks::kFormatted;
};

// Escapes `text` so it can stand as one value between delimiters.
std::string escape(std::string_view text, const Delimiters& d, EscapeOptions options = {});

}  // namespace medgw::hl7v2
