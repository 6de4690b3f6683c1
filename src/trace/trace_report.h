// What waymark-trace prints after a check: a summary for people (one row
// per scheme and family, one per mirror's freshness, then the changes of
// state), and the same as JSON for scripts.
#ifndef WAYMARK_TRACE_TRACE_REPORT_H_
#define WAYMARK_TRACE_TRACE_REPORT_H_

#include <ostream>
#include <string>

#include "trace/trace_checker.h"

namespace waymark {

// "fresh", "stale", or "unknown" when the lag was never measured.
std::string FreshnessWord(const MirrorReport& m);

void PrintTraceSummary(const TraceReport& report, std::ostream& out);
// Only what changed ("NAME: MESSAGE" per event) and an unreadable origin
// trace: silent when nothing changed, for cron mail.
void PrintTraceChanges(const TraceReport& report, std::ostream& out);
// One JSON document, newline-terminated.
void PrintTraceJson(const TraceReport& report, std::ostream& out);

}  // namespace waymark

#endif  // WAYMARK_TRACE_TRACE_REPORT_H_
