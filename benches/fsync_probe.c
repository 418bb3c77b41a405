/* What one durable commit costs on this disk, whatever the engine: each round writes a commit-sized
 * buffer and makes it durable, for five patterns taking turns every 10 commits (so a neighbour's burst
 * of disk traffic falls on all alike):
 *   small:  4,200 bytes overwriting already written blocks (SQLite's WAL frame for one leaf page),
 *   large:  21,000 bytes overwriting already written blocks (TreeStore's one-insert commit),
 *   direct: 20,480 bytes with O_DIRECT into already written blocks (no page-cache writeback),
 *   dsync:  20,480 bytes with O_DIRECT | O_DSYNC (a FUA write where the device offers one, so no
 *           separate cache flush: see /sys/block/<dev>/queue/fua),
 *   rwf:    21,000 bytes through pwritev2(RWF_DSYNC) (the per-write form of O_DSYNC).
 * The first three call fdatasync after the write; the last two need no call of their own.
 *
 *   cc -O2 benches/fsync_probe.c -o target/fsync_probe && target/fsync_probe [DIR]
 *
 * DIR defaults to /tmp (it must be on the disk under test). Prints microseconds per commit. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int open_filled(const char *path, int extra_flags) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char zeros[1 << 20];
    for (int i = 0; i < 64; i++) {
        if (pwrite(fd, zeros, sizeof zeros, (off_t)i << 20) != (ssize_t)sizeof zeros) {
            perror("pwrite");
            exit(1);
        }
    }
    fsync(fd);
    if (extra_flags) {
        close(fd);
        fd = open(path, O_RDWR | extra_flags);
    }
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    enum { PATTERNS = 5 };
    const size_t sizes[PATTERNS] = {4200, 21000, 20480, 20480, 21000};
    const char *names[PATTERNS] = {"small 4.2 KB", "large 21 KB", "direct 20 KB", "dsync 20 KB",
                                   "rwf 21 KB"};
    const int flags[PATTERNS] = {0, 0, O_DIRECT, O_DIRECT | O_DSYNC, 0};
    char path[PATTERNS][512];
    int fd[PATTERNS];
    for (int i = 0; i < PATTERNS; i++) {
        snprintf(path[i], sizeof path[i], "%s/fsync_probe.%d", dir, i);
        fd[i] = open_filled(path[i], flags[i]);
    }
    void *buf;
    if (posix_memalign(&buf, 4096, 1 << 20)) return 1;
    memset(buf, 7, 1 << 20);
    double total[PATTERNS] = {0};
    off_t at[PATTERNS] = {0};
    const int rounds = 40, per_turn = 10;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < PATTERNS; i++) {
            double t0 = now_us();
            for (int c = 0; c < per_turn; c++) {
                struct iovec v = {buf, sizes[i]};
                ssize_t n = i == 4 ? pwritev2(fd[i], &v, 1, at[i], RWF_DSYNC)
                                   : pwrite(fd[i], buf, sizes[i], at[i]);
                if (n != (ssize_t)sizes[i]) {
                    perror("write");
                    return 1;
                }
                at[i] += sizes[i];
                if (i < 3 && fdatasync(fd[i])) {
                    perror("fdatasync");
                    return 1;
                }
            }
            total[i] += now_us() - t0;
        }
    }
    for (int i = 0; i < PATTERNS; i++) {
        printf("%-13s %8.1f us per commit\n", names[i], total[i] / (rounds * per_turn));
        unlink(path[i]);
    }
    return 0;
}
