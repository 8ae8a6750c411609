#include <cstdio>

int main() {
    std::puts("sealgate 0.1.0");
    return 0;
}
