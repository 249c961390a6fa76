// A bounded, lock-free queue for exactly one producer thread and one consumer
// thread, such as the control thread and the audio callback.
//
// The capacity is fixed at construction (rounded up to a power of two) and
// the queue never allocates afterwards: TryPush and TryPop take no lock, make
// no system call and never wait, so the audio callback may call them.
//
// TryPush moves the value in only when it succeeds; on a full queue the
// argument is left untouched. TryPop move-assigns into `out`, so whatever
// `out` held before is destroyed on the consumer's thread, and the slot is
// left holding a moved-from T (an empty std::shared_ptr, for instance): a
// consumer on the audio thread must pop into an empty object so that nothing
// is freed there.
//
// T must be default-constructible and move-assignable. Calling TryPush from
// two threads at once, or TryPop from two threads at once, is a data race.
#ifndef YOGA_CLIENT_AUDIO_SPSC_QUEUE_H_
#define YOGA_CLIENT_AUDIO_SPSC_QUEUE_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <utility>

namespace yoga::client::audio {

template <typename T>
class SpscQueue {
 public:
  // Holds at least `min_capacity` (>= 1) values.
  explicit SpscQueue(size_t min_capacity)
      : capacity_(std::bit_ceil(min_capacity < 1 ? size_t{1} : min_capacity)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<T[]>(capacity_)) {}

  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  size_t capacity() const { return capacity_; }

  // Producer thread only. False when the queue is full.
  bool TryPush(T&& value) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ == capacity_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ == capacity_) return false;
    }
    slots_[tail & mask_] = std::move(value);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool TryPush(const T& value) {
    T copy = value;
    return TryPush(std::move(copy));
  }

  // Consumer thread only. False, leaving `out` alone, when the queue is empty.
  bool TryPop(T& out) {
    const size_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return false;
    }
    out = std::move(slots_[head & mask_]);
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

 private:
  // Producer and consumer indices sit on their own cache lines so that the
  // two threads do not keep stealing one line from each other.
  static constexpr size_t kCacheLine = 64;

  const size_t capacity_;
  const size_t mask_;
  const std::unique_ptr<T[]> slots_;

  // Counts of values ever popped and pushed; they only grow (and wrap).
  alignas(kCacheLine) std::atomic<size_t> head_{0};  // Written by the consumer.
  size_t tail_cache_ = 0;  // Consumer's last look at tail_.
  alignas(kCacheLine) std::atomic<size_t> tail_{0};  // Written by the producer.
  size_t head_cache_ = 0;  // Producer's last look at head_.
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_SPSC_QUEUE_H_
