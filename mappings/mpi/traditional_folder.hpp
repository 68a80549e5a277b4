#pragma once
// Traditional -> simplified Chinese folding with OpenCC's "t2s" conversion (phrase-aware: 乾隆 stays
// 乾隆 while 乾燥 becomes 干燥), as the patient index compares names typed on mainland and on
// Hong Kong / Taiwan / older systems.
//
// Speed: OpenCC costs several microseconds per name, and most names are already simplified. So the
// folder also loads OpenCC's own dictionaries once, and
// - returns a text as is when t2s cannot change any of its characters;
// - folds character by character, with TSCharacters' first candidate, a text in which no TSPhrases
//   key occurs: OpenCC's maximum-match segmentation would make each character its own segment
//   and do exactly that;
// - hands the rest (乾隆, 沈船: a phrase decides) to OpenCC.
// The result is OpenCC's in every case (tested against it); only the cost differs.
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

  // OpenCC's own conversion, without the shortcuts (for tests and comparison). `valid_utf8` must be
  // valid UTF-8.
  std::string fold_with_opencc(std::string_view valid_utf8) const;

 private:
  // Per code point, what the dictionaries say about it (bits).
  enum Flag : unsigned char {
    kByCharacter = 1,   // TSCharacters changes it
    kPhraseOnly = 2,    // only a phrase changes it (沈 of 沈船)
    kStartsPhrase = 4,  // some TSPhrases key starts with it
  };
  unsigned char flags(long cp) const {
    return cp >= 0 && static_cast<std::size_t>(cp) < flags_.size() ? flags_[static_cast<std::size_t>(cp)] : 0;
  }
  void set(long cp, Flag f);
  bool holds_phrase(std::string_view valid_utf8) const;

  std::unique_ptr<opencc::SimpleConverter> converter_;
  std::vector<unsigned char> flags_;  // Flag bits by code point, up to the highest flagged one
  std::vector<std::pair<long, std::string>> simplified_;  // kByCharacter: code point -> its fold, sorted
  std::vector<std::string> phrase_keys_;                  // sorted
  std::size_t max_phrase_chars_ = 0;
};

// The process's folder over the OpenCC data installed with the build (libopencc-data,
// /usr/share/opencc); created on first use. Throws like the constructor when the data is missing:
// call it at start-up to fail there rather than on the first message.
const TraditionalFolder& default_traditional_folder();

}  // namespace medgw::mpi
