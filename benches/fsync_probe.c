/* What one durable commit costs on this disk, whatever the engine: each round writes a commit-sized
 * buffer and fdatasyncs, for three patterns taking turns every 10 commits (so a neighbour's burst of
 * disk traffic falls on all three alike):
 *   small:  4,200 bytes overwriting already written blocks (SQLite's WAL frame for one leaf page),
 *   large:  21,000 bytes overwriting already written blocks (TreeStore's one-insert commit),
 *   direct: 20,480 bytes with O_DIRECT into already written blocks (no page-cache writeback).
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
    const size_t sizes[3] = {4200, 21000, 20480};
    const char *names[3] = {"small 4.2 KB", "large 21 KB", "direct 20 KB"};
    char path[3][512];
    int fd[3];
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/fsync_probe.%d", dir, i);
        fd[i] = open_filled(path[i], i == 2 ? O_DIRECT : 0);
    }
    void *buf;
    if (posix_memalign(&buf, 4096, 1 << 20)) return 1;
    memset(buf, 7, 1 << 20);
    double total[3] = {0};
    off_t at[3] = {0};
    const int rounds = 40, per_turn = 10;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 3; i++) {
            double t0 = now_us();
            for (int c = 0; c < per_turn; c++) {
                if (pwrite(fd[i], buf, sizes[i], at[i]) != (ssize_t)sizes[i]) {
                    perror("pwrite");
                    return 1;
                }
                at[i] += sizes[i];
                if (fdatasync(fd[i])) {
                    perror("fdatasync");
                    return 1;
                }
            }
            total[i] += now_us() - t0;
        }
    }
    for (int i = 0; i < 3; i++) {
        printf("%-13s %8.1f us per commit\n", names[i], total[i] / (rounds * per_turn));
        unlink(path[i]);
    }
    return 0;
}
