#pragma once
// Chinese names for matching (DESIGN.md, "The master patient index": "pinyin and
// simplified/traditional folding for Chinese names"). Two records of one person may spell the name
// in traditional characters (張偉), with a same-sound character chosen by a clerk typing pinyin
// (章伟), or in pinyin letters (Zhang Wei); these functions bring all three to comparable forms.
//
// All functions take and return UTF-8 and never throw on the data path, except that the first call
// of fold_to_simplified / to_pinyin* loads OpenCC's data and throws std::runtime_error when it is
// not installed (see traditional_folder.hpp: call default_traditional_folder() at start-up).
#include <optional>
#include <string>
#include <string_view>

namespace medgw::mpi {

// Traditional characters to simplified (OpenCC t2s, phrase-aware); other text unchanged.
// "張偉" -> "张伟". Costs one table look-up per character when nothing needs folding.
std::string fold_to_simplified(std::string_view utf8);

// Each Han character to its toneless pinyin, syllables separated by single spaces: "张伟" ->
// "zhang wei"; same-sound characters give the same text (张 and 章 are both "zhang"). The text is
// folded to simplified first, so traditional characters read the same. The reading is the most
// customary one (Unihan kMandarin, mainland preference); u-umlaut is written "v" (吕 "lv", 女
// "nv"). Non-Han text is copied, lower-cased (full-width ASCII made half-width), as one token per
// run: "Zhang Wei" -> "zhang wei", "张Wei" -> "zhang wei". Whitespace and the middle dots of
// transliterated names (·) separate tokens; a Han character without a reading stays as itself.
std::string to_pinyin(std::string_view utf8);

// As to_pinyin(family + " " + given), but the family name is read as a surname where a surname's
// reading differs from the character's usual one: 单 shan (not dan), 曾 zeng, 解 xie, 区 ou, 仇 qiu,
// 朴 piao, 查 zha, 盖 ge, 缪 miao, 覃 qin, 翟 zhai, 万俟 mo qi, 尉迟 yu chi, ... "单" + "伟" ->
// "shan wei".
std::string to_pinyin_name(std::string_view family, std::string_view given);

struct ChineseName {
  std::string family;  // the surname as written (traditional stays traditional)
  std::string given;   // may be empty (a one-character text)
};

// Splits a full name written family-name first: a compound surname (欧阳, 司马, 上官, 诸葛, ...,
// also in traditional form) when at least one character follows it, else the first character.
// Whitespace inside the name is dropped ("张 伟" -> 张 / 伟). nullopt when is_han_name() is false.
std::optional<ChineseName> split_chinese_name(std::string_view full);

// True when the text, trimmed and with inner whitespace ignored, is 1 to 8 Han characters and
// nothing else. Transliterated names with a middle dot (约翰·史密斯) and mixed text are not: they
// do not follow the surname-first pattern.
bool is_han_name(std::string_view text);

}  // namespace medgw::mpi
