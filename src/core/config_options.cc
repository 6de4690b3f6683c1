// OptionTable(): the entries of config_options.inc as OptionSpecs.
#include "core/config.h"

namespace waymark {

const std::vector<OptionSpec>& OptionTable() {
  static const std::vector<OptionSpec> kTable = {
#define WAYMARK_OPTION(constant, key, type, default_value, repeat, on_hup, \
                       help)                                               \
  {key,                                                                    \
   OptionType::type,                                                       \
   default_value,                                                          \
   Repeat::repeat == Repeat::kMulti,                                       \
   OnHup::on_hup == OnHup::kReload,                                        \
   help},
#define WAYMARK_INT_OPTION(constant, key, default_value, repeat, on_hup, min, \
                           max, help)                                         \
  {key,                                                                       \
   OptionType::kInt,                                                          \
   default_value,                                                             \
   Repeat::repeat == Repeat::kMulti,                                          \
   OnHup::on_hup == OnHup::kReload,                                           \
   help,                                                                      \
   min,                                                                       \
   max},
#include "core/config_options.inc"
#undef WAYMARK_OPTION
#undef WAYMARK_INT_OPTION
  };
  return kTable;
}

}  // namespace waymark
