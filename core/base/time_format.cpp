#include "base/time_format.h"

#include <cstdio>

namespace oa {

std::string formatIsoTimestamp(int64_t unixMs) {
  // Floor division so times before 1970 still format correctly.
  int64_t days = unixMs / 86400000;
  int64_t msOfDay = unixMs % 86400000;
  if (msOfDay < 0) { msOfDay += 86400000; --days; }
  // Civil date from a day count (H. Hinnant's days_from_civil inverse).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(msOfDay / 3600000),
                static_cast<long long>(msOfDay / 60000 % 60), static_cast<long long>(msOfDay / 1000 % 60),
                static_cast<long long>(msOfDay % 1000));
  return buf;
}

}  // namespace oa
