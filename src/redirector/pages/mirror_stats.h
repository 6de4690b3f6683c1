// The mirror statistics page (/mirrorstats) and its JSON (/mirrorstats?json):
// every mirror with its state and since when, why it is down, trace lag,
// last scan and its result, the share of the repository it holds and its
// downloads today, with the world map. Pure code.
#ifndef WAYMARK_REDIRECTOR_PAGES_MIRROR_STATS_H_
#define WAYMARK_REDIRECTOR_PAGES_MIRROR_STATS_H_

#include <string>
#include <vector>

#include "core/model/selection.h"
#include "core/store/mirror_report.h"
#include "redirector/pages/page.h"

namespace waymark {

struct MirrorStatsData {
  const std::vector<MirrorStatus>* mirrors = nullptr;  // by name
  DataAge data;                                        // of `mirrors`
  // The worker's last report, read at `report_as_of`; nullptr when it has
  // none (being computed, or the database is away: data.suspect). The page
  // then says so and shows what the worker has in memory.
  const RepositoryReport* report = nullptr;
  std::string report_as_of;  // UTC "YYYY-MM-DD HH:MM:SS"
  std::string generated_at;  // UTC "YYYY-MM-DD HH:MM:SS"
};

std::string MirrorStatsHtml(const MirrorStatsData& d);
std::string MirrorStatsJson(const MirrorStatsData& d);

}  // namespace waymark

#endif  // WAYMARK_REDIRECTOR_PAGES_MIRROR_STATS_H_
