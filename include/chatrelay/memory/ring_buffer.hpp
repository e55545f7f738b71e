// A fixed-capacity ring: pushing onto a full ring drops the oldest element.
#pragma once

#include <cassert>
#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

namespace chatrelay::memory {

// Storage for `capacity` elements is allocated once, in the constructor, and never grows; slots
// are constructed on push and destroyed on pop/clear, so a popped element's resources go at once.
// Any modification invalidates iterators. A moved-from ring may only be destroyed or assigned to.
template <typename T>
class RingBuffer {
 public:
  using value_type = T;

  explicit RingBuffer(std::size_t capacity)
      : slots_(std::allocator<T>{}.allocate(capacity)), capacity_(capacity) {
    assert(capacity >= 1);
  }

  RingBuffer(const RingBuffer& other) : RingBuffer(other.capacity_) {
    // Delegated construction is complete here, so the destructor cleans up if a copy throws.
    for (const T& value : other) push_back(value);
  }
  RingBuffer(RingBuffer&& other) noexcept
      : slots_(std::exchange(other.slots_, nullptr)),
        capacity_(std::exchange(other.capacity_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  RingBuffer& operator=(RingBuffer other) noexcept {
    swap(*this, other);
    return *this;
  }
  ~RingBuffer() {
    clear();
    if (slots_ != nullptr) std::allocator<T>{}.deallocate(slots_, capacity_);
  }

  friend void swap(RingBuffer& a, RingBuffer& b) noexcept {
    using std::swap;
    swap(a.slots_, b.slots_);
    swap(a.capacity_, b.capacity_);
    swap(a.head_, b.head_);
    swap(a.size_, b.size_);
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity_; }

  // Appends; when full, the oldest element is overwritten.
  void push_back(T value) {
    if (full()) {
      slots_[head_] = std::move(value);
      head_ = wrap(head_ + 1);
    } else {
      std::construct_at(slots_ + wrap(head_ + size_), std::move(value));
      ++size_;
    }
  }

  void pop_front() {  // requires !empty()
    assert(!empty());
    std::destroy_at(slots_ + head_);
    head_ = wrap(head_ + 1);
    --size_;
  }

  void clear() {
    while (!empty()) pop_front();
    head_ = 0;
  }

  // 0 = oldest.
  T& operator[](std::size_t i) {
    assert(i < size_);
    return slots_[wrap(head_ + i)];
  }
  const T& operator[](std::size_t i) const {
    assert(i < size_);
    return slots_[wrap(head_ + i)];
  }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }

  // Forward iteration oldest → newest (const only).
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator() = default;

    reference operator*() const { return (*ring_)[index_]; }
    pointer operator->() const { return &(*ring_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++index_;
      return old;
    }
    friend bool operator==(const const_iterator&, const const_iterator&) = default;

   private:
    friend class RingBuffer;
    const_iterator(const RingBuffer* ring, std::size_t index) : ring_(ring), index_(index) {}

    const RingBuffer* ring_ = nullptr;
    std::size_t index_ = 0;  // logical position, 0 = oldest
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  // Maps head_ + offset (offset < capacity_) onto a slot; cheaper than %.
  std::size_t wrap(std::size_t i) const { return i < capacity_ ? i : i - capacity_; }

  T* slots_;
  std::size_t capacity_;
  std::size_t head_ = 0;  // slot of the oldest element
  std::size_t size_ = 0;
};

}  // namespace chatrelay::memory
