#pragma once
// The toneless pinyin of one Han character, from a table generated at build time from the Unihan
// database of Debian's unicode-data package (gen_pinyin_table.py): the reading Unihan's kMandarin
// calls most customary in mainland China, lower case, u-umlaut written "v". Looked up by
// chinese_name.cpp; callers outside it want to_pinyin().
#include <cstddef>
#include <string_view>

namespace medgw::mpi {

// "" when the character has no Mandarin reading in Unihan (or is not Han).
std::string_view han_pinyin(char32_t cp);

// How many characters the table knows (for tests: a truncated table is a broken build).
std::size_t han_pinyin_table_size();

}  // namespace medgw::mpi
