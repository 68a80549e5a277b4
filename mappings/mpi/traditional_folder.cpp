#include "mappings/mpi/traditional_folder.hpp"

#include <opencc/Exception.hpp>
#include <opencc/Lexicon.hpp>
#include <opencc/MarisaDict.hpp>
#include <opencc/SimpleConverter.hpp>

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

void mark(std::vector<bool>& set, long cp) {
  if (cp < 0) return;
  if (static_cast<std::size_t>(cp) >= set.size()) set.resize(static_cast<std::size_t>(cp) + 1, false);
  set[static_cast<std::size_t>(cp)] = true;
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
    if (entry->GetDefault() != entry->Key()) {
      for (long cp : code_points(entry->Key())) mark(changeable_, cp);
    }
  }
  // A phrase entry can change a character that is its own simplified form elsewhere (沈船 -> 沉船):
  // such characters must take the slow path too, or the fast path would differ from OpenCC.
  const opencc::MarisaDictPtr phrase_dict = load_dict(phrases);
  const opencc::LexiconPtr phrase_lexicon = phrase_dict->GetLexicon();
  for (const auto& entry : *phrase_lexicon) {
    const std::vector<long> from = code_points(entry->Key());
    const std::vector<long> to = code_points(entry->GetDefault());
    for (std::size_t k = 0; k < from.size(); ++k) {
      if (k >= to.size() || from[k] != to[k] || from.size() != to.size()) mark(changeable_, from[k]);
    }
  }
  try {
    converter_ = std::make_unique<opencc::SimpleConverter>(config);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load OpenCC configuration " + config + ": " + e.what());
  }
}

TraditionalFolder::~TraditionalFolder() = default;

bool TraditionalFolder::may_change(long cp) const {
  return cp >= 0 && static_cast<std::size_t>(cp) < changeable_.size() && changeable_[static_cast<std::size_t>(cp)];
}

bool TraditionalFolder::may_change(std::string_view text) const {
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if (may_change(st.cp)) return true;
    i += st.len;
  }
  return false;
}

std::string TraditionalFolder::convert(std::string_view valid_utf8) const {
  if (valid_utf8.empty()) return {};
  try {
    return converter_->Convert(valid_utf8.data(), valid_utf8.size());
  } catch (const std::exception&) {
    // OpenCC refuses only malformed UTF-8, which the caller has cut out; keep the text rather
    // than lose it.
    return std::string(valid_utf8);
  }
}

std::string TraditionalFolder::fold(std::string_view text) const {
  if (!may_change(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t run = 0;  // start of the current run of valid UTF-8
  for (std::size_t i = 0; i < text.size();) {
    const utf8::Step st = utf8::decode(text, i);
    if (st.cp < 0) {
      out += convert(text.substr(run, i - run));
      out += text[i];
      run = i + 1;
    }
    i += st.len;
  }
  out += convert(text.substr(run));
  return out;
}

const TraditionalFolder& default_traditional_folder() {
  static const TraditionalFolder folder(MEDGW_OPENCC_DATA_DIR);
  return folder;
}

}  // namespace medgw::mpi
