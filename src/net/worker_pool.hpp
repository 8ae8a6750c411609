// net/worker_pool.hpp — CPU-bound work off the I/O thread, on threads that each own a State.
//
// The SMTP sides of the daemon run on one io_context thread; a message's pipeline (parse, policy,
// CMS or OpenPGP) would stall every other session while it runs. run() hands a function to
// the pool and suspends the calling coroutine until it returns.
//
// Contract:
//   - Each thread owns one of the States given to the constructor (made by the caller, so that
//     a State that cannot be made is an error at start-up); a task gets the State of the
//     thread it runs on, so State needs no locking (librnp contexts, the key store's caches). Tasks
//     are taken from one queue in order: a long task (a 50 MB message) delays no other task while
//     another thread is free.
//   - co_await run(f) resumes the caller on its own executor (never on a worker thread) with
//     f's return value. f must not throw: expected failures are values (core/result.hpp); an
//     exception terminates the process (a bug, not a failure to report to the client).
//   - While a task is queued or running, the caller's executor has outstanding work: the
//     io_context does not return from run() before the result is delivered.
//   - The destructor finishes the queued tasks and joins the threads; destroy the pool before
//     the io_context it delivers results to, and only after that io_context stopped taking new
//     work (serve finishes the transactions in flight first).
//   - GCC 12: name the awaitable before co_await (`auto job = pool.run(f); r = co_await
//     std::move(job);`), as for every awaitable here.
#pragma once

#include <pthread.h>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

namespace sealgate::net {

template <class State>
class WorkerPool {
  public:
    // One thread per State (at least one State), named `name` (at most 15 characters: top -H,
    // ps -L and perf show it).
    WorkerPool(std::vector<State> states, const char* name) {
        threads_.reserve(states.size());
        for (auto& s : states) {
            threads_.emplace_back([this, state = std::move(s)]() mutable { work(state); });
            pthread_setname_np(threads_.back().native_handle(), name);
        }
    }
    ~WorkerPool() {
        {
            const std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& t : threads_)
            t.join();
    }
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    std::size_t size() const { return threads_.size(); }

    // f(State&) on a worker thread; the awaiting coroutine resumes on its executor with the
    // result. The result type must be default-constructible and movable.
    template <class F>
    auto run(F f) -> asio::awaitable<std::invoke_result_t<F&, State&>> {
        using R = std::invoke_result_t<F&, State&>;
        auto initiate = [this](auto handler, F fn) {
            // Keeps the caller's io_context running until the result has been handed back.
            auto guard = asio::make_work_guard(handler);
            submit([fn = std::move(fn), handler = std::move(handler),
                    guard = std::move(guard)](State& state) mutable noexcept {
                R result = fn(state);
                const auto home = guard.get_executor();
                asio::post(home,
                           [handler = std::move(handler), result = std::move(result)]() mutable {
                               std::move(handler)(std::move(result));
                           });
                guard.reset();
            });
        };
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
            std::move(initiate), asio::use_awaitable, std::move(f));
    }

  private:
    // A queued task: a move-only callable (the coroutine's handler is move-only). Not
    // std::packaged_task, whose future (a shared state, a once-flag, a lock) nobody reads.
    struct Task {
        virtual ~Task() = default;
        virtual void operator()(State& state) noexcept = 0;
    };
    template <class Fn>
    struct TaskOf final : Task {
        explicit TaskOf(Fn f) : fn(std::move(f)) {}
        void operator()(State& state) noexcept override { fn(state); }
        Fn fn;
    };

    template <class Fn>
    void submit(Fn fn) {
        auto task = std::make_unique<TaskOf<Fn>>(std::move(fn));
        {
            const std::lock_guard lock(mutex_);
            queue_.push_back(std::move(task));
        }
        ready_.notify_one();
    }

    void work(State& state) {
        for (;;) {
            std::unique_ptr<Task> task;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty())
                    return;  // stopping, nothing left
                task = std::move(queue_.front());
                queue_.pop_front();
            }
            (*task)(state);
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::unique_ptr<Task>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;  // last: started after the members above exist
};

}  // namespace sealgate::net
