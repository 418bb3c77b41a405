/* The memory floor under a point read on a big database file, whatever the engine: the time to
 * touch random pages of a file's read-only shared map (as TreeStore, LMDB and SQLite's mmap mode
 * read), after every page was touched once (the page cache and the mappings are warm). Each round
 * is a dependent chain (the next address depends on the last load), as a lookup's misses are:
 *   one:   one cache line of one random 4 KiB page (a cold leaf's slot, found directly),
 *   four:  four cache lines of one random page (a leaf search: header, slot, entry, value),
 *   pair:  one line each of two random pages whose addresses are known together and asked for at
 *          once (a record and its text read from remembered slots),
 * then "one" again on an anonymous copy of the file in 4 KiB pages and in transparent huge pages
 * (madvise), which separates the TLB's share (a 4 KiB page's translation misses the TLB on a
 * multi-GiB file; under a hypervisor each miss walks two page tables) from the cache's.
 *
 *   cc -O2 benches/page_touch_probe.c -o target/page_touch_probe && target/page_touch_probe FILE
 *
 * FILE: a big database file (benches/RESULTS.md used doc_speed's 1M-node file, 2.7 GB). Prints
 * nanoseconds per touch (per pair for "pair"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define ROUNDS 2000000

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Touches every page once, so no round pays a page fault. */
static uint64_t warm(const volatile uint8_t *p, size_t len) {
    uint64_t sum = 0;
    for (size_t i = 0; i < len; i += PAGE) sum += p[i];
    return sum;
}

/* `lines` dependent loads in each of ROUNDS random pages. */
static double chain(const volatile uint8_t *p, size_t pages, int lines) {
    uint64_t dep = 0;
    double t = now_ns();
    for (int i = 0; i < ROUNDS; i++) {
        const volatile uint8_t *page = p + ((next_random() ^ (dep & 1)) % pages) * PAGE;
        for (int l = 0; l < lines; l++) dep += page[((dep + (uint64_t)l * 17) % 64) * 64];
    }
    return (now_ns() - t) / ROUNDS + (double)(dep & 0);
}

/* Two random pages a round, both asked for before either is read. */
static double pair(const volatile uint8_t *p, size_t pages) {
    uint64_t dep = 0;
    double t = now_ns();
    for (int i = 0; i < ROUNDS; i++) {
        const volatile uint8_t *a = p + ((next_random() ^ (dep & 1)) % pages) * PAGE;
        const volatile uint8_t *b = p + ((next_random() ^ (dep & 1)) % pages) * PAGE;
        __builtin_prefetch((const void *)a);
        __builtin_prefetch((const void *)b);
        dep += a[0] + b[0];
    }
    return (now_ns() - t) / ROUNDS + (double)(dep & 0);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[1]);
        return 1;
    }
    size_t huge = 2u << 20, len = (size_t)st.st_size & ~(huge - 1), pages = len / PAGE;
    if (pages == 0) {
        fprintf(stderr, "%s: smaller than 2 MiB\n", argv[1]);
        return 1;
    }
    uint8_t *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("%s: %zu MiB, %zu pages of 4 KiB\n", argv[1], len >> 20, pages);
    warm(map, len);
    printf("file map   one   %6.0f ns\n", chain(map, pages, 1));
    printf("file map   four  %6.0f ns\n", chain(map, pages, 4));
    printf("file map   pair  %6.0f ns\n", pair(map, pages));
    int advices[2] = {MADV_NOHUGEPAGE, MADV_HUGEPAGE};
    const char *names[2] = {"anon 4 KiB", "anon THP  "};
    for (int k = 0; k < 2; k++) {
        uint8_t *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                            -1, 0);
        if (raw == MAP_FAILED) {
            perror("mmap anonymous");
            return 1;
        }
        uint8_t *anon = (uint8_t *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
        madvise(anon, len, advices[k]);
        memcpy(anon, map, len);
        printf("%s one   %6.0f ns\n", names[k], chain(anon, pages, 1));
        munmap(raw, len + huge);
    }
    return 0;
}
