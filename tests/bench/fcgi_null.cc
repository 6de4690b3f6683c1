// The do-nothing baseline of the redirector benchmark: N prefork libfcgi
// workers on one unix socket, each answering every request with a fixed 302
// and nothing else (no lookup, no GeoIP). Behind nginx with a plain
// fastcgi_pass it measures what the FastCGI path itself costs. The only
// program that still links libfcgi: the redirector frames FastCGI itself
// (src/redirector/fcgi_protocol.h), as libfcgi's blocking reads let one
// slow peer hold a worker; a baseline that never meets one can keep it.
// Usage: fcgi_null SOCKET WORKERS   (runs until SIGTERM)
#include <fcgiapp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fcgi_null SOCKET WORKERS\n");
    return 2;
  }
  unlink(argv[1]);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, argv[1], sizeof sa.sun_path - 1);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(fd, 1024) != 0) {
    std::perror(argv[1]);
    return 1;
  }
  chmod(argv[1], 0666);
  FCGX_Init();
  std::vector<pid_t> kids;
  for (int i = 0; i < std::atoi(argv[2]); ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      FCGX_Request req;
      FCGX_InitRequest(&req, fd, 0);
      static const char kAnswer[] =
          "Status: 302 Found\r\nLocation: http://mirror.example.org/file\r\n"
          "Cache-Control: private, no-store\r\nContent-Length: 0\r\n\r\n";
      while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(kAnswer, sizeof kAnswer - 1, req.out);
        FCGX_Finish_r(&req);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sig;
  sigwait(&set, &sig);
  for (pid_t k : kids) kill(k, SIGKILL);
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  unlink(argv[1]);
  return 0;
}
