#include "redirector/counts_spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/harness/temp_dir.h"

namespace waymark {
namespace {

CountsBatch OddBatch() {
  CountsBatch b;
  b.id = NewBatchId();
  for (const std::string& path :
       {std::string("releases/a b%20c.iso"), std::string("tab\tand\nline.deb"),
        std::string("bad\xff\xfe.deb"), std::string("caf\xc3\xa9.iso")}) {
    b.rows.push_back({{"2026-12-01", path, 7, "DE"}, 3});
    b.downloads += 3;
  }
  b.rows.push_back({{"2026-12-02", "x", 0, "--"}, 1000000});
  b.downloads += 1000000;
  return b;
}

TEST(CountsSpoolTest, FilesHoldEveryBatchAndPathExactly) {
  CountsBatch a = OddBatch(), b = OddBatch();
  EXPECT_EQ(a.id.size(), 32u);
  EXPECT_NE(a.id, b.id);
  std::string text = EncodeSpool({&a, &b});
  std::vector<CountsBatch> back;
  Status s = DecodeSpool(text, &back);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].id, a.id);
  EXPECT_EQ(back[1].id, b.id);
  ASSERT_EQ(back[0].rows.size(), a.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(back[0].rows[i].key.path, a.rows[i].key.path);
    EXPECT_EQ(back[0].rows[i].key.day, a.rows[i].key.day);
    EXPECT_EQ(back[0].rows[i].key.mirror_id, a.rows[i].key.mirror_id);
    EXPECT_EQ(back[0].rows[i].key.country, a.rows[i].key.country);
    EXPECT_EQ(back[0].rows[i].downloads, a.rows[i].downloads);
  }
  EXPECT_EQ(back[0].downloads, a.downloads);
  EXPECT_GT(back[0].bytes, 0u);
  // One line per row: nothing in a path breaks the format.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 2 * (1 + 5) + 1);
}

TEST(CountsSpoolTest, AnythingButAWholeFileIsRefusedWithAReason) {
  CountsBatch a = OddBatch();
  const std::string good = EncodeSpool({&a});
  std::vector<CountsBatch> out;
  auto why = [&](const std::string& text) {
    Status s = DecodeSpool(text, &out);
    return s.ok() ? std::string("ok") : s.message();
  };
  EXPECT_EQ(why(good), "ok");
  EXPECT_NE(why(good.substr(0, good.size() - 1)).find("cut short"),
            std::string::npos);
  EXPECT_NE(why(good.substr(0, good.size() / 2)).find("cut short"),
            std::string::npos);
  std::string changed = good;
  changed[changed.find(" 3 ") + 1] = '4';
  EXPECT_NE(why(changed).find("checksum"), std::string::npos);
  EXPECT_NE(why("").find("header"), std::string::npos);
  EXPECT_NE(why(std::string(300, '\xff')).find("header"), std::string::npos);
  // Well-formed, checksum and all, but with a bad field: a hostile file.
  auto forged = [](const std::string& body) {
    std::string text = "waymark download counts 1\n" + body;
    // The checksum the encoder would write (FNV-1a, 64 bits).
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : text) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return text + "end " + hex + "\n";
  };
  std::string id(32, 'a');
  EXPECT_EQ(why(forged("batch " + id + " 1\n2026-12-01 1 DE 5 a.iso\n")), "ok");
  for (const std::string& body : std::vector<std::string>{
           "batch " + id + " 2\n2026-12-01 1 DE 5 a.iso\n",     // a row short
           "batch " + id + " 1\n2026-12-01 1 de 5 a.iso\n",     // country
           "batch " + id + " 1\n2026-12-01 1 DE 0 a.iso\n",     // no download
           "batch " + id + " 1\n2026-12-01 -1 DE 5 a.iso\n",    // mirror
           "batch " + id + " 1\n2026-13 1 DE 5 a.iso\n",        // day
           "batch " + id + " 1\n2026-12-01 1 DE 5 a%zz.iso\n",  // escape
           "batch " + id + " 1\n2026-12-01 1 DE 5 \n",          // no path
           "batch " + id + " 1\n2026-12-01 1 DE 5 a.iso extra\n",
           "batch " + id + " 1\n2026-12-01 1 DE 99999999999999999999 a\n",
           std::string("batch ../etc/passwd 1\n2026-12-01 1 DE 5 a.iso\n"),
           "batch " + id + " 0\n",  // no rows
           std::string(""),         // no batch
       }) {
    EXPECT_NE(why(forged(body)), "ok") << body;
    EXPECT_EQ(why(forged(body)).find('\n'), std::string::npos);
  }
}

TEST(CountsSpoolTest, SplitHalvesHaveDerivedIdsAndShareTheRows) {
  CountsBatch whole = OddBatch();
  std::string id = whole.id;
  whole.bytes = 1000;
  CountsBatch a, b;
  SplitBatch(std::move(whole), &a, &b);
  EXPECT_EQ(a.id, id + ".0");
  EXPECT_EQ(b.id, id + ".1");
  EXPECT_EQ(a.rows.size() + b.rows.size(), 5u);
  EXPECT_EQ(a.downloads + b.downloads, 12 + 1000000);
  EXPECT_EQ(a.bytes + b.bytes, 1000u);
  // Derived ids survive the spool.
  CountsBatch c, d;
  SplitBatch(std::move(a), &c, &d);
  std::vector<CountsBatch> back;
  ASSERT_TRUE(DecodeSpool(EncodeSpool({&c, &d, &b}), &back).ok());
  EXPECT_EQ(back[0].id, id + ".0.0");
  EXPECT_EQ(back[1].id, id + ".0.1");
}

TEST(CountsSpoolTest, TheDirectoryIsMadeOrItsProblemSaidInOneLine) {
  test::TempDir dir;
  EXPECT_TRUE(CountsSpool::Check(dir / "spool").ok());
  struct stat st;
  ASSERT_EQ(stat((dir / "spool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(CountsSpool::Check(dir / "spool").ok()) << "there already";
  Status s = CountsSpool::Check(dir / "missing/spool");
  EXPECT_EQ(s.message(), "redirector.spool_dir: " + (dir / "missing/spool") +
                             ": missing, and cannot be made: No such file or "
                             "directory");
  dir.Write("file", "x");
  EXPECT_EQ(CountsSpool::Check(dir / "file").message(),
            "redirector.spool_dir: " + (dir / "file") + ": not a directory");
  EXPECT_EQ(CountsSpool::Check("spool").message(),
            "redirector.spool_dir: spool: not an absolute path");
}

TEST(CountsSpoolTest, PutRefusesToGrowBeyondItsLimit) {
  test::TempDir dir;
  CountsBatch a = OddBatch();
  size_t one = EncodeSpool({&a}).size();
  CountsSpool spool(dir.path(), static_cast<long long>(one * 2 + 10));
  EXPECT_TRUE(spool.Put({&a}).ok());
  EXPECT_TRUE(spool.Put({&a}).ok());
  Status s = spool.Put({&a});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is full"), std::string::npos) << s.message();
  int files = 0;
  EXPECT_EQ(spool.UsedBytes(&files), static_cast<long long>(2 * one));
  EXPECT_EQ(files, 2);
  // Taken oldest first, each once while locked.
  CountsSpool::File f1, f2, f3;
  std::vector<std::string> problems;
  ASSERT_TRUE(spool.TakeOldest(&f1, &problems));
  ASSERT_TRUE(spool.TakeOldest(&f2, &problems)) << "the other one";
  EXPECT_NE(f1.path, f2.path);
  EXPECT_LT(f1.path, f2.path);
  EXPECT_FALSE(spool.TakeOldest(&f3, &problems)) << "both are locked";
  spool.Delete(&f1);
  f2.fd.reset();  // released, not delivered
  ASSERT_TRUE(spool.TakeOldest(&f3, &problems));
  EXPECT_EQ(f3.path, f2.path);
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace waymark
