// `waymark stats` (download counts by day, month, country, mirror or file),
// `waymark stats merge` (the redirector's pending counts into daily rows)
// and `waymark stats rollup` (old daily rows into monthly ones), both from
// cron.
#include <boost/program_options/value_semantic.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "admin/command.h"
#include "core/json.h"
#include "core/store/download_stats.h"
#include "core/strings.h"
#include "core/text_table.h"

namespace po = boost::program_options;

namespace waymark {

namespace {

Status RunStats(AdminContext* ctx) {
  StatsQuery q;
  if (ctx->cl.Has("by")) q.by = ctx->cl.Get("by");
  if (ctx->cl.Has("mirror")) q.mirror = ctx->cl.Get("mirror");
  if (ctx->cl.Has("file")) q.file_glob = ctx->cl.Get("file");
  if (ctx->cl.Has("since")) q.since = ctx->cl.Get("since");
  if (ctx->cl.Has("until")) q.until = ctx->cl.Get("until");
  // Check the arguments before connecting: a typo is not a database error.
  if (q.by != "day" && q.by != "month" && q.by != "country" &&
      q.by != "mirror" && q.by != "file")
    return Status::InvalidArgument(
        "--by: '" + Printable(q.by) +
        "' is not one of day, month, country, mirror, file");
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForReading(&db);
  if (!s.ok()) return s;
  std::vector<StatsRow> rows;
  s = QueryDownloads(db.get(), q, &rows);
  if (!s.ok()) return s;
  long long total = 0;
  for (const auto& r : rows) total += r.downloads;
  if (ctx->json()) {
    nlohmann::json j;
    j["by"] = q.by;
    j["rows"] = nlohmann::json::array();
    for (const auto& r : rows)
      j["rows"].push_back({{q.by, r.key}, {"downloads", r.downloads}});
    j["total"] = total;
    *ctx->out << JsonText(j);
    return Status::OK();
  }
  if (rows.empty()) {
    *ctx->out << "no downloads counted";
    if (!q.since.empty() || !q.until.empty() || !q.mirror.empty() ||
        !q.file_glob.empty())
      *ctx->out << " that match";
    *ctx->out << "\n";
    return Status::OK();
  }
  TextTable t({ToUpper(q.by), "DOWNLOADS"});
  for (const auto& r : rows)
    t.AddRow({Printable(r.key), std::to_string(r.downloads)});
  t.AddRow({"total", std::to_string(total)});
  t.Print(*ctx->out);
  return Status::OK();
}

Status RunRollup(AdminContext* ctx) {
  long long days = 90;
  if (ctx->cl.Has("older-than") &&
      !ParseInt64(ctx->cl.Get("older-than"), &days))
    return Status::InvalidArgument("--older-than: '" +
                                   Printable(ctx->cl.Get("older-than")) +
                                   "' is not a number of days");
  if (days < 1 || days > 100000)
    return Status::InvalidArgument(
        "--older-than: must be from 1 to 100000 days");
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  long long moved = 0, months = 0;
  s = RollUpDownloads(db.get(), static_cast<int>(days), &moved, &months);
  if (!s.ok()) return s;
  // The ids of the redirectors' batches are kept for a week: long enough
  // for any retry or spool file to arrive (download_stats.h).
  constexpr int kBatchIdDays = 7;
  long long forgotten = 0;
  s = PruneDownloadBatches(db.get(), kBatchIdDays, &forgotten);
  if (!s.ok()) return s;
  if (ctx->json()) {
    *ctx->out << JsonText({{"older_than_days", days},
                           {"daily_rows", moved},
                           {"monthly_rows", months},
                           {"batch_ids_forgotten", forgotten}});
  } else {
    *ctx->out << "rolled up " << moved << " daily rows older than " << days
              << " days into " << months << " monthly rows\n"
              << "forgot " << forgotten << " download batch ids older than "
              << kBatchIdDays << " days\n";
  }
  return Status::OK();
}

Status RunMerge(AdminContext* ctx) {
  std::unique_ptr<Database> db;
  Status s = ctx->ConnectForWriting(&db);
  if (!s.ok()) return s;
  MergeResult m;
  s = MergeDownloadCounts(db.get(), &m);
  if (!s.ok()) return s;
  if (ctx->json()) {
    *ctx->out << JsonText({{"merged", !m.busy},
                           {"pending_rows", m.pending_rows},
                           {"daily_rows", m.daily_rows}});
  } else if (m.busy) {
    *ctx->out << "another merge is running: it merges the pending counts\n";
  } else {
    *ctx->out << "merged " << m.pending_rows << " pending download counts into "
              << m.daily_rows << " daily rows\n";
  }
  return Status::OK();
}

void AddMergeOptions(po::options_description* d) {
  d->add_options()("json", "print JSON for scripts");
}

void AddStatsOptions(po::options_description* d) {
  d->add_options()("mirror", po::value<std::string>()->value_name("NAME"),
                   "only this mirror's downloads")(
      "file", po::value<std::string>()->value_name("GLOB"),
      "only files whose path matches (* and ?)")(
      "by", po::value<std::string>()->value_name("WHAT"),
      "day (default), month, country, mirror or file")(
      "since", po::value<std::string>()->value_name("DATE"),
      "from this day (YYYY-MM-DD) on")(
      "until", po::value<std::string>()->value_name("DATE"),
      "up to this day, inclusive")("json", "print JSON for scripts");
}

void AddRollupOptions(po::options_description* d) {
  d->add_options()("older-than", po::value<std::string>()->value_name("DAYS"),
                   "roll up daily rows older than this many days (default 90)")(
      "json", "print JSON for scripts");
}

}  // namespace

std::vector<Command> StatsCommands() {
  return {
      {"stats",
       "[--mirror NAME] [--file GLOB] [--by day|month|country|mirror|file] "
       "[--since DATE] "
       "[--until DATE] [--json]",
       "show download counts", 0, 0, AddStatsOptions, RunStats},
      {"stats merge", "[--json]",
       "fold the download counts the redirector appended into daily rows (from "
       "cron)",
       0, 0, AddMergeOptions, RunMerge},
      {"stats rollup", "[--older-than DAYS] [--json]",
       "fold daily download counts older than DAYS into monthly ones (from "
       "cron)",
       0, 0, AddRollupOptions, RunRollup},
  };
}

}  // namespace waymark
