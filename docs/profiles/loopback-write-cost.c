// What one small write(2) over loopback TCP costs on this machine, without Node in the way.
//
// Two processes play ping-pong with 64-byte messages over 127.0.0.1 (TCP_NODELAY, like the gateway);
// the parent times each write() it makes. With `spin` the child polls its socket with non-blocking
// recv() instead of sleeping in read(), so the parent's write no longer has to wake it: the
// difference between the two runs is the cost of waking the receiver.
//
//   gcc -O2 -o /tmp/loopback-write-cost docs/profiles/loopback-write-cost.c
//   /tmp/loopback-write-cost 50000         # receiver sleeps in read()
//   /tmp/loopback-write-cost 50000 spin    # receiver busy-polls
//
// Results on the benchmark machine are in docs/benchmarks.md ("Pipeline depth 1 (a)").

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void echo_forever(struct sockaddr_in *addr, int spin) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)addr, sizeof *addr) != 0) exit(1);
  no_delay(fd);
  char buf[64];
  for (;;) {
    ssize_t n;
    if (spin) {
      while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) < 0) {
      }
    } else {
      n = read(fd, buf, sizeof buf);
    }
    if (n <= 0) exit(0);
    if (write(fd, buf, (size_t)n) != n) exit(1);
  }
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 50000;
  int spin = argc > 2 && strcmp(argv[2], "spin") == 0;

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 1) != 0) return 1;
  getsockname(listener, (struct sockaddr *)&addr, &len);

  pid_t child = fork();
  if (child == 0) echo_forever(&addr, spin);
  int fd = accept(listener, NULL, NULL);
  no_delay(fd);

  char buf[64];
  memset(buf, 'x', sizeof buf);
  double in_write = 0, start = now_us();
  for (int i = 0; i < rounds; i++) {
    double before = now_us();
    if (write(fd, buf, sizeof buf) != sizeof buf) return 1;
    in_write += now_us() - before;
    for (size_t got = 0; got < sizeof buf;) {
      ssize_t n = read(fd, buf + got, sizeof buf - got);
      if (n <= 0) return 1;
      got += (size_t)n;
    }
  }
  double total = now_us() - start;
  close(fd);
  waitpid(child, NULL, 0);
  printf("receiver %s: write() %.2f us on average, round trip %.2f us (%d rounds)\n",
         spin ? "busy-polls" : "sleeps in read()", in_write / rounds, total / rounds, rounds);
  return 0;
}
