#include "wsc_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <pthread.h>

int wsc_accept_nonblock(int listen_fd) { return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int wsc_peer_cred(int fd, int32_t *pid, uint32_t *uid, uint32_t *gid) {
    struct ucred c;
    socklen_t len = sizeof c;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) != 0) return -1;
    *pid = c.pid;
    *uid = c.uid;
    *gid = c.gid;
    return 0;
}

static int fill_address(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

int wsc_unix_listen(const char *path, unsigned mode, int backlog) {
    struct sockaddr_un sa;
    if (fill_address(&sa, path) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path);
    mode_t old = umask(0777 & ~mode);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || chmod(path, mode) != 0 || listen(fd, backlog) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int wsc_unix_connect(const char *path) {
    struct sockaddr_un sa;
    if (fill_address(&sa, path) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int wsc_set_nonblock_cloexec(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0) return -1;
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != 0) return -1;
    return 0;
}

ssize_t wsc_recv_with_fds(int fd, void *buf, size_t len, int *fds, int max_fds, int *nfds, int *truncated) {
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    *nfds = 0;
    *truncated = 0;
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0) return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *received = (int *)CMSG_DATA(c);
        for (int i = 0; i < count; i++) {
            if (*nfds < max_fds) {
                fds[(*nfds)++] = received[i];
            } else {
                close(received[i]);  // more than the caller can take: never leak them
                *truncated = 1;
            }
        }
    }
    // The kernel closed the descriptors that did not fit in `control`; the bytes are still the caller's.
    if (msg.msg_flags & MSG_CTRUNC) *truncated = 1;
    return n;
}

static ssize_t send_with_fds(int fd, const void *buf, size_t len, const int *pass_fds, int nfds) {
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    char control[CMSG_SPACE(sizeof(int) * 8)];
    if (nfds < 0 || nfds > 8) {
        errno = EINVAL;
        return -1;
    }
    if (nfds > 0) {
        memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), pass_fds, sizeof(int) * (size_t)nfds);
    }
    return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

ssize_t wsc_send_with_fd(int fd, const void *buf, size_t len, int pass_fd) {
    return send_with_fds(fd, buf, len, &pass_fd, pass_fd >= 0 ? 1 : 0);
}

ssize_t wsc_send_with_fds(int fd, const void *buf, size_t len, const int *pass_fds, int nfds) {
    return send_with_fds(fd, buf, len, pass_fds, nfds);
}

ssize_t wsc_send_nosignal(int fd, const void *buf, size_t len) { return send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT); }

#include <signal.h>
#include <sys/signalfd.h>

int wsc_termination_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int wsc_signalfd_next(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}

#include <malloc.h>
void wsc_release_free_memory(void) { malloc_trim(0); }

#include <stdio.h>
#include <sys/timex.h>

/// Whether a seccomp filter is in force (/proc/self/status "Seccomp: 2"; 1, strict mode, counts too). Under one,
/// adjtimex may be outside the allow-list (systemd's @system-service and ProtectClock= leave it out) and the call
/// would kill the process, so it is not made.
static int wsc_seccomp_active(void) {
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL) return 1;  // cannot tell: assume filtered
    char line[256];
    int active = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "Seccomp:", 8) == 0) {
            const char *p = line + 8;
            while (*p == ' ' || *p == '\t') p++;
            active = *p != '0';
            break;
        }
    }
    fclose(f);
    return active;
}

int wsc_clock_synchronized(void) {
    if (wsc_seccomp_active()) return -1;
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state < 0) return -1;
    return (state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0) ? 1 : 0;
}

#include <sys/prctl.h>

int wsc_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0, 0, 0); }

#include <sys/resource.h>
#include <sys/syscall.h>

void wsc_set_thread_name(const char *name) { (void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); }

int wsc_lower_thread_priority(int nice_increment) {
    id_t tid = (id_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, tid);
    if (current == -1 && errno != 0) return -1;
    int wanted = current + nice_increment;
    return setpriority(PRIO_PROCESS, tid, wanted > 19 ? 19 : wanted);
}
