// How the HTML index parser's time grows with a page's size: nginx
// autoindex and Apache pages of 10k to 200k entries, parsed whole. Linear
// means the time per entry stays flat; the target is a 200k-entry page in
// under 2 s (it was quadratic: 80k entries took 123 s).
#include <chrono>
#include <cstdio>
#include <string>

#include "scan/listing_parsers.h"

namespace {

std::string NginxPage(int n) {
  std::string page =
      "<html><head><title>Index of /pub/</title></head><body><h1>Index of "
      "/pub/</h1><hr><pre>"
      "<a href=\"../\">../</a>\n";
  for (int i = 0; i < n; ++i) {
    std::string name = "package-" + std::to_string(i) + "_1.0_amd64.deb";
    page += "<a href=\"" + name + "\">" + name + "</a>" + std::string(20, ' ') +
            "01-Nov-2026 10:00" + std::string(12, ' ') +
            std::to_string(1000 + i) + "\n";
  }
  return page + "</pre><hr></body></html>\n";
}

std::string ApachePage(int n) {
  std::string page = "<html><body><h1>Index of /pub</h1><table>\n";
  for (int i = 0; i < n; ++i) {
    std::string name = "package-" + std::to_string(i) + "_1.0_amd64.deb";
    page += "<tr><td><a href=\"" + name + "\">" + name +
            "</a></td><td align=\"right\">2026-11-01 10:00  </td><td "
            "align=\"right\">4.0K</td></tr>\n";
  }
  return page + "</table><address>Apache</address></body></html>\n";
}

double Seconds(const std::string& page, size_t* entries) {
  auto t0 = std::chrono::steady_clock::now();
  waymark::HtmlIndex idx = waymark::ParseHtmlIndex(page);
  *entries = idx.entries.size();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

int main() {
  int fail = 0;
  for (auto [kind, make] :
       {std::pair{"nginx", &NginxPage}, std::pair{"Apache", &ApachePage}}) {
    double first_per_entry = 0, last = 0, last_per_entry = 0;
    for (int n : {10000, 20000, 40000, 80000, 200000}) {
      std::string page = make(n);
      size_t entries = 0;
      double s = Seconds(page, &entries);
      double per_entry = s / n;
      if (first_per_entry == 0) first_per_entry = per_entry;
      last = s;
      last_per_entry = per_entry;
      printf("%-6s %6d entries (%5.1f MB): %.3f s, %.2f us per entry%s\n", kind,
             n, page.size() / 1e6, s, per_entry * 1e6,
             entries == static_cast<size_t>(n) ? "" : "  (WRONG entry count)");
      if (entries != static_cast<size_t>(n)) fail = 1;
    }
    printf(
        "%-6s time per entry at 200k / at 10k: %.2fx (linear: about 1); 200k "
        "entries in %.3f s "
        "(target under 2 s): %s\n",
        kind, last_per_entry / first_per_entry, last,
        last < 2.0 ? "met" : "MISSED");
  }
  return fail;
}
