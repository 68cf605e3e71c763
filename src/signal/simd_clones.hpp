#pragma once
// The hot loops are compiled three times, for AVX-512 (16 channels per instruction), AVX2 (8) and
// the baseline x86-64 (4), and the loader picks the best version the CPU can run. All three give
// the same results: src/signal/CMakeLists.txt turns off the contraction into fused multiply-add.
// GCC only: Clang 14 (the fuzz build) emits no resolver for cloned member functions, so a program
// calling BiquadCascade::execute did not link; under Clang the baseline code runs.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TW_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TW_SIMD_CLONES
#endif
