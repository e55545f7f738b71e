// The scripted scenarios: names, and the Plan each one plays, built on first use and cached.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "options.hpp"
#include "plan.hpp"

namespace chatrelay::fake {

// Every scenario name, in --help order.
std::span<const std::string_view> scenario_names();
bool is_scenario(std::string_view name);

// The plan of a recording served byte for byte (see --replay); `file_name` picks the framing.
// Throws std::runtime_error for a file name it cannot frame.
Plan replay_plan(std::string_view file_name, std::string_view bytes);

class Scenarios {
 public:
  // `replay`: the plan of --replay, if any.
  Scenarios(const Options& options, std::shared_ptr<const Plan> replay);

  // The plan of scenario `name` (is_scenario(name) must hold).
  std::shared_ptr<const Plan> get(std::string_view name);
  const std::shared_ptr<const Plan>& replay() const { return replay_; }
  // --scenario: what a request plays when nothing else picks.
  std::string_view default_name() const { return options_.scenario; }

  // Answers that depend on the request rather than a scenario.
  std::shared_ptr<const Plan> missing_key();
  std::shared_ptr<const Plan> model_not_found(std::string_view model) const;

 private:
  Plan build(std::string_view name) const;

  const Options& options_;
  std::shared_ptr<const Plan> replay_;
  std::map<std::string, std::shared_ptr<const Plan>, std::less<>> cache_;
};

}  // namespace chatrelay::fake
