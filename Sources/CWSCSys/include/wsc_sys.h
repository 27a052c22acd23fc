// Thin wrappers over the Linux socket calls Swift's Glibc module hides or cannot express
// (accept4, SO_PEERCRED, SCM_RIGHTS control messages). Plain C types only.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int wsc_accept_nonblock(int listen_fd);

/// The peer's credentials (SO_PEERCRED). Returns 0 or -1 with errno.
int wsc_peer_cred(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid);

/// Binds and listens on a Unix stream socket at `path` with permission `mode`, under a temporary umask so the
/// socket never exists with looser permissions. Removes a stale socket file first. Non-blocking, close-on-exec.
int wsc_unix_listen(const char *path, unsigned mode, int backlog);

/// Connects a blocking, close-on-exec Unix stream socket to `path`.
int wsc_unix_connect(const char *path);

/// Sets O_NONBLOCK and FD_CLOEXEC.
int wsc_set_nonblock_cloexec(int fd);

/// recvmsg into `buf`; file descriptors passed with SCM_RIGHTS (at most `max_fds`, at most 8) are stored in `fds`
/// and their number in `*nfds` (marked close-on-exec). `*truncated` is set to 1 when more descriptors came than
/// fit (the kernel or this call closed the rest), else 0: the bytes read are still returned, so the caller can
/// answer the frame they belong to. Returns bytes read, 0 at EOF, -1 with errno.
ssize_t wsc_recv_with_fds(int fd, void *buf, size_t len, int *fds, int max_fds, int *nfds, int *truncated);

/// sendmsg of `buf` with one file descriptor attached (SCM_RIGHTS) when `pass_fd` >= 0. MSG_NOSIGNAL.
ssize_t wsc_send_with_fd(int fd, const void *buf, size_t len, int pass_fd);

/// sendmsg of `buf` with `nfds` (0...8) file descriptors attached in one SCM_RIGHTS message. MSG_NOSIGNAL.
ssize_t wsc_send_with_fds(int fd, const void *buf, size_t len, const int *pass_fds, int nfds);

/// send with MSG_NOSIGNAL | MSG_DONTWAIT.
ssize_t wsc_send_nosignal(int fd, const void *buf, size_t len);

/// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call before any other thread starts, so all inherit
/// the mask) and returns a non-blocking, close-on-exec signalfd that reports them; -1 with errno on failure.
int wsc_termination_signalfd(void);

/// Reads one pending signal from a signalfd made by wsc_termination_signalfd: its number, 0 if none, -1 on error.
int wsc_signalfd_next(int fd);

/// Returns freed heap memory to the kernel (glibc malloc_trim).
void wsc_release_free_memory(void);

/// The kernel's view of the system clock (adjtimex, read only): 1 synchronized by an NTP daemon, 0 not
/// (STA_UNSYNC or TIME_ERROR), -1 unknown (the call failed, or a seccomp filter is in force, under which the call
/// could kill the process: systemd's @system-service does not allow adjtimex).
int wsc_clock_synchronized(void);

/// prctl(PR_SET_DUMPABLE, dumpable): 0 keeps the process out of core dumps and ptrace by other processes of the
/// same user, and makes its /proc files root-owned. Returns 0 or -1 with errno.
int wsc_set_dumpable(int dumpable);

/// Raises the calling thread's nice value by `nice_increment` (at most to 19), relative to what it inherited
/// (Linux: the nice value is per thread); 0 or -1 with errno.
int wsc_lower_thread_priority(int nice_increment);
/// Names the calling thread (at most 15 bytes are kept), as /proc/PID/task/TID/comm and ps -L show it.
void wsc_set_thread_name(const char *name);
