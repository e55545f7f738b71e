// window_after: append or replace, then the count, byte and user-first rules.
#include "chatrelay/store/window.hpp"

#include <iterator>

namespace chatrelay::store {

std::vector<memory::Turn> window_after(std::vector<memory::Turn> stored, std::vector<memory::Turn> added, bool replace,
                                       std::size_t max_messages, std::size_t max_bytes) {
  std::vector<memory::Turn> turns = replace ? std::move(added) : std::move(stored);
  if (!replace) turns.insert(turns.end(), std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
  std::size_t first = turns.size() > max_messages ? turns.size() - max_messages : 0;
  std::size_t bytes = 0;
  for (std::size_t i = first; i < turns.size(); ++i) bytes += memory::turn_cost(turns[i]);
  while (first < turns.size() && bytes > max_bytes) bytes -= memory::turn_cost(turns[first++]);
  while (first < turns.size() && turns[first].role == memory::Role::model) ++first;
  turns.erase(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(first));
  return turns;
}

}  // namespace chatrelay::store
