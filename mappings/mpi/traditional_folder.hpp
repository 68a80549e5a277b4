#pragma once
// Traditional -> simplified Chinese folding with OpenCC's "t2s" conversion (phrase-aware: 乾隆 stays
// 乾隆 while 乾燥 becomes 干燥), as the patient index compares names typed on mainland and on
// Hong Kong / Taiwan / older systems.
//
// Speed: OpenCC costs about 2-3 us per name, and most names are already simplified. So the folder
// also loads OpenCC's own dictionaries once and keeps the set of characters that t2s can change
// (every key of TSCharacters that maps elsewhere, and every character that differs inside a
// TSPhrases entry); a text with none of them is returned as is without calling OpenCC, which gives
// the same result at the cost of one table look-up per character.
//
// One instance per process is enough (default_traditional_folder()); fold() is const and safe to
// call from many threads at once (OpenCC's converter keeps no per-call state).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace opencc {
class SimpleConverter;
}

namespace medgw::mpi {

class TraditionalFolder {
 public:
  // Loads t2s.json, TSCharacters.ocd2 and TSPhrases.ocd2 from `opencc_data_dir`. Throws
  // std::runtime_error naming the missing or unreadable file (and the Debian package that ships it).
  explicit TraditionalFolder(const std::string& opencc_data_dir);
  ~TraditionalFolder();
  TraditionalFolder(const TraditionalFolder&) = delete;
  TraditionalFolder& operator=(const TraditionalFolder&) = delete;

  // The text with traditional characters replaced by simplified ones. Bytes that are not valid
  // UTF-8 are copied unchanged (OpenCC sees only the valid runs between them).
  std::string fold(std::string_view utf8) const;

  // True when some character of the text may change under t2s.
  bool may_change(std::string_view utf8) const;

 private:
  bool may_change(long cp) const;
  std::string convert(std::string_view valid_utf8) const;

  std::unique_ptr<opencc::SimpleConverter> converter_;
  std::vector<bool> changeable_;  // indexed by code point, up to the highest changeable one
};

// The process's folder over the OpenCC data installed with the build (libopencc-data,
// /usr/share/opencc); created on first use. Throws like the constructor when the data is missing:
// call it at start-up to fail there rather than on the first message.
const TraditionalFolder& default_traditional_folder();

}  // namespace medgw::mpi
