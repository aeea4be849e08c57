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

#define HEAD_MAX 8192
#define PATH_MAX_LEN 2048 /* the spec's limit on a URL path */
#define TIMEOUT_MAX_MS 86400000L /* the spec's limit on a timeout: a day */

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

/* "HTTP/1.1 404 Not Found": 1 and the status, reason copied; 0 if it is not a status line. */
static int parse_status(const char *line, int *status, char *reason, size_t reason_size) {
    if (strncmp(line, "HTTP/", 5) != 0) return 0;
    const char *p = line + 5;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] == '.' && p[2] >= '0' && p[2] <= '9')) return 0;
    p += 3;
    if (*p++ != ' ') return 0;
    for (int i = 0; i < 3; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    if (p[3] != '\0' && p[3] != ' ') return 0;
    *status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    snprintf(reason, reason_size, "%s", p[3] == ' ' ? p + 4 : "");
    return 1;
}

/*
 * Read answers until a final one (not 1xx: 100 Continue, 103 Early Hints come first).
 * 1 with its status and reason; -1 timed out; -2 closed early; -3 not HTTP (line copied).
 */
static int read_final_status(int fd, long deadline, int *status, char *reason, size_t size,
                             char *seen, size_t seen_size) {
    char buf[HEAD_MAX];
    size_t got = 0, at = 0; /* at: start of the answer being read */
    buf[0] = '\0';
    for (;;) {
        char *end = strchr(buf + at, '\n'); /* CRLF, or a bare LF from a lax server */
        if (end != NULL) {
            char *cut = end > buf + at && end[-1] == '\r' ? end - 1 : end;
            char kept = *cut;
            *cut = '\0';
            int ok = parse_status(buf + at, status, reason, size);
            if (!ok) {
                snprintf(seen, seen_size, "%.60s", buf + at);
                return -3;
            }
            *cut = kept;
            if (*status >= 200) return 1;
            char *next = strstr(buf + at, "\r\n\r\n"); /* skip the interim answer */
            size_t skip = 4;
            if (next == NULL) {
                next = strstr(buf + at, "\n\n");
                skip = 2;
            }
            if (next != NULL) {
                at = (size_t)(next + skip - buf);
                continue;
            }
        }
        if (got >= sizeof buf - 1) {
            snprintf(seen, seen_size, "%s", "an answer head over 8 KiB");
            return -3;
        }
        if (wait_fd(fd, POLLIN, deadline) < 0) return -1;
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) {
            snprintf(seen, seen_size, "%.60s", got > at ? buf + at : "connection closed");
            return got > at ? -3 : -2;
        }
        got += (size_t)r;
        buf[got] = '\0';
    }
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
    char request[PATH_MAX_LEN + 160];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: localhost:%d\r\nUser-Agent: zane-probe\r\n"
                     "Accept: */*\r\nConnection: close\r\n\r\n", path, port);
    int status = 0;
    char reason[128] = "", seen[80] = "";
    int got = send_all(fd, request, (size_t)n, deadline) < 0
                  ? -1 : read_final_status(fd, deadline, &status, reason, sizeof reason,
                                           seen, sizeof seen);
    close(fd);
    long took = now_ms() - started;
    if (got == -1) {
        printf("GET %s on port %d: no answer within %ld ms\n", path, port, timeout_ms);
        return 1;
    }
    if (got < 0) {
        printf("GET %s on port %d: the answer is not HTTP (%s)\n", path, port,
               got == -2 ? "connection closed" : seen);
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

static int write_all(int fd, const char *data, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy this binary to `tmp`, then rename it to `target`: a reader never sees half of it. */
static int copy_self(const char *tmp, const char *target) {
    int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    int ok = in >= 0 && out >= 0;
    char buf[65536];
    ssize_t r = 0;
    while (ok && (r = read(in, buf, sizeof buf)) != 0) {
        if (r < 0 && errno == EINTR) continue;
        ok = r > 0 && write_all(out, buf, (size_t)r) == 0;
    }
    ok = ok && fchmod(out, 0755) == 0 && fsync(out) == 0;
    if (out >= 0 && close(out) < 0) ok = 0;
    if (in >= 0) close(in);
    ok = ok && rename(tmp, target) == 0;
    if (!ok) {
        fprintf(stderr, "zane-probe: cannot install %s: %s\n", target, strerror(errno));
        unlink(tmp);
    }
    return ok ? 0 : 1;
}

/* Install into dir, then wait: Swarm keeps one of these on every node, so every node has
 * the probe. As PID 1 a signal has no default action: it is waited for, from the start. */
static int install(const char *dir) {
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigprocmask(SIG_BLOCK, &wanted, NULL);
    char target[4096], tmp[4096];
    snprintf(target, sizeof target, "%s/zane-probe", dir);
    snprintf(tmp, sizeof tmp, "%s/.zane-probe.tmp", dir);
    if (same_file("/proc/self/exe", target)) {
        printf("zane-probe: %s is up to date\n", target);
    } else if (copy_self(tmp, target) != 0) {
        return 1;
    } else {
        printf("zane-probe: installed %s\n", target);
    }
    fflush(stdout);
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
        if (*end || timeout < 1 || timeout > TIMEOUT_MAX_MS) return usage();
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
