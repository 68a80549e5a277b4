#include "mappings/mpi/chinese_name.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mappings/mpi/pinyin_table.hpp"
#include "mappings/mpi/traditional_folder.hpp"
#include "mappings/mpi/utf8.hpp"

namespace medgw::mpi {
namespace {

TEST(FoldToSimplified, TraditionalNamesBecomeSimplified) {
  EXPECT_EQ(fold_to_simplified("張偉"), "张伟");
  EXPECT_EQ(fold_to_simplified("歐陽修"), "欧阳修");
  EXPECT_EQ(fold_to_simplified("劉德華"), "刘德华");
  EXPECT_EQ(fold_to_simplified("陳麗華"), "陈丽华");
}

TEST(FoldToSimplified, SimplifiedAndOtherTextUnchanged) {
  EXPECT_EQ(fold_to_simplified("张伟"), "张伟");
  EXPECT_EQ(fold_to_simplified("Zhang Wei"), "Zhang Wei");
  EXPECT_EQ(fold_to_simplified(""), "");
  EXPECT_EQ(fold_to_simplified("张 伟 1980"), "张 伟 1980");
}

TEST(FoldToSimplified, PhraseAwareLikeOpenCC) {
  // The emperor's name keeps 乾 (qian); the word "dry" folds it to 干. A per-character table gets
  // one of them wrong.
  EXPECT_EQ(fold_to_simplified("乾隆"), "乾隆");
  EXPECT_EQ(fold_to_simplified("乾燥"), "干燥");
  // 沈 is a surname and stays; in 沈默 ("silence") it is the old form of 沉.
  EXPECT_EQ(fold_to_simplified("沈偉"), "沈伟");
  EXPECT_EQ(fold_to_simplified("沈默"), "沉默");
}

TEST(FoldToSimplified, InvalidUtf8KeptAroundConvertedText) {
  const std::string text = std::string("張") + '\xFF' + "偉";
  EXPECT_EQ(fold_to_simplified(text), std::string("张") + '\xFF' + "伟");
}

TEST(TraditionalFolder, MissingDataIsAClearError) {
  try {
    TraditionalFolder folder("/nonexistent/opencc");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/opencc/t2s.json"), std::string::npos) << what;
    EXPECT_NE(what.find("libopencc-data"), std::string::npos) << what;
  }
}

TEST(TraditionalFolder, ShortcutsAgreeWithOpenCC) {
  const TraditionalFolder& folder = default_traditional_folder();
  EXPECT_FALSE(folder.may_change("张伟王芳李娜"));
  EXPECT_TRUE(folder.may_change("張"));
  EXPECT_TRUE(folder.may_change("沈"));  // changed inside a phrase only
  // Every character of the unified and compatibility blocks alone, then random three-character
  // texts (names are that long), must fold exactly as OpenCC folds them.
  std::string one;
  int differ = 0;
  for (long cp = 0x3400; cp <= 0xFAFF; ++cp) {
    if (cp > 0x9FFF && cp < 0xF900) continue;
    one.clear();
    utf8::append(one, cp);
    if (folder.fold(one) != folder.fold_with_opencc(one)) ++differ;
  }
  EXPECT_EQ(differ, 0);
  std::uint64_t state = 12345;
  const auto next_cp = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return 0x4E00 + static_cast<long>((state >> 33) % (0x9FFF - 0x4E00 + 1));
  };
  for (int k = 0; k < 3000; ++k) {
    std::string text;
    for (int c = 0; c < 3; ++c) utf8::append(text, next_cp());
    EXPECT_EQ(folder.fold(text), folder.fold_with_opencc(text)) << text;
  }
  for (const char* text : {"乾隆", "乾燥", "沈默", "頭髮", "後來", "張偉", "歐陽修", "鍾離春"}) {
    EXPECT_EQ(folder.fold(text), folder.fold_with_opencc(text)) << text;
  }
}

TEST(TraditionalFolder, SafeFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 2000; ++i) {
        if (fold_to_simplified("歐陽張偉") != "欧阳张伟") ++wrong[static_cast<std::size_t>(t)];
        if (to_pinyin("劉德華") != "liu de hua") ++wrong[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

TEST(ToPinyin, SyllablesSeparatedBySpaces) {
  EXPECT_EQ(to_pinyin("张伟"), "zhang wei");
  EXPECT_EQ(to_pinyin("王小明"), "wang xiao ming");
  EXPECT_EQ(to_pinyin("欧阳修"), "ou yang xiu");
}

TEST(ToPinyin, HomophonesReadTheSame) {
  EXPECT_EQ(to_pinyin("张伟"), to_pinyin("章伟"));
  EXPECT_EQ(to_pinyin("李丽"), to_pinyin("李莉"));
  EXPECT_EQ(to_pinyin("王静"), to_pinyin("汪婧"));
  EXPECT_NE(to_pinyin("张伟"), to_pinyin("张卫东"));
}

TEST(ToPinyin, TraditionalReadsLikeSimplified) {
  EXPECT_EQ(to_pinyin("張偉"), "zhang wei");
  EXPECT_EQ(to_pinyin("劉德華"), to_pinyin("刘德华"));
}

TEST(ToPinyin, UmlautWrittenV) {
  EXPECT_EQ(to_pinyin("吕"), "lv");
  EXPECT_EQ(to_pinyin("女"), "nv");
  EXPECT_NE(to_pinyin("吕"), to_pinyin("卢"));
}

TEST(ToPinyin, NonHanTextCopiedLowerCased) {
  EXPECT_EQ(to_pinyin("Zhang Wei"), "zhang wei");
  EXPECT_EQ(to_pinyin("  ZHANG   WEI "), "zhang wei");
  EXPECT_EQ(to_pinyin("张Wei"), "zhang wei");
  EXPECT_EQ(to_pinyin("Ｚｈａｎｇ　伟"), "zhang wei");  // full-width letters and space
  EXPECT_EQ(to_pinyin("约翰·史密斯"), "yue han shi mi si");
  EXPECT_EQ(to_pinyin("张 伟"), "zhang wei");
  EXPECT_EQ(to_pinyin(""), "");
}

TEST(ToPinyin, TableCoversUnihan) {
  EXPECT_GT(han_pinyin_table_size(), 40000u);
  EXPECT_EQ(han_pinyin(U'〇'), "ling");
  EXPECT_EQ(han_pinyin(U'A'), "");
}

TEST(ToPinyinName, SurnameReadings) {
  EXPECT_EQ(to_pinyin("单"), "dan");
  EXPECT_EQ(to_pinyin_name("单", "伟"), "shan wei");
  EXPECT_EQ(to_pinyin_name("曾", "志伟"), "zeng zhi wei");
  EXPECT_EQ(to_pinyin_name("解", "放"), "xie fang");
  EXPECT_EQ(to_pinyin_name("区", "明"), "ou ming");
  EXPECT_EQ(to_pinyin_name("仇", "英"), "qiu ying");
  EXPECT_EQ(to_pinyin_name("朴", "智"), "piao zhi");
  EXPECT_EQ(to_pinyin_name("尉迟", "恭"), "yu chi gong");
  EXPECT_EQ(to_pinyin_name("万俟", "卨"), "mo qi xie");
  // The reading belongs to the surname only: 单 in a given name reads as usual.
  EXPECT_EQ(to_pinyin_name("王", "单"), "wang dan");
}

TEST(ToPinyinName, TraditionalAndPinyinFamilies) {
  EXPECT_EQ(to_pinyin_name("單", "偉"), "shan wei");
  EXPECT_EQ(to_pinyin_name("張", "偉"), "zhang wei");
  EXPECT_EQ(to_pinyin_name("Zhang", "Wei"), "zhang wei");
  EXPECT_EQ(to_pinyin_name("尉迟王", "芳"), "yu chi wang fang");
  EXPECT_EQ(to_pinyin_name("", "伟"), "wei");
}

TEST(SplitChineseName, SingleCharacterSurname) {
  const auto n = split_chinese_name("张伟");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, "张");
  EXPECT_EQ(n->given, "伟");
  const auto three = split_chinese_name("王小明");
  ASSERT_TRUE(three);
  EXPECT_EQ(three->family, "王");
  EXPECT_EQ(three->given, "小明");
}

TEST(SplitChineseName, CompoundSurnames) {
  for (const char* full : {"欧阳修", "司马光", "上官婉儿", "诸葛亮", "东方朔", "皇甫嵩", "尉迟恭", "公孙胜",
                           "慕容复", "长孙无忌", "宇文泰", "令狐冲", "夏侯惇"}) {
    const auto n = split_chinese_name(full);
    ASSERT_TRUE(n) << full;
    EXPECT_EQ(n->family.size(), 6u) << full;  // two characters of three bytes
  }
  const auto trad = split_chinese_name("歐陽修");
  ASSERT_TRUE(trad);
  EXPECT_EQ(trad->family, "歐陽");  // split as written, not as folded
  EXPECT_EQ(trad->given, "修");
}

TEST(SplitChineseName, TwoCharacterNameStartingLikeACompound) {
  // Nothing would be left for the given name: 欧 is the surname.
  const auto n = split_chinese_name("欧阳");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, "欧");
  EXPECT_EQ(n->given, "阳");
}

TEST(SplitChineseName, WhitespaceDroppedAndNonHanRefused) {
  const auto n = split_chinese_name(" 张　伟 ");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->family, "张");
  EXPECT_EQ(n->given, "伟");
  EXPECT_FALSE(split_chinese_name("Zhang Wei"));
  EXPECT_FALSE(split_chinese_name("约翰·史密斯"));
  EXPECT_FALSE(split_chinese_name(""));
  EXPECT_FALSE(split_chinese_name("张伟1"));
}

TEST(IsHanName, Cases) {
  EXPECT_TRUE(is_han_name("张伟"));
  EXPECT_TRUE(is_han_name("張偉"));
  EXPECT_TRUE(is_han_name("张"));
  EXPECT_TRUE(is_han_name("爱新觉罗溥仪"));
  EXPECT_TRUE(is_han_name("李〇"));
  EXPECT_FALSE(is_han_name("Zhang Wei"));
  EXPECT_FALSE(is_han_name("张Wei"));
  EXPECT_FALSE(is_han_name("   "));
  EXPECT_FALSE(is_han_name("中华人民共和国国务院"));  // too long to be a personal name
  EXPECT_FALSE(is_han_name("カタカナ"));
}

}  // namespace
}  // namespace medgw::mpi
