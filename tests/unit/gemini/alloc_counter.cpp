// A replaced global operator new that counts allocations while testing::counting is set. In its
// own file so that no test inlines it next to the allocations it sees. Every plain and nothrow
// form is replaced, so that with sanitizers each new still pairs with its delete.
#include <atomic>
#include <cstdlib>
#include <new>

namespace chatrelay::gemini::testing {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace chatrelay::gemini::testing

namespace {
void* counted_malloc(std::size_t size) noexcept {
  if (chatrelay::gemini::testing::counting) ++chatrelay::gemini::testing::allocations;
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
