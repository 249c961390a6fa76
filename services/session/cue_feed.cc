#include "services/session/cue_feed.h"

#include <utility>

namespace yoga::session {

absl::Status CueFeed::Join(std::weak_ptr<Wakeable> listener) {
  // The wake may run after this feed is gone (the session copies it before
  // it unlocks): it holds only the scheduler, which outlives every stream.
  auto id = session_->AddStream(
      [listener = std::move(listener), &scheduler = scheduler_] {
        scheduler.WakeAt(absl::InfinitePast(), listener);
      },
      max_listeners_, clock_.Now());
  if (!id.ok()) return id.status();
  listener_id_ = *id;
  return absl::OkStatus();
}

void CueFeed::Leave() {
  if (listener_id_ == 0) return;
  session_->RemoveStream(listener_id_, clock_.Now());
  listener_id_ = 0;
}

StreamAction CueFeed::Next(absl::Time now) {
  return session_->Next(cursor_, now);
}

bool CueFeed::AwaitsRecord() const {
  return keeper_ != nullptr && !session_->FinishedIfFree();
}

void CueFeed::WhenRecorded(std::function<void()> done) {
  if (keeper_ == nullptr) {
    done();
    return;
  }
  keeper_->FinishSoon(session_, std::move(done));
}

void CueFeed::WakeAt(absl::Time when, std::weak_ptr<Wakeable> target) {
  scheduler_.WakeAt(when, std::move(target));
}

}  // namespace yoga::session
