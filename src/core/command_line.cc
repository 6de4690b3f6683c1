#include "core/command_line.h"

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <sstream>

#include "core/log.h"
#include "core/strings.h"

namespace po = boost::program_options;

namespace waymark {

std::string CommandLine::Get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return "";
  const auto& any = it->second.value();
  if (const auto* s = boost::any_cast<std::string>(&any)) return *s;
  if (const auto* v = boost::any_cast<std::vector<std::string>>(&any))
    return v->empty() ? "" : v->back();
  return "";
}

namespace {

std::vector<std::string> OptionNames(const po::options_description& desc) {
  std::vector<std::string> names;
  for (const auto& opt : desc.options()) names.push_back(opt->long_name());
  return names;
}

}  // namespace

Status ParseCommandLine(const std::vector<std::string>& args,
                        const po::options_description& own, int max_positional,
                        CommandLine* out) {
  po::options_description config_keys;
  AddConfigOptions(&config_keys);
  po::options_description all;
  all.add(own);
  all.add_options()("config,c", po::value<std::string>(), "config file");
  all.add(config_keys);
  all.add_options()("waymark-positional",
                    po::value<std::vector<std::string>>());
  po::positional_options_description pos;
  pos.add("waymark-positional", -1);

  po::variables_map vm;
  try {
    auto parsed = po::command_line_parser(args)
                      .options(all)
                      .positional(pos)
                      .style(po::command_line_style::unix_style &
                             ~po::command_line_style::allow_guessing)
                      .run();
    po::store(parsed, vm);
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    name = name.substr(0, name.find('='));
    std::string msg = "unknown option '" + Printable(name) + "'";
    std::string bare = name;
    while (!bare.empty() && bare[0] == '-') bare.erase(0, 1);
    std::string hint = SuggestClosest(bare, OptionNames(all));
    if (!hint.empty()) msg += " (did you mean '--" + hint + "'?)";
    return Status::InvalidArgument(msg);
  } catch (const po::error& e) {
    return Status::InvalidArgument(e.what());
  }

  CommandLine cl;
  for (auto& [name, value] : vm) {
    if (name == "waymark-positional") {
      cl.positional = value.as<std::vector<std::string>>();
    } else if (name == "config") {
      cl.config_path = value.as<std::string>();
      if (cl.config_path.empty())
        return Status::InvalidArgument("--config: the file name is empty");
    } else if (FindOption(name)) {
      cl.config_values[name] = value.as<std::vector<std::string>>();
    }
  }
  if (max_positional >= 0 &&
      cl.positional.size() > static_cast<size_t>(max_positional)) {
    return Status::InvalidArgument("unexpected argument '" +
                                   Printable(cl.positional[max_positional]) +
                                   "'");
  }
  cl.options = std::move(vm);
  *out = std::move(cl);
  return Status::OK();
}

Status LoadConfigFor(const CommandLine& cl, Config* config) {
  Status s =
      LoadConfig(ResolveConfigSource(cl.config_path), cl.config_values, config);
  if (s.ok())
    for (const std::string& w : config->warnings()) LogWarning(w);
  return s;
}

std::string HelpText(const std::string& usage,
                     const po::options_description& own) {
  std::ostringstream out;
  out << usage << "\n";
  if (!own.options().empty()) out << "\nOptions:\n" << own;
  po::options_description keys(
      "Configuration (waymark.conf keys, also given as --key=value)");
  keys.add_options()(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "config file [$WAYMARK_CONFIG or /etc/waymark/waymark.conf]");
  AddConfigOptions(&keys);
  out << "\n" << keys;
  return out.str();
}

}  // namespace waymark
