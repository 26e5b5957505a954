#include "app/ui/worker.h"

#include <QMetaObject>
#include <QSemaphore>

namespace homevisit::ui {

Worker::Worker() {
  thread_.setObjectName(QStringLiteral("homevisit-worker"));
  context_.moveToThread(&thread_);
  thread_.start();
}

Worker::~Worker() {
  thread_.quit();
  thread_.wait();
}

void Worker::post(std::function<void()> job) {
  QMetaObject::invokeMethod(&context_, std::move(job), Qt::QueuedConnection);
}

void Worker::drain() {
  QSemaphore done;
  post([&done] { done.release(); });
  done.acquire();
}

}  // namespace homevisit::ui
