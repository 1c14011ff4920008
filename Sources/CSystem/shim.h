// The few glibc calls Swift's Glibc module does not export (GNU extensions), as plain functions.
#ifndef SPOTLIGHT_SYSTEM_SHIM_H
#define SPOTLIGHT_SYSTEM_SHIM_H

#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <malloc.h>
// glibc declares pipe2 only under _GNU_SOURCE, which the Glibc module is not built with.
extern int pipe2(int descriptors[2], int flags);
#endif

/// A pipe whose two ends are closed on exec, created atomically where the system can (Linux), so
/// that no command another thread spawns meanwhile inherits them. 0, or -1 with errno set.
static inline int spl_pipe_cloexec(int descriptors[2]) {
#ifdef __linux__
    return pipe2(descriptors, O_CLOEXEC);
#else
    if (pipe(descriptors) != 0) return -1;
    fcntl(descriptors[0], F_SETFD, FD_CLOEXEC);
    fcntl(descriptors[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

/// Raises glibc's trim and mmap thresholds to the given bytes (no-op elsewhere).
static inline void spl_keep_freed_memory(int trimThreshold, int mmapThreshold) {
#ifdef __linux__
    mallopt(M_MMAP_THRESHOLD, mmapThreshold);
    mallopt(M_TRIM_THRESHOLD, trimThreshold);
#endif
}

#endif
