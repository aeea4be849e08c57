/*
 * zane-probe: the platform's HTTP health check, run inside a user's container by Docker
 * (HEALTHCHECK ["CMD", "/.zane/zane-probe", "http", PORT, PATH, TIMEOUT_MS]). Static, so it
 * needs nothing from the image: no shell, no curl, no libc; any user may run it and it
 * writes nothing. One line on stdout says what the service answered; Docker keeps it.
 *
 *   zane-probe http PORT PATH TIMEOUT_MS   healthy (exit 0) on a 2xx or 3xx answer
 *   zane-probe install DIR                 copy itself to DIR/zane-probe, then wait for a signal
 *   zane-probe installed DIR               exit 0 when DIR/zane-probe is this very binary
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 1024
#define PATH_MAX_LEN 512

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* A path is sent as is: refuse what would break the request line (the spec refuses it too). */
static int plain_path(const char *path) {
    size_t n = strlen(path);
    if (n == 0 || n > PATH_MAX_LEN || path[0] != '/') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c <= 0x20 || c >= 0x7f) return 0;
    }
    return 1;
}

/* Wait for fd to be ready for `events` until `deadline`; 0 ready, -1 timed out. */
static int wait_fd(int fd, short events, long deadline) {
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0) return -1;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)left);
        if (r > 0) return 0;
        if (r == 0) return -1;
        if (errno != EINTR) return -1;
    }
}

/* Connect to 127.0.0.1, then ::1; the socket, or -1 with *why set to the first errno. */
static int connect_loopback(int port, long deadline, int *why) {
    struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short)port)};
    inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
    v6.sin6_addr = in6addr_loopback;
    struct sockaddr *targets[] = {(struct sockaddr *)&v4, (struct sockaddr *)&v6};
    socklen_t sizes[] = {sizeof v4, sizeof v6};
    *why = 0;
    for (int i = 0; i < 2; i++) {
        int fd = socket(targets[i]->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue; /* e.g. no IPv6 in this container */
        int err = 0;
        if (connect(fd, targets[i], sizes[i]) < 0) {
            err = errno;
            if (err == EINPROGRESS) {
                if (wait_fd(fd, POLLOUT, deadline) < 0) {
                    err = ETIMEDOUT;
                } else {
                    socklen_t len = sizeof err;
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                }
            }
        }
        if (err == 0) return fd;
        close(fd);
        if (*why == 0) *why = err;
        if (err == ETIMEDOUT) break; /* no time left for the other address */
    }
    return -1;
}

static int send_all(int fd, const char *data, size_t n, long deadline) {
    while (n > 0) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w > 0) {
            data += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) < 0) return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Read until the status line is complete; its length, -1 on timeout, -2 closed early. */
static int read_status_line(int fd, char *buf, size_t size, long deadline) {
    size_t got = 0;
    while (got < size - 1) {
        if (wait_fd(fd, POLLIN, deadline) < 0) return -1;
        ssize_t r = recv(fd, buf + got, size - 1 - got, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) break;
        got += (size_t)r;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n");
        if (end == NULL) end = strchr(buf, '\n');
        if (end != NULL) {
            *end = '\0';
            return (int)(end - buf);
        }
    }
    buf[got] = '\0';
    return got > 0 ? (int)got : -2;
}

static int probe_http(int port, const char *path, long timeout_ms) {
    long started = now_ms();
    long deadline = started + timeout_ms;
    int why = 0;
    int fd = connect_loopback(port, deadline, &why);
    if (fd < 0) {
        if (why == ECONNREFUSED)
            printf("GET %s on port %d: connection refused: nothing listens on port %d "
                   "(127.0.0.1 or ::1) in the container\n", path, port, port);
        else if (why == ETIMEDOUT)
            printf("GET %s on port %d: no connection within %ld ms\n", path, port, timeout_ms);
        else
            printf("GET %s on port %d: cannot connect: %s\n", path, port, strerror(why));
        return 1;
    }
    char request[PATH_MAX_LEN + 128];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: zane-probe\r\n"
                     "Accept: */*\r\nConnection: close\r\n\r\n", path, port);
    char head[HEAD_MAX];
    int len = send_all(fd, request, (size_t)n, deadline) < 0
                  ? -1 : read_status_line(fd, head, sizeof head, deadline);
    close(fd);
    long took = now_ms() - started;
    if (len == -1) {
        printf("GET %s on port %d: no answer within %ld ms\n", path, port, timeout_ms);
        return 1;
    }
    int status = 0;
    char reason[128] = "";
    if (len < 0 || sscanf(head, "HTTP/%*d.%*d %3d %127[^\r\n]", &status, reason) < 1) {
        printf("GET %s on port %d: the answer is not HTTP (%.60s)\n", path, port,
               len < 0 ? "connection closed" : head);
        return 1;
    }
    int healthy = status >= 200 && status < 400;
    printf("GET %s on port %d: answered %d%s%s in %ld ms%s\n", path, port, status,
           reason[0] ? " " : "", reason, took, healthy ? "" : " (healthy needs 2xx or 3xx)");
    return healthy ? 0 : 1;
}

static int same_file(const char *a, const char *b) {
    int fa = open(a, O_RDONLY | O_CLOEXEC), fb = open(b, O_RDONLY | O_CLOEXEC);
    int same = fa >= 0 && fb >= 0;
    char x[8192], y[8192];
    while (same) {
        ssize_t ra = read(fa, x, sizeof x), rb = read(fb, y, sizeof y);
        if (ra != rb || ra < 0 || memcmp(x, y, (size_t)ra) != 0) same = 0;
        if (ra <= 0) break;
    }
    if (fa >= 0) close(fa);
    if (fb >= 0) close(fb);
    return same;
}

/* Copy this binary into dir through a temporary name, so a reader never sees half of it. */
static int install(const char *dir) {
    char target[4096], tmp[4096];
    snprintf(target, sizeof target, "%s/zane-probe", dir);
    snprintf(tmp, sizeof tmp, "%s/.zane-probe.%d", dir, (int)getpid());
    if (!same_file("/proc/self/exe", target)) {
        int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (in < 0 || out < 0) {
            fprintf(stderr, "zane-probe: cannot install into %s: %s\n", dir, strerror(errno));
            return 1;
        }
        char buf[65536];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0) {
            if (write(out, buf, (size_t)r) != r) {
                fprintf(stderr, "zane-probe: write %s: %s\n", tmp, strerror(errno));
                return 1;
            }
        }
        fchmod(out, 0755);
        if (fsync(out) < 0 || close(out) < 0 || rename(tmp, target) < 0) {
            fprintf(stderr, "zane-probe: install %s: %s\n", target, strerror(errno));
            return 1;
        }
        close(in);
        printf("zane-probe: installed %s\n", target);
    } else {
        printf("zane-probe: %s is up to date\n", target);
    }
    fflush(stdout);
    /* Stay: Swarm keeps one of these on every node, so every node has the probe. */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigprocmask(SIG_BLOCK, &wanted, NULL);
    int sig = 0;
    sigwait(&wanted, &sig);
    return 0;
}

static int installed(const char *dir) {
    char target[4096];
    snprintf(target, sizeof target, "%s/zane-probe", dir);
    if (same_file("/proc/self/exe", target)) return 0;
    printf("%s is missing or not this version\n", target);
    return 1;
}

static int usage(void) {
    fprintf(stderr, "usage: zane-probe http PORT PATH TIMEOUT_MS | install DIR | installed DIR\n");
    return 2;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "http") == 0) {
        char *end;
        long port = strtol(argv[2], &end, 10);
        if (*end || port < 1 || port > 65535) return usage();
        long timeout = strtol(argv[4], &end, 10);
        if (*end || timeout < 1 || timeout > 600000) return usage();
        if (!plain_path(argv[3])) {
            printf("refused path: it must start with / and hold no space or control byte\n");
            return 1;
        }
        return probe_http((int)port, argv[3], timeout);
    }
    if (argc == 3 && strcmp(argv[1], "install") == 0) return install(argv[2]);
    if (argc == 3 && strcmp(argv[1], "installed") == 0) return installed(argv[2]);
    return usage();
}
