// The option table: every waymark.conf key, declared once.
//
// man/waymark.conf.5 and man/waymark.conf.example document these keys in
// this order with these defaults; src/core/config_docs_test.cc fails
// when they disagree. A key is added here together with its documentation.
#include "core/config.h"

namespace waymark {

const std::vector<OptionSpec>& OptionTable() {
  using T = OptionType;
  static const std::vector<OptionSpec> kTable = {
      // key, type, default, multi, reloadable, help, min, max
      {"database.dsn", T::kString, "dbname=waymark", false, true,
       "libpq connection string of the inventory database"},
      {"repository.path", T::kString, "/srv/repository/mirror", false, true,
       "root of the origin repository that mirrors copy"},
      {"repository.trace_file", T::kString, "mirrorsync", false, true,
       "trace file, relative to the repository root, stamped with the time"},
      {"geoip.mmdb", T::kString, "", true, true,
       "MaxMind DB file (.mmdb) to geolocate clients and mirrors"},
      {"geoip.location_db", T::kString, "/var/lib/location/database.db", false,
       true, "IPFire location database (libloc), used when no .mmdb is set"},
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
      {"log.file", T::kString, "", false, false,
       "file the redirector logs to (empty: standard error); SIGUSR1 reopens it"},
      {"log.level", T::kLogLevel, "info", false, true,
       "least severe message level that is logged"},

      // --- waymark-trace: mirror freshness and health (issue #7). A mirror
      // is stale past redirector.max_lag (or its own max_lag): one limit,
      // shared with the redirector, so there is no trace.max_lag.
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
