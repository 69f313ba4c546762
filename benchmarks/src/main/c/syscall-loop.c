/*
 * syscall-loop CALL BLOCKS N: the per-call cost of one system call, for the filter microbenchmark (SyscallBench).
 * Prints the lines of /proc/self/status that say how this process is filtered and pinned, then, BLOCKS times, the
 * mean cost in nanoseconds of N back-to-back raw calls ("ns=<value>"), in the thread's CPU time: on a shared machine
 * wall time also counts the time other processes held the CPU, which is not the filter's cost. CALL is
 *   getppid - allowed without argument rules: the kernel's constant-action cache can answer it without the filter;
 *   prctl   - prctl(PR_GET_NAME), allowed only with an argument check: the filter runs on every call.
 * Raw syscall(2) so that no libc caching stands between the loop and the kernel. Uses only calls every policy
 * measured here allows (clock_gettime, openat/read/close of /proc/self/status, write, exit_group).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* user + system time of this thread: the call and its filter */
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void print_status(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "Seccomp", 7) == 0 || strncmp(line, "Speculation_Store_Bypass", 24) == 0
            || strncmp(line, "Cpus_allowed_list", 17) == 0)
            printf("status %s", line);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: syscall-loop getppid|prctl BLOCKS N\n");
        return 2;
    }
    int prctl_call = strcmp(argv[1], "prctl") == 0;
    if (!prctl_call && strcmp(argv[1], "getppid") != 0) {
        fprintf(stderr, "syscall-loop: unknown call %s\n", argv[1]);
        return 2;
    }
    int blocks = atoi(argv[2]);
    long n = atol(argv[3]);
    char name[16];
    print_status();
    for (int b = 0; b < blocks; b++) {
        long long t0 = now_ns();
        for (long i = 0; i < n; i++) {
            long rc = prctl_call ? syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0) : syscall(SYS_getppid);
            if (rc < 0) { /* refused: the figure would measure the supervisor, not the filter */
                fprintf(stderr, "syscall-loop: %s refused\n", argv[1]);
                return 1;
            }
        }
        printf("ns=%.2f\n", (double)(now_ns() - t0) / (double)n);
    }
    fflush(stdout);
    return 0;
}
