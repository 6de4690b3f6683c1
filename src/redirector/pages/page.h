// The frame of the redirector's HTML pages (mirror list, mirror stats):
// well-formed XHTML-compatible HTML5 with inline CSS, readable on a phone,
// no JavaScript and nothing fetched from elsewhere. Pure code.
#ifndef WAYMARK_REDIRECTOR_PAGES_PAGE_H_
#define WAYMARK_REDIRECTOR_PAGES_PAGE_H_

#include <string>

namespace waymark {

// From the doctype to the opening <main>; `title` is plain text.
std::string PageHead(const std::string& title);
// Closes what PageHead opened, with a "generated at" line.
std::string PageFoot(const std::string& generated_at);
// How current the data behind a page is: the worker answers from what its
// last successful refresh read (redirector/inventory_cache.h).
struct DataAge {
  std::string as_of;     // UTC "YYYY-MM-DD HH:MM:SS"; "" when none yet
  bool suspect = false;  // the last refresh failed or is overdue
  // The node (redirector.node), what it reads ("primary", "hot standby,
  // streaming"...; "" before a first refresh) and how old its view is in
  // seconds (negative: unknown); stale: past redirector.max_inventory_age,
  // `max_age` seconds (0: no limit).
  std::string node;
  std::string view;
  double age_seconds = 0;
  bool stale = false;
  long long max_age = 0;
};
// A paragraph for an HTML page: "Data as of ...", or that it may be out of
// date and why.
std::string DataAgeHtml(const DataAge& age);
// A paragraph naming the node and how old its view is, marked stale past
// the limit: "Node fra-edge (hot standby, streaming): inventory 0 s old."
std::string NodeHtml(const DataAge& age);
// "4.0 KiB", "1.2 GiB", "512 bytes".
std::string HumanSize(long long bytes);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_PAGES_PAGE_H_
