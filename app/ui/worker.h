// One background thread for everything that may wait on the network or the disk for long:
// sync and login. Jobs run one after another in the order posted. Results go back to the
// UI thread through queued signals or QMetaObject::invokeMethod on a UI-thread object.
#pragma once

#include <QObject>
#include <QThread>
#include <functional>

namespace homevisit::ui {

class Worker {
 public:
  Worker();
  ~Worker();  // waits for the running job to end
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> job);
  // Runs every job posted so far, then returns (for shutdown and tests).
  void drain();

 private:
  QThread thread_;
  QObject context_;  // lives on thread_: queued calls to it run there
};

}  // namespace homevisit::ui
