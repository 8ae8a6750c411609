// app/heap.hpp — the allocator settings of the long-running processes (serve, the key process).
//
// glibc's malloc, left to itself, gives the top of each thread's heap back to the kernel
// (madvise) as soon as a message's buffers are freed, and serves every allocation above its
// mmap threshold with a fresh mapping: the next message faults the same pages in again. With
// librnp and OpenSSL allocating and zeroing some hundred kilobytes per message on the worker
// threads, the page faults were 8 % of the daemon's CPU (bench/RESULTS.md, 2026-12-06 22:30).
// keep_heap_for_daemon() keeps up to `trim` bytes free at the top of each heap and maps only
// allocations above `mmap` bytes (a message of many megabytes still gets its own mapping and
// gives it back when done). Called once, first thing, by the daemon's processes only; the
// one-shot commands keep glibc's defaults.
#pragma once

namespace sealgate::app {

void keep_heap_for_daemon();

}  // namespace sealgate::app
