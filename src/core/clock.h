// The wall clock behind a narrow interface, so that code deciding things by
// time (trace freshness, health state changes) can be run in tests at any
// moment they choose; and the one way to write a moment in UTC.
#ifndef WAYMARK_CORE_CLOCK_H_
#define WAYMARK_CORE_CLOCK_H_

#include <ctime>
#include <string>

namespace waymark {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix seconds, UTC.
  virtual long long Now() const = 0;
};

// The real one: time(2).
class SystemClock : public Clock {
 public:
  long long Now() const override {
    return static_cast<long long>(std::time(nullptr));
  }
};

// A clock that says what it is told (tests).
class FixedClock : public Clock {
 public:
  explicit FixedClock(long long now) : now_(now) {}
  long long Now() const override { return now_; }
  void Set(long long now) { now_ = now; }
  void Advance(long long seconds) { now_ += seconds; }

 private:
  long long now_;
};

// How waymark writes a moment in UTC.
enum class UtcFormat {
  kIso8601,   // "2026-11-19T07:52:48Z": JSON, logs
  kDateTime,  // "2026-11-19 07:52:48": as the store's read models write times
  kDate,      // "2026-11-19": the day downloads are counted under
};

// `unix_seconds` in `format`; thread-safe (gmtime_r).
std::string FormatUtc(long long unix_seconds,
                      UtcFormat format = UtcFormat::kIso8601);

}  // namespace waymark

#endif  // WAYMARK_CORE_CLOCK_H_
