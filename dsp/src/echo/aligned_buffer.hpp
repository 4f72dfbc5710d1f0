#pragma once
// A fixed-size float array on a 64-byte boundary, as the vector kernels and
// FFTW's SIMD code paths want it. Zero-initialised; allocated once.

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace ivrd::dsp::echo {

class AlignedBuffer {
 public:
  static constexpr std::size_t kAlignment = 64;

  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t size) : size_(size) {
    const std::size_t bytes = ((size * sizeof(float) + kAlignment - 1) / kAlignment) * kAlignment;
    void* memory = std::aligned_alloc(kAlignment, bytes == 0 ? kAlignment : bytes);
    if (memory == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<float*>(memory));
    clear();
  }

  float* data() noexcept { return data_.get(); }
  const float* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  float& operator[](std::size_t i) noexcept { return data_[i]; }
  float operator[](std::size_t i) const noexcept { return data_[i]; }
  void clear() noexcept { std::memset(data_.get(), 0, size_ * sizeof(float)); }

 private:
  struct Free {
    void operator()(float* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<float[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace ivrd::dsp::echo
