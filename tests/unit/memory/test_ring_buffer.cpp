// Tests for memory/ring_buffer: wrap-around against a std::deque model, iteration, lifetimes.
#include "chatrelay/memory/ring_buffer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>
#include <ranges>
#include <string>
#include <vector>

using chatrelay::memory::RingBuffer;

static_assert(std::forward_iterator<RingBuffer<int>::const_iterator>);
static_assert(std::ranges::forward_range<const RingBuffer<int>>);

namespace {

template <typename T>
std::vector<T> contents(const RingBuffer<T>& ring) {
  return std::vector<T>(ring.begin(), ring.end());
}

// Counts live instances, to check that the ring constructs and destroys exactly what it holds.
struct Tracked {
  static inline int live = 0;
  int value;
  explicit Tracked(int v) : value(v) { ++live; }
  Tracked(const Tracked& other) : value(other.value) { ++live; }
  Tracked(Tracked&& other) noexcept : value(other.value) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) = default;
  ~Tracked() { --live; }
};

}  // namespace

TEST_CASE("a new ring is empty with the requested capacity") {
  RingBuffer<int> ring(4);
  CHECK(ring.capacity() == 4);
  CHECK(ring.size() == 0);
  CHECK(ring.empty());
  CHECK_FALSE(ring.full());
  CHECK(ring.begin() == ring.end());
}

TEST_CASE("push_back fills, then overwrites the oldest") {
  RingBuffer<int> ring(3);
  ring.push_back(1);
  ring.push_back(2);
  CHECK(ring.front() == 1);
  CHECK(ring.back() == 2);
  ring.push_back(3);
  CHECK(ring.full());
  CHECK(contents(ring) == std::vector<int>{1, 2, 3});
  ring.push_back(4);
  CHECK(ring.size() == 3);
  CHECK(ring.capacity() == 3);
  CHECK(contents(ring) == std::vector<int>{2, 3, 4});
  CHECK(ring.front() == 2);
  CHECK(ring.back() == 4);
  CHECK(ring[0] == 2);
  CHECK(ring[2] == 4);
}

TEST_CASE("capacity 1 keeps only the newest element") {
  RingBuffer<std::string> ring(1);
  ring.push_back("a");
  ring.push_back("b");
  CHECK(ring.size() == 1);
  CHECK(ring.front() == "b");
  CHECK(ring.back() == "b");
  ring.pop_front();
  CHECK(ring.empty());
  ring.push_back("c");
  CHECK(contents(ring) == std::vector<std::string>{"c"});
}

TEST_CASE("pop_front and clear, then reuse after wrap-around") {
  RingBuffer<int> ring(3);
  for (int i = 1; i <= 5; ++i) ring.push_back(i);  // 3 4 5, head in the middle
  ring.pop_front();
  CHECK(contents(ring) == std::vector<int>{4, 5});
  ring.push_back(6);
  ring.push_back(7);
  CHECK(contents(ring) == std::vector<int>{5, 6, 7});
  ring.clear();
  CHECK(ring.empty());
  CHECK(ring.capacity() == 3);
  ring.push_back(8);
  CHECK(contents(ring) == std::vector<int>{8});
}

TEST_CASE("operator[] gives mutable access by age") {
  RingBuffer<int> ring(2);
  for (int i = 0; i < 5; ++i) ring.push_back(i);  // 3 4
  ring[0] = 30;
  ring[1] += 10;
  CHECK(contents(ring) == std::vector<int>{30, 14});
}

TEST_CASE("wrap-around matches a std::deque model at many capacities") {
  std::mt19937 rng(20240611);
  std::vector<std::size_t> capacities;
  for (std::size_t c = 1; c <= 33; ++c) capacities.push_back(c);
  for (std::size_t c : {64u, 100u, 127u, 128u, 129u, 1000u}) capacities.push_back(c);

  for (std::size_t capacity : capacities) {
    CAPTURE(capacity);
    RingBuffer<int> ring(capacity);
    std::deque<int> model;
    bool same = true;
    for (int step = 0; step < 4000 && same; ++step) {
      const auto op = std::uniform_int_distribution<int>(0, 99)(rng);
      if (op < 65) {
        const int value = static_cast<int>(rng());
        ring.push_back(value);
        model.push_back(value);
        if (model.size() > capacity) model.pop_front();
      } else if (op < 97) {
        if (!model.empty()) {
          ring.pop_front();
          model.pop_front();
        }
      } else {
        ring.clear();
        model.clear();
      }
      same = ring.size() == model.size() && ring.empty() == model.empty() &&
             ring.full() == (model.size() == capacity) &&
             std::equal(ring.begin(), ring.end(), model.begin(), model.end());
      for (std::size_t i = 0; same && i < model.size(); ++i) same = ring[i] == model[i];
      if (same && !model.empty())
        same = ring.front() == model.front() && ring.back() == model.back();
    }
    CHECK(same);
    CHECK(ring.capacity() == capacity);
  }
}

TEST_CASE("iteration runs oldest to newest and works with std algorithms") {
  RingBuffer<int> ring(5);
  for (int i = 1; i <= 8; ++i) ring.push_back(i);  // 4 5 6 7 8, stored wrapped

  std::vector<int> seen;
  for (int v : ring) seen.push_back(v);
  CHECK(seen == std::vector<int>{4, 5, 6, 7, 8});

  CHECK(std::distance(ring.begin(), ring.end()) == 5);
  CHECK(std::accumulate(ring.begin(), ring.end(), 0) == 30);
  CHECK(*std::find(ring.begin(), ring.end(), 6) == 6);
  CHECK(std::find(ring.begin(), ring.end(), 3) == ring.end());
  CHECK(*std::max_element(ring.begin(), ring.end()) == 8);
  CHECK(std::ranges::equal(ring, std::vector<int>{4, 5, 6, 7, 8}));

  auto it = ring.begin();
  CHECK(*it++ == 4);
  CHECK(*it == 5);
  CHECK(*++it == 6);

  RingBuffer<std::string> words(2);
  words.push_back("alpha");
  CHECK(words.begin()->size() == 5);
}

TEST_CASE("elements are constructed and destroyed exactly once") {
  Tracked::live = 0;
  {
    RingBuffer<Tracked> ring(3);
    CHECK(Tracked::live == 0);  // slots are not constructed up front
    for (int i = 0; i < 10; ++i) ring.push_back(Tracked(i));
    CHECK(Tracked::live == 3);
    ring.pop_front();
    CHECK(Tracked::live == 2);
    RingBuffer<Tracked> copy = ring;
    CHECK(Tracked::live == 4);
    ring.clear();
    CHECK(Tracked::live == 2);
    CHECK(copy.front().value == 8);
    CHECK(copy.back().value == 9);
  }
  CHECK(Tracked::live == 0);
}

TEST_CASE("move-only elements are supported") {
  RingBuffer<std::unique_ptr<int>> ring(2);
  for (int i = 0; i < 3; ++i) ring.push_back(std::make_unique<int>(i));
  CHECK(*ring.front() == 1);
  CHECK(*ring.back() == 2);
}

TEST_CASE("copies are independent; moves transfer the contents") {
  RingBuffer<int> ring(3);
  for (int i = 1; i <= 4; ++i) ring.push_back(i);  // 2 3 4

  RingBuffer<int> copy(ring);
  ring.push_back(5);
  CHECK(contents(copy) == std::vector<int>{2, 3, 4});
  CHECK(contents(ring) == std::vector<int>{3, 4, 5});
  copy.push_back(6);
  CHECK(contents(copy) == std::vector<int>{3, 4, 6});

  RingBuffer<int> assigned(1);
  assigned = copy;
  CHECK(assigned.capacity() == 3);
  CHECK(contents(assigned) == std::vector<int>{3, 4, 6});

  RingBuffer<int> moved(std::move(ring));
  CHECK(contents(moved) == std::vector<int>{3, 4, 5});
  CHECK(moved.capacity() == 3);
  ring = RingBuffer<int>(2);  // a moved-from ring can be assigned to and reused
  ring.push_back(7);
  CHECK(contents(ring) == std::vector<int>{7});
}
