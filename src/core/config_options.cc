// The option table: every waymark.conf key, declared once.
//
// man/waymark.conf.5 and man/waymark.conf.example document these keys in
// this order with these defaults; src/core/config_docs_test.cc fails
// when they disagree. A key is added here together with its documentation.
//
// The keys are grouped by section, so that the example file shows each
// section once: a new key goes at the end of its section's block (a new
// section at the end of the table).
#include "core/config.h"

namespace waymark {

const std::vector<OptionSpec>& OptionTable() {
  using T = OptionType;
  static const std::vector<OptionSpec> kTable = {
      // key, type, default, multi, reloadable, help, min, max

      // --- [database] ---------------------------------------------------------
      {"database.dsn", T::kString, "dbname=waymark", false, true,
       "libpq connection string of the inventory database"},

      // --- [repository]: the origin; exclude, hashes and piece_size are read
      // by the repository scan (waymark-scan --repository).
      {"repository.path", T::kString, "/srv/repository/mirror", false, true,
       "root of the origin repository that mirrors copy"},
      {"repository.trace_file", T::kString, "mirrorsync", false, true,
       "trace file, relative to the repository root, stamped with the time"},
      {"repository.exclude", T::kString, "", true, true,
       "glob of repository paths left out of the inventory"},
      {"repository.hashes", T::kString, "sha1,md5,pieces", false, true,
       "hashes computed besides SHA-256: sha1, md5, pieces"},
      {"repository.piece_size", T::kSize, "4M", false, true,
       "piece size of the SHA-1 piece hashes in Metalink files"},

      // --- [geoip] ------------------------------------------------------------
      {"geoip.mmdb", T::kString, "", true, true,
       "MaxMind DB file (.mmdb) to geolocate clients and mirrors"},
      {"geoip.location_db", T::kString, "/var/lib/location/database.db", false,
       true, "IPFire location database (libloc), used when no .mmdb is set"},

      // --- [redirector] -------------------------------------------------------
      {"redirector.listen", T::kListen, "unix:/run/waymark/redirector.sock",
       false, false, "FastCGI socket the redirector listens on"},
      {"redirector.workers", T::kInt, "4", false, true,
       "number of prefork redirector worker processes", 1, 1024},
      {"redirector.fallback", T::kFallback, "", true, true,
       "fallback base URL used when no mirror can serve a file"},
      {"redirector.pidfile", T::kString, "/run/waymark/redirector.pid", false, false,
       "where the redirector's master writes its process id"},
      {"redirector.max_link_headers", T::kInt, "5", false, true,
       "how many other mirrors a redirect names in Link: rel=duplicate headers", 0, 100},
      {"redirector.max_lag", T::kDuration, "1h", false, true,
       "how far a mirror's trace may lag the origin's before it is skipped"},
      {"redirector.https_fallback_to_http", T::kBool, "false", false, true,
       "send HTTPS clients to HTTP mirrors when no HTTPS mirror can serve"},
      {"redirector.local_location", T::kString, "", false, true,
       "internal nginx location serving the repository, for X-Accel-Redirect"},
      {"redirector.min_size", T::kSize, "0", false, true,
       "files smaller than this are served by the origin, not redirected"},
      // Outputs and download statistics (issue #5).
      {"redirector.output", T::kString, "auto", false, true,
       "auto: the Accept header may ask for JSON or Metalink; redirect: always the 302"},
      {"redirector.same_download_window", T::kDuration, "10m", false, true,
       "range requests from one client for one file within this time count once"},
      {"redirector.stats_flush_interval", T::kDuration, "5s", false, true,
       "how often each worker writes its download counts to the database"},
      {"redirector.stats_flush_entries", T::kInt, "20000", false, true,
       "a worker writes its counts sooner once this many distinct counts wait", 1, 1000000},
      {"redirector.stats_max_pending", T::kInt, "100000", false, true,
       "distinct counts a worker keeps while the database is away; more are dropped",
       1, 100000000},
      {"redirector.http_to_https", T::kBool, "true", false, true,
       "send HTTP clients to a mirror's HTTPS URL when it cannot serve them over HTTP"},

      // --- [log] --------------------------------------------------------------
      {"log.file", T::kString, "", false, false,
       "file the redirector logs to (empty: standard error); SIGUSR1 reopens it"},
      {"log.level", T::kLogLevel, "info", false, true,
       "least severe message level that is logged"},

      // --- [scan]: the mirror scans of waymark-scan ---------------------------
      {"scan.jobs", T::kInt, "4", false, true,
       "mirrors scanned, and repository files hashed, in parallel", 1, 64},
      {"scan.timeout", T::kDuration, "30m", false, true,
       "longest time one mirror scan may take"},
      {"scan.connect_timeout", T::kDuration, "30s", false, true,
       "how long a scan waits for a mirror to accept the connection"},
      {"scan.io_timeout", T::kDuration, "2m", false, true,
       "how long a scan waits for a mirror that sends nothing"},
      {"scan.protocols", T::kString, "rsync,ftp,http", false, true,
       "order in which a mirror's protocols are tried"},
      {"scan.mtime_tolerance", T::kDuration, "5m", false, true,
       "how much older than the origin's a mirror's copy may be"},
      {"scan.allowed_lag", T::kString, "", true, true,
       "PREFIX=DURATION: older copies allowed under PREFIX (fast-changing metadata)"},
      {"scan.max_entries", T::kInt, "10000000", false, true,
       "most entries one mirror listing may have", 100, 1000000000},
      {"scan.max_depth", T::kInt, "32", false, true,
       "deepest directory level an FTP or HTTP scan descends to", 1, 256},

      // --- [trace]: waymark-trace, mirror freshness and health (issue #7). A
      // mirror is stale past redirector.max_lag (or its own max_lag): one
      // limit, shared with the redirector, so there is no trace.max_lag.
      {"trace.fail_after", T::kInt, "3", false, true,
       "consecutive failed checks before a mirror is marked down", 1, 1000},
      {"trace.recover_after", T::kInt, "2", false, true,
       "consecutive good checks before a down mirror is marked up", 1, 1000},
      {"trace.connect_timeout", T::kDuration, "10s", false, true,
       "how long waymark-trace waits for a mirror to accept a connection"},
      {"trace.timeout", T::kDuration, "30s", false, true,
       "how long one trace fetch or probe may take in all"},
      {"trace.parallel", T::kInt, "64", false, true,
       "how many checks waymark-trace runs at once", 1, 4096},
      {"trace.probe_files", T::kInt, "0", false, true,
       "files per mirror checked with HEAD against the inventory (0: none)", 0, 100},
      {"trace.ca_file", T::kString, "", false, true,
       "CA certificates (PEM) for HTTPS mirrors; empty: the system's"},
  };
  return kTable;
}

}  // namespace waymark
