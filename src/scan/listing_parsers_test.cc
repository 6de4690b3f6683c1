#include "scan/listing_parsers.h"

#include <gtest/gtest.h>

namespace waymark {
namespace {

struct Accept {
  const char* line;
  EntryType type;
  const char* path;
  long long size;
  long long mtime;
};

struct RejectCase {
  const char* line;
  const char* why;
};

constexpr long long kT = 1762000000;  // 2025-11-01 12:26:40 UTC

TEST(ParseRsyncLineTest, AcceptsListOnlyLines) {
  const Accept cases[] = {
      {"-rw-r--r--          4096 2026/11/01 10:00:00 pub/file.iso",
       EntryType::kFile, "pub/file.iso", 4096, 1793527200},
      {"drwxr-xr-x          4096 2026/11/01 10:00:00 pub",
       EntryType::kDirectory, "pub", 4096, 1793527200},
      {"-rw-r--r--             0 1970/01/01 00:00:00 a b  c", EntryType::kFile,
       "a b  c", 0, 0},
      {"-rw-r--r--         4,096 2026/11/01 10:00:00 x", EntryType::kFile, "x",
       4096, 1793527200},
      {"-rw-r--r--             5 2026/11/01 10:00:00 caf\\#303\\#251",
       EntryType::kFile, "caf\xc3\xa9", 5, 1793527200},
  };
  for (const auto& c : cases) {
    ListingEntry e;
    std::string why;
    ASSERT_EQ(ParseRsyncLine(c.line, &e, &why), ParseResult::kEntry)
        << c.line << ": " << why;
    EXPECT_EQ(e.type, c.type) << c.line;
    EXPECT_EQ(e.path, c.path) << c.line;
    EXPECT_EQ(e.size, c.size) << c.line;
    EXPECT_EQ(e.mtime, c.mtime) << c.line;
    EXPECT_EQ(e.mtime_slack, 0) << c.line;
  }
}

TEST(ParseRsyncLineTest, SkipsDotSymlinksAndBlankLines) {
  for (const char* line :
       {"drwxr-xr-x          4096 2026/11/01 10:00:00 .", "",
        "lrwxrwxrwx             9 2026/11/01 10:00:00 latest"}) {
    ListingEntry e;
    std::string why;
    EXPECT_EQ(ParseRsyncLine(line, &e, &why), ParseResult::kSkip) << line;
  }
}

TEST(ParseRsyncLineTest, RejectsHostileAndMalformedLines) {
  const RejectCase cases[] = {
      {"-rw-r--r--          4096 2026/11/01 10:00:00 ../etc/passwd",
       "name with a '.' or '..' segment"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 a/../../b",
       "name with a '.' or '..' segment"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 /etc/passwd",
       "absolute name"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 evil\\#012name",
       "name with CR or LF"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 evil\\#015name",
       "name with CR or LF"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 nul\\#000",
       "name with NUL"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 esc\\#033[31m",
       "name with a control character"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 a//b",
       "empty path segment"},
      {"-rw-r--r-- 99999999999999999999 2026/11/01 10:00:00 big",
       "bad or absurd size"},
      {"-rw-r--r-- 1125899906842625 2026/11/01 10:00:00 big",
       "bad or absurd size"},
      {"-rw-r--r--          -1 2026/11/01 10:00:00 neg", "bad or absurd size"},
      {"-rw-r--r--          4096 2026/13/01 10:00:00 x", "bad date"},
      {"-rw-r--r--          4096 2026/11/01 25:00:00 x", "bad date"},
      {"-rw-r--r--          4096 2026/11/01", "too few fields"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00", "no name"},
      {"garbage", "too few fields"},
      {"-rw-r--r--          4096 2026/11/01 10:00:00 x\r", "line ends in CR"},
      {"-rw          4096 2026/11/01 10:00:00 x", "bad mode field"},
  };
  for (const auto& c : cases) {
    ListingEntry e;
    std::string why;
    EXPECT_EQ(ParseRsyncLine(c.line, &e, &why), ParseResult::kReject) << c.line;
    EXPECT_EQ(why, c.why) << c.line;
  }
}

TEST(ParseFtpListLineTest, UnixAndDosLines) {
  const Accept cases[] = {
      {"-rw-r--r--    1 0        0            4096 Nov 01 10:00 file.iso",
       EntryType::kFile, "file.iso", 4096, 1761991200},
      {"-rw-r--r--    1 ftp      ftp          4096 Jan 05  2024 old file",
       EntryType::kFile, "old file", 4096, 1704412800},
      {"drwxr-xr-x    2 0        0            4096 Oct 30 09:00 pub",
       EntryType::kDirectory, "pub", 4096, 1761814800},
      {"-rw-r--r-- 1 owner 12 Oct 30 09:00 nogroup", EntryType::kFile,
       "nogroup", 12, 1761814800},
      {"11-01-25  10:00AM                 4096 dos.iso", EntryType::kFile,
       "dos.iso", 4096, 1761991200},
      {"11-01-25  02:30PM       <DIR>          sub", EntryType::kDirectory,
       "sub", -1, 1762007400},
  };
  for (const auto& c : cases) {
    ListingEntry e;
    std::string why;
    ASSERT_EQ(ParseFtpListLine(c.line, kT, &e, &why), ParseResult::kEntry)
        << c.line << ": " << why;
    EXPECT_EQ(e.type, c.type) << c.line;
    EXPECT_EQ(e.path, c.path) << c.line;
    EXPECT_EQ(e.size, c.size) << c.line;
    EXPECT_EQ(e.mtime, c.mtime) << c.line;
    EXPECT_GE(e.mtime_slack, 86400) << c.line;  // time zone unknown
  }
  ListingEntry e;
  std::string why;
  EXPECT_EQ(ParseFtpListLine("total 12", kT, &e, &why), ParseResult::kSkip);
  EXPECT_EQ(
      ParseFtpListLine("lrwxrwxrwx 1 0 0 9 Nov 01 10:00 l -> x", kT, &e, &why),
      ParseResult::kSkip);
  const RejectCase rejects[] = {
      {"-rw-r--r--    1 0        0            4096 Nov 01 10:00 ..",
       ""},  // skipped, see below
      {"-rw-r--r--    1 0        0            4096 Nov 01 10:00 a\x01",
       "name with a control character"},
      {"-rw-r--r--    1 0        0    1125899906842625 Nov 01 10:00 big",
       "bad or absurd size"},
      {"-rw-r--r--    1 0        0            4096 Foo 01 10:00 x", "no date"},
      {"-rw-r--r--    1 0        0            4096 Nov 01 10:00", "no name"},
      {"nonsense line here at all", "not a LIST line"},
  };
  for (const auto& c : rejects) {
    ListingEntry e2;
    std::string w;
    ParseResult r = ParseFtpListLine(c.line, kT, &e2, &w);
    if (std::string(c.why).empty()) {
      EXPECT_EQ(r, ParseResult::kSkip) << c.line;
    } else {
      EXPECT_EQ(r, ParseResult::kReject) << c.line;
      EXPECT_EQ(w, c.why) << c.line;
    }
  }
}

TEST(ParseMlsdLineTest, Facts) {
  ListingEntry e;
  std::string why;
  ASSERT_EQ(
      ParseMlsdLine("type=file;size=4096;modify=20261101100000; a file.iso", &e,
                    &why),
      ParseResult::kEntry);
  EXPECT_EQ(e.path, "a file.iso");
  EXPECT_EQ(e.size, 4096);
  EXPECT_EQ(e.mtime, 1793527200);
  EXPECT_EQ(e.mtime_slack, 0);
  ASSERT_EQ(ParseMlsdLine("Type=dir;Modify=20261101100000.123; sub", &e, &why),
            ParseResult::kEntry);
  EXPECT_EQ(e.type, EntryType::kDirectory);
  EXPECT_EQ(ParseMlsdLine("type=cdir; .", &e, &why), ParseResult::kSkip);
  EXPECT_EQ(ParseMlsdLine("type=file;size=1; ../x", &e, &why),
            ParseResult::kReject);
  EXPECT_EQ(why, "name with a '.' or '..' segment");
  EXPECT_EQ(ParseMlsdLine("size=1; x", &e, &why), ParseResult::kReject);
  EXPECT_EQ(why, "no type fact");
  EXPECT_EQ(ParseMlsdLine("type=file; x", &e, &why), ParseResult::kReject);
  EXPECT_EQ(why, "file without a size");
}

TEST(ParseHtmlIndexTest, NginxAutoindex) {
  const char* page =
      "<html>\r\n<head><title>Index of /pub/</title></head>\r\n<body>\r\n"
      "<h1>Index of /pub/</h1><hr><pre><a href=\"../\">../</a>\r\n"
      "<a href=\"sub/\">sub/</a>                                               "
      "01-Nov-2026 10:00"
      "                   -\r\n"
      "<a href=\"a%20b.iso\">a b.iso</a>                                       "
      "01-Nov-2026 10:00"
      "                4096\r\n"
      "<a href=\"x&amp;y.txt\">x&amp;y.txt</a>                                 "
      "02-Nov-2026 11:30"
      "                  12\r\n"
      "</pre><hr></body>\r\n</html>\r\n";
  HtmlIndex idx = ParseHtmlIndex(page);
  ASSERT_EQ(idx.entries.size(), 3u);
  EXPECT_EQ(idx.rejected, 0u);
  EXPECT_EQ(idx.entries[0].type, EntryType::kDirectory);
  EXPECT_EQ(idx.entries[0].path, "sub");
  EXPECT_EQ(idx.entries[1].path, "a b.iso");
  EXPECT_EQ(idx.entries[1].size, 4096);
  EXPECT_TRUE(idx.entries[1].size_exact);
  EXPECT_EQ(idx.entries[1].mtime, 1793527200);
  EXPECT_EQ(idx.entries[1].mtime_slack, 60);
  EXPECT_EQ(idx.entries[2].path, "x&y.txt");
  EXPECT_EQ(idx.entries[2].size, 12);
}

// A real mirror's directory can hold 200k files; the page is parsed whole,
// every entry as in a small page. (How long it takes is `make bench`'s
// figure: this parser was quadratic, 123 s for 80k entries.)
TEST(ParseHtmlIndexTest, LargePagesParseWhole) {
  std::string page =
      "<html><body><h1>Index of /pub/</h1><hr><pre><a href=\"../\">../</a>\n";
  const int kFiles = 200000;
  for (int i = 0; i < kFiles; ++i) {
    std::string n = "f&amp;" + std::to_string(i) + ".iso";
    page += "<a href=\"" + n + "\">" + n + "</a>      01-Nov-2026 10:00      " +
            std::to_string(i) + "\n";
  }
  page += "</pre><hr></body></html>\n";
  HtmlIndex idx = ParseHtmlIndex(page);
  ASSERT_EQ(idx.entries.size(), static_cast<size_t>(kFiles));
  EXPECT_EQ(idx.rejected, 0u);
  for (int i : {0, 1, 4095, 123456, kFiles - 1}) {
    EXPECT_EQ(idx.entries[i].path, "f&" + std::to_string(i) + ".iso");
    EXPECT_EQ(idx.entries[i].size, i);
  }
}

// What made it quadratic: searching the rest of the page, per link, for
// text that is not there (the other case of "<a", "</tr>", the ';' of an
// entity). Such pages still parse as before.
TEST(ParseHtmlIndexTest, PagesWithoutRowEndsOrEntityEnds) {
  std::string page =
      "<A href=\"a.iso\">a.iso</A> 01-Nov-2026 10:00 5<a href=\"b/\">b/</a> "
      "01-Nov-2026 10:00 -";
  page += std::string(100, '&');
  HtmlIndex idx = ParseHtmlIndex(page);
  ASSERT_EQ(idx.entries.size(), 2u);
  EXPECT_EQ(idx.entries[0].path, "a.iso");
  EXPECT_EQ(idx.entries[0].size, 5);
  EXPECT_EQ(idx.entries[1].path, "b");
  EXPECT_EQ(idx.entries[1].type, EntryType::kDirectory);
  // An entity-like run longer than an entity is text.
  HtmlIndex amp =
      ParseHtmlIndex("<a href=\"x&abcdefghij;y\">x</a> 01-Nov-2026 10:00 1\n");
  ASSERT_EQ(amp.entries.size(), 1u);
  EXPECT_EQ(amp.entries[0].path, "x&abcdefghij;y");
}

TEST(ParseHtmlIndexTest, ApacheAndLighttpd) {
  const char* apache =
      "<table>\n<tr><th><a href=\"?C=N;O=D\">Name</a></th></tr>\n"
      "<tr><td valign=\"top\"><img src=\"/icons/back.gif\"></td><td><a "
      "href=\"/pub/\">Parent "
      "Directory</a></td><td>&nbsp;</td><td align=\"right\">  - </td></tr>\n"
      "<tr><td><a href=\"big.iso\">big.iso</a></td><td "
      "align=\"right\">2026-11-01 10:00  </td>"
      "<td align=\"right\">4.2M</td><td>&nbsp;</td></tr>\n"
      "<tr><td><a href=\"small\">small</a></td><td align=\"right\">2026-11-01 "
      "10:00  </td>"
      "<td align=\"right\">512 </td></tr>\n"
      "</table><address>Apache/2.4 Server</address>\n";
  HtmlIndex idx = ParseHtmlIndex(apache);
  ASSERT_EQ(idx.entries.size(), 2u);
  EXPECT_EQ(idx.entries[0].path, "big.iso");
  EXPECT_FALSE(idx.entries[0].size_exact);
  EXPECT_EQ(idx.entries[0].size, 4404019);
  EXPECT_EQ(idx.entries[0].mtime_slack, 86400 + 60);
  EXPECT_EQ(idx.entries[1].size, 512);
  EXPECT_TRUE(idx.entries[1].size_exact);

  const char* lighttpd =
      "<table summary=\"Directory Listing\">\n"
      "<tr class=\"d\"><td class=\"n\"><a href=\"../\">Parent "
      "Directory</a>/</td></tr>\n"
      "<tr class=\"d\"><td class=\"n\"><a href=\"sub/\">sub</a>/</td><td "
      "class=\"m\">2026-Nov-01 "
      "10:00:00</td><td class=\"s\">- &nbsp;</td><td "
      "class=\"t\">Directory</td></tr>\n"
      "<tr><td class=\"n\"><a href=\"f.deb\">f.deb</a></td><td "
      "class=\"m\">2026-Nov-01 "
      "10:00:00</td><td class=\"s\">1.5K</td><td "
      "class=\"t\">application/octet-stream</td></tr>\n"
      "</table>\n";
  idx = ParseHtmlIndex(lighttpd);
  ASSERT_EQ(idx.entries.size(), 2u);
  EXPECT_EQ(idx.entries[0].type, EntryType::kDirectory);
  EXPECT_EQ(idx.entries[0].path, "sub");
  EXPECT_EQ(idx.entries[1].path, "f.deb");
  EXPECT_EQ(idx.entries[1].size, 1536);
  EXPECT_FALSE(idx.entries[1].size_exact);
  EXPECT_EQ(idx.entries[1].mtime, 1793527200);
}

TEST(ParseHtmlIndexTest, LinksThatLeaveTheDirectoryAreNotEntries) {
  const char* page =
      "<pre><a href=\"../\">../</a>\n"
      "<a href=\"/etc/passwd\">abs</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"http://evil.example/x\">x</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"a/b\">a/b</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"..%2Fetc\">..%2Fetc</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"%0d%0aSet-Cookie:x\">crlf</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"%zz\">bad</a>   01-Nov-2026 10:00   1\n"
      "<a href=\"ok\">ok</a>   01-Nov-2026 10:00   999999999999999999999\n"
      "<a href=\"README\">README</a>\n"
      "</pre>";
  HtmlIndex idx = ParseHtmlIndex(page);
  EXPECT_EQ(idx.entries.size(), 0u);
  EXPECT_EQ(idx.rejected, 5u);
  EXPECT_EQ(idx.reject_reasons,
            (std::vector<std::string>{
                "link to another directory", "link to another directory",
                "name with CR or LF", "bad percent-encoding in a link",
                "file link without a size"}));
}

TEST(CheckListingPathTest, Table) {
  EXPECT_EQ(CheckListingPath("a/b.iso"), "");
  EXPECT_EQ(CheckListingPath(""), "empty name");
  EXPECT_EQ(CheckListingPath(std::string(4097, 'a')),
            "name longer than 4096 bytes");
  EXPECT_EQ(CheckListingPath("a/./b"), "name with a '.' or '..' segment");
  EXPECT_EQ(CheckListingPath(std::string("a\0b", 3)), "name with NUL");
  EXPECT_EQ(CheckListingPath("a\x7f"), "name with a control character");
  EXPECT_EQ(CheckListingPath("pub/caf\xe9.iso"),
            "name that is not valid UTF-8");
  EXPECT_EQ(CheckListingPath("pub/caf\xc3\xa9.iso"), "");
}

// The same rule in every parser: a mirror's listing with a Latin-1 name
// rejects that line and keeps the others.
TEST(CheckListingPathTest, ParsersRejectNamesThatAreNotUtf8) {
  ListingEntry e;
  std::string why;
  EXPECT_EQ(ParseRsyncLine(
                "-rw-r--r--          4096 2026/11/01 10:00:00 pub/caf\xe9.iso",
                &e, &why),
            ParseResult::kReject);
  EXPECT_EQ(why, "name that is not valid UTF-8");
  EXPECT_EQ(ParseMlsdLine("type=file;size=4;modify=20261101100000; caf\xe9.iso",
                          &e, &why),
            ParseResult::kReject);
  EXPECT_EQ(why, "name that is not valid UTF-8");
  HtmlIndex idx = ParseHtmlIndex(
      "<a href=\"caf%E9.iso\">x</a> 01-Nov-2026 10:00 4\n"
      "<a href=\"ok.iso\">ok.iso</a> 01-Nov-2026 10:00 4\n");
  ASSERT_EQ(idx.entries.size(), 1u);
  EXPECT_EQ(idx.entries[0].path, "ok.iso");
  EXPECT_EQ(idx.rejected, 1u);
  ASSERT_EQ(idx.reject_reasons.size(), 1u);
  EXPECT_EQ(idx.reject_reasons[0], "name that is not valid UTF-8");
}

}  // namespace
}  // namespace waymark
