// A fixed-capacity ring: pushing onto a full ring drops the oldest element.
#pragma once

#include <cassert>
#include <cstddef>
#include <memory>
#include <utility>

namespace chatrelay::memory {

template <typename T>
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity);

  std::size_t capacity() const;
  std::size_t size() const;
  bool empty() const;
  bool full() const;

  // Appends; when full, the oldest element is overwritten.
  void push_back(T value);
  void pop_front();  // requires !empty()
  void clear();

  // 0 = oldest.
  T& operator[](std::size_t i);
  const T& operator[](std::size_t i) const;
  const T& front() const;
  const T& back() const;

  // Forward iteration oldest → newest (const only).
  class const_iterator;
  const_iterator begin() const;
  const_iterator end() const;
};

}  // namespace chatrelay::memory
