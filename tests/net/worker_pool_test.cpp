// WorkerPool: tasks run on the pool's threads with that thread's own State, results come back
// on the caller's io_context thread, and io_context::run() waits for them.
#include "net/worker_pool.hpp"

#include <gtest/gtest.h>

#include <pthread.h>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>

#include "core/result.hpp"

namespace sealgate::net {
namespace {

struct State {
    int id = 0;
    std::thread::id owner;  // the first thread that used this State
    int tasks = 0;
    bool shared = false;  // set when a second thread used it
};

struct Seen {
    std::thread::id io_thread;
    std::set<std::thread::id> worker_threads;
    std::set<int> states;
    std::atomic<int> resumed_off_io{0};
    int results = 0;
    int wrong_results = 0;
};

// One client: `n` tasks in a row, each computing from its input; checks where it resumes.
asio::awaitable<void> client(WorkerPool<State>& pool, Seen& seen, int base, int n) {
    for (int i = 0; i < n; ++i) {
        const int input = base + i;
        auto job = pool.run([input](State& s) {
            if (s.tasks++ == 0)
                s.owner = std::this_thread::get_id();
            else if (s.owner != std::this_thread::get_id())
                s.shared = true;
            return std::pair{input * 2, s.id};
        });
        std::pair<int, int> r;
        r = co_await std::move(job);
        if (std::this_thread::get_id() != seen.io_thread)
            ++seen.resumed_off_io;
        ++seen.results;
        if (r.first != input * 2)
            ++seen.wrong_results;
        seen.states.insert(r.second);
    }
}

TEST(WorkerPool, RunsTasksOnItsThreadsAndResumesOnTheCaller) {
    std::vector<State> states(2);
    states[0].id = 1;
    states[1].id = 2;
    WorkerPool<State> pool(std::move(states), "test-worker");
    ASSERT_EQ(pool.size(), 2u);

    asio::io_context io;
    Seen seen;
    seen.io_thread = std::this_thread::get_id();
    constexpr int kClients = 8, kEach = 50;
    for (int c = 0; c < kClients; ++c)
        asio::co_spawn(io, client(pool, seen, c * 1000, kEach), asio::detached);
    // run() returns only when every client has its results: the pool keeps the io_context busy
    // while a task is out.
    io.run();

    EXPECT_EQ(seen.results, kClients * kEach);
    EXPECT_EQ(seen.wrong_results, 0);
    EXPECT_EQ(seen.resumed_off_io.load(), 0);
    for (int id : seen.states)
        EXPECT_TRUE(id == 1 || id == 2) << id;
}

asio::awaitable<void> thread_name(WorkerPool<State>& pool, std::string& name) {
    auto job = pool.run([](State&) {
        char buf[16] = {};
        pthread_getname_np(pthread_self(), buf, sizeof buf);
        return std::string(buf);
    });
    name = co_await std::move(job);
}

TEST(WorkerPool, NamesItsThreads) {
    WorkerPool<State> pool(std::vector<State>(1), "test-worker");
    asio::io_context io;
    std::string name;
    asio::co_spawn(io, thread_name(pool, name), asio::detached);
    io.run();
    EXPECT_EQ(name, "test-worker");
}

asio::awaitable<void> check_states(WorkerPool<State>& pool, std::atomic<int>& shared,
                                   std::atomic<int>& foreign) {
    for (int i = 0; i < 30; ++i) {
        auto job = pool.run([&](State& s) {
            if (s.shared)
                ++shared;
            if (s.tasks > 0 && s.owner != std::this_thread::get_id())
                ++foreign;
            return 0;
        });
        int r = -1;
        r = co_await std::move(job);
        EXPECT_EQ(r, 0);
    }
}

TEST(WorkerPool, EachStateStaysWithOneThread) {
    std::vector<State> states(3);
    for (int i = 0; i < 3; ++i)
        states[i].id = i;
    WorkerPool<State> pool(std::move(states), "test-worker");
    asio::io_context io;
    Seen seen;
    seen.io_thread = std::this_thread::get_id();
    for (int c = 0; c < 6; ++c)
        asio::co_spawn(io, client(pool, seen, c * 1000, 100), asio::detached);
    io.run();
    ASSERT_EQ(seen.results, 600);

    // Ask the threads for their State's record: a task sees only its own thread's State.
    std::atomic<int> shared{0};
    std::atomic<int> foreign{0};
    asio::co_spawn(io, check_states(pool, shared, foreign), asio::detached);
    io.restart();
    io.run();
    EXPECT_EQ(shared.load(), 0);
    EXPECT_EQ(foreign.load(), 0);
}

asio::awaitable<void> collect(WorkerPool<State>& pool, std::vector<Result<std::string>>& out) {
    for (int i = 0; i < 2; ++i) {
        auto job = pool.run([i](State&) -> Result<std::string> {
            if (i == 0)
                return std::string(100000, 'x');
            return fail(Error::temp("disk on fire"));
        });
        Result<std::string> r = std::string();
        r = co_await std::move(job);
        out.push_back(std::move(r));
    }
}

TEST(WorkerPool, CarriesResultValuesAndErrors) {
    std::vector<State> states(1);
    WorkerPool<State> pool(std::move(states), "test-worker");
    asio::io_context io;
    std::vector<Result<std::string>> got;
    asio::co_spawn(io, collect(pool, got), asio::detached);
    io.run();
    ASSERT_EQ(got.size(), 2u);
    ASSERT_TRUE(got[0].has_value());
    EXPECT_EQ(got[0]->size(), 100000u);
    ASSERT_FALSE(got[1].has_value());
    EXPECT_EQ(got[1].error().reason, "disk on fire");
    EXPECT_TRUE(got[1].error().temporary());
}

}  // namespace
}  // namespace sealgate::net
