// app/heap.cpp — see heap.hpp.
#include "app/heap.hpp"

#include <malloc.h>

namespace sealgate::app {

void keep_heap_for_daemon() {
    // A 10 KB message's librnp and CMS buffers stay well under 4 MB; a 50 MB message's do not.
    constexpr int mmap_threshold = 4 * 1024 * 1024;
    constexpr int trim_threshold = 32 * 1024 * 1024;
    // Setting either turns off glibc's dynamic adjustment of both, hence both.
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

}  // namespace sealgate::app
