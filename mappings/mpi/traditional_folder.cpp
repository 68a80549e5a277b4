#include "mappings/mpi/traditional_folder.hpp"

#include <opencc/Exception.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <opencc/SimpleConverter.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "mappings/mpi/utf8.hpp"

#ifndef MEDGW_OPENCC_DATA_DIR
#define MEDGW_OPENCC_DATA_DIR "/usr/share/opencc"
#endif

namespace medgw::mpi {
namespace {

std::string data_file(const std::string& dir, std::string_view name) {
  std::string path = (std::filesystem::path(dir) / name).string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw std::runtime_error("OpenCC data file " + path + " not found (Debian package libopencc-data)");
  }
  return path;
}

opencc::MarisaDictPtr load_dict(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open OpenCC dictionary " + path);
  try {
    opencc::MarisaDictPtr dict = opencc::MarisaDict::NewFromFile(f);
    std::fclose(f);
    return dict;
  } catch (const std::exception& e) {
    std::fclose(f);
    throw std::runtime_error("cannot read OpenCC dictionary " + path + ": " + e.what());
  }
}

std::vector<long> code_points(const std::string& s) {
  std::vector<long> out;
  for (std::size_t i = 0; i < s.size();) {
    const utf8::Step st = utf8::decode(s, i);
    out.push_back(st.cp);
    i += st.len;
  }
  return out;
}

}  // namespace

TraditionalFolder::TraditionalFolder(const std::string& opencc_data_dir) {
  const std::string config = data_file(opencc_data_dir, "t2s.json");
  const std::string characters = data_file(opencc_data_dir, "TSCharacters.ocd2");
  const std::string phrases = data_file(opencc_data_dir, "TSPhrases.ocd2");

  // The dictionaries and lexicons are held in locals: a range-for over a temporary's member would
  // outlive the temporary.
  const opencc::MarisaDictPtr character_dict = load_dict(characters);
  const opencc::LexiconPtr character_lexicon = character_dict->GetLexicon();
  for (const auto& entry : *character_lexicon) {
    const std::string key = entry->Key();
    const std::string value = entry->GetDefault();
    if (value == key) continue;
    const std::vector<long> cps = code_points(key);
    if (cps.size() == 1 && cps[0] >= 0) {
      set(cps[0], kByCharacter);
      simplified_.emplace_back(cps[0], value);
    } else {
      // TSCharacters holds single characters; a longer key is a phrase to OpenCC's segmentation.
      for (long cp : cps) set(cp, kPhraseOnly);
      set(cps[0], kStartsPhrase);
      phrase_keys_.push_back(key);
      max_phrase_chars_ = std::max(max_phrase_chars_, cps.size());
    }
  }
  // Phrases: their keys, to find them in a text, and the characters only a phrase changes
  // (沈 of 沈船 -> 沉船), so that a text holding one is not returned unchanged.
  const opencc::MarisaDictPtr phrase_dict = load_dict(phrases);
  const opencc::LexiconPtr phrase_lexicon = phrase_dict->GetLexicon();
  for (const auto& entry : *phrase_lexicon) {
    const std::string key = entry->Key();
    const std::vector<long> from = code_points(key);
    const std::vector<long> to = code_points(entry->GetDefault());
    for (std::size_t k = 0; k < from.size(); ++k) {
      if (from.size() != to.size() || from[k] != to[k]) set(from[k], kPhraseOnly);
    }
    if (!from.empty()) set(from[0], kStartsPhrase);
    phrase_keys_.push_back(key);
    max_phrase_chars_ = std::max(max_phrase_chars_, from.size());
  }
  std::sort(phrase_keys_.begin(), phrase_keys_.end());
  std::sort(simplified_.begin(), simplified_.end());
  try {
    converter_ = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load OpenCC configuration " + config + ": " + e.what());
  }
}

TraditionalFolder::~TraditionalFolder() = default;

void TraditionalFolder::set(long cp, Flag f) {
  if (cp < 0) return;
  const auto i = static_cast<std::size_t>(cp);
  if (i >= flags_.size()) flags_.resize(i + 1, 0);
  flags_[i] = static_cast<unsigned char>(flags_[i] | f);
}

bool TraditionalFolder::may_change(std::string_view text) const {
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if ((flags(st.cp) & (kByCharacter | kPhraseOnly)) != 0) return true;
    i += st.len;
  }
  return false;
}

std::string TraditionalFolder::fold_with_opencc(std::string_view valid_utf8) const {
  if (valid_utf8.empty()) return {};
  try {
    return converter_->Convert(valid_utf8.data(), valid_utf8.size());
  } catch (const std::exception&) {
    // OpenCC refuses only malformed UTF-8, which fold() cuts out; keep the text rather than lose it.
    return std::string(valid_utf8);
  }
}

bool TraditionalFolder::holds_phrase(std::string_view text) const {
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if ((flags(st.cp) & kStartsPhrase) != 0) {
      // Keys that could start here: the candidates of 2..max_phrase_chars_ characters.
      std::size_t end = i + st.len;
      for (std::size_t len = 2; len <= max_phrase_chars_ && end < text.size(); ++len) {
        end += utf8::decode(text, end).len;
        if (std::binary_search(phrase_keys_.begin(), phrase_keys_.end(), text.substr(i, end - i),
                               [](std::string_view x, std::string_view y) { return x < y; })) {
          return true;
        }
      }
    }
    i += st.len;
  }
  return false;
}

std::string TraditionalFolder::fold(std::string_view text) const {
  if (!may_change(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  if (!holds_phrase(text)) {
    // OpenCC's segmentation would make every character its own segment: fold them one by one.
    for (std::size_t i = 0; i < text.size();) {
      const utf8::Step st = utf8::decode(text, i);
      if ((flags(st.cp) & kByCharacter) != 0) {
        const auto it = std::lower_bound(simplified_.begin(), simplified_.end(), st.cp,
                                         [](const auto& e, long cp) { return e.first < cp; });
        out += it->second;
      } else {
        out += text.substr(i, st.len);
      }
      i += st.len;
    }
    return out;
  }
  std::size_t run = 0;  // start of the current run of valid UTF-8
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if (st.cp < 0) {
      out += fold_with_opencc(text.substr(run, i - run));
      out += text[i];
      run = i + 1;
    }
    i += st.len;
  }
  out += fold_with_opencc(text.substr(run));
  return out;
}

const TraditionalFolder& default_traditional_folder() {
  static const TraditionalFolder folder(MEDGW_OPENCC_DATA_DIR);
  return folder;
}

}  // namespace medgw::mpi
