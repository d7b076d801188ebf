// Starts an event script with posix_spawn on a thread-pool thread (no copy of the daemon's page tables, no wait on the loop) and reports its start and exit to the JS loop.
//
// Why not Node's child_process.spawn: libuv 1.46 (Node 20) forks, and fork() copies the page
// tables of the whole ~80 MB daemon while holding its mmap lock, then blocks the loop until the
// child has exec'd. glibc's posix_spawn starts the child with clone(CLONE_VM | CLONE_VFORK): it
// shares our memory until its execve, so nothing is copied and the parent waits only for the
// exec itself. Measured in a process of 78 MB RSS (docs/benchmarks.md "Script spawns without
// fork"): fork+exec 1.4 ms p50, posix_spawn 0.04 ms.
//
// Why on a thread of libuv's pool: the thread that calls posix_spawn still waits until the
// child has exec'd, and on a loaded machine the child first waits for a core: 5-75 ms measured
// beside two busy loops, as long as the fork's. CLONE_VFORK suspends only the calling thread,
// so the loop runs on meanwhile.
//
// The exit comes through a pidfd watched by the loop (uv_poll), not a SIGCHLD handler or a
// thread: libuv reaps only the pids it started (waitpid per pid), so ours are ours to reap, and
// a pidfd turns readable exactly when our child has exited.
#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <string>
#include <vector>

#include "errno_error.h"

extern char** environ;

namespace floatip {
namespace {

// One started script until it has been reaped and its callback called.
struct ChildWatch {
  uv_poll_t poll;
  int pidfd;
  pid_t pid;
  napi_env env;
  Napi::FunctionReference onExit;
  Napi::ObjectReference resource;
  napi_async_context context = nullptr;
};

int PidfdOpen(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

void CloseWatch(uv_handle_t* handle) {
  auto* watch = static_cast<ChildWatch*>(handle->data);
  close(watch->pidfd);
  if (watch->context != nullptr) napi_async_destroy(watch->env, watch->context);
  delete watch;
}

// The pidfd is readable: the child has exited. Reap it and hand its status to JS.
void OnChildReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* watch = static_cast<ChildWatch*>(handle->data);
  int wstatus = 0;
  pid_t reaped;
  do {
    reaped = waitpid(watch->pid, &wstatus, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  // 0: not exited yet (a spurious wake-up, or a poll error while it runs); keep watching: only
  // once waitpid has answered for it may we stop, or it would stay a zombie.
  (void)status;
  if (reaped == 0) return;
  uv_poll_stop(handle);

  Napi::Env env(watch->env);
  Napi::HandleScope scope(env);
  napi_value code = env.Null();
  napi_value signal = env.Null();
  if (reaped == watch->pid && WIFEXITED(wstatus)) {
    code = Napi::Number::New(env, WEXITSTATUS(wstatus));
  } else if (reaped == watch->pid && WIFSIGNALED(wstatus)) {
    signal = Napi::Number::New(env, WTERMSIG(wstatus));
  } else {
    // waitpid failed (ECHILD: someone else reaped it). Report it as an exit we cannot know.
    code = Napi::Number::New(env, 255);
  }
  Napi::Function onExit = watch->onExit.Value();
  Napi::Object resource = watch->resource.Value();
  uv_close(reinterpret_cast<uv_handle_t*>(handle), CloseWatch);
  napi_value args[2] = {code, signal};
  napi_value result;
  // MakeCallback: microtasks run after it, as after any of Node's own I/O callbacks. A throw in
  // the callback is an uncaught exception of the process, as it would be from an 'exit' handler.
  napi_status called = napi_make_callback(env, watch->context, resource, onExit, 2, args, &result);
  if (called == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

std::vector<std::string> Strings(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(value.Env(), std::string(what) + " must be an array of strings");
    out.push_back(item.As<Napi::String>().Utf8Value());
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Spawn attributes and file actions, destroyed whatever happens.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
};

// posix_spawn's answer, an errno value: 0 when the script started.
int Start(pid_t* pid, const std::string& path, std::vector<std::string>& argv, std::vector<std::string>& env, int outputFd) {
  SpawnSetup setup;
  // A new session: the script and everything it forks are one process group (pgid = pid) that a
  // timeout kills at once. Dispositions back to default and nothing blocked: Node ignores
  // SIGPIPE and blocks signals of its own, and an ignored signal would stay ignored across exec.
  // (glibc 2.36 still leaves its two internal signals, 32 and 33, ignored in every child it
  // spawns; glibc installs its own handlers for them where a program needs them.)
  sigset_t all;
  sigset_t none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, outputFd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, outputFd, STDERR_FILENO);
  // None of the daemon's sockets (netlink, AF_PACKET, the mesh) reach a script or a service it
  // starts, even one a library opened without O_CLOEXEC.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);

  std::vector<char*> envp = Pointers(env);
  std::vector<std::string> args;
  args.reserve(argv.size() + 2);
  args.push_back(path);
  for (std::string& a : argv) args.push_back(a);
  std::vector<char*> argp = Pointers(args);
  int err = posix_spawn(pid, path.c_str(), &setup.actions, &setup.attr, argp.data(), envp.data());
  if (err != ENOEXEC) return err;
  // No #! line: execvp (and so Node's spawn) runs such a file with /bin/sh; so do we.
  std::vector<std::string> shell;
  shell.reserve(args.size() + 1);
  shell.push_back("/bin/sh");
  for (std::string& a : args) shell.push_back(a);
  std::vector<char*> shellp = Pointers(shell);
  return posix_spawn(pid, "/bin/sh", &setup.actions, &setup.attr, shellp.data(), envp.data());
}

// A started child we cannot watch: end its group and reap it now, so no zombie is left.
void KillAndReap(pid_t pid) {
  kill(-pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Starts one script on a thread of libuv's pool, then watches its exit from the loop.
class SpawnWork : public Napi::AsyncWorker {
 public:
  SpawnWork(Napi::Env env, std::string path, std::vector<std::string> argv, std::vector<std::string> environment, Napi::Function onStarted, Napi::Function onExit)
      : Napi::AsyncWorker(env, "floatip:script-start"),
        path_(std::move(path)),
        argv_(std::move(argv)),
        environment_(std::move(environment)) {
    onStarted_ = Napi::Persistent(onStarted);
    onExit_ = Napi::Persistent(onExit);
  }

  // On the pool's thread: no JS here.
  void Execute() override {
    int pipeFds[2];
    if (pipe2(pipeFds, O_CLOEXEC) != 0) {
      err_ = errno;
      syscall_ = "pipe2";
      return;
    }
    err_ = Start(&pid_, path_, argv_, environment_, pipeFds[1]);
    close(pipeFds[1]);
    if (err_ != 0) {
      close(pipeFds[0]);
      return;
    }
    // From here the child runs: whatever fails, it must still be reaped.
    pidfd_ = PidfdOpen(pid_);
    if (pidfd_ < 0) {
      err_ = errno;
      syscall_ = "pidfd_open";
      KillAndReap(pid_);
      close(pipeFds[0]);
      return;
    }
    output_ = pipeFds[0];
  }

  // Back on the loop: watch the child's exit, then tell JS it started (or why not).
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (err_ == 0) err_ = Watch();
    if (err_ != 0) {
      onStarted_.Call({ErrnoError(env, err_, syscall_, path_).Value()});
      return;
    }
    onStarted_.Call({env.Null(), Napi::Number::New(env, pid_), Napi::Number::New(env, output_)});
  }

 private:
  // A uv_poll on the pidfd; on failure the child is killed and reaped, an errno value returned.
  int Watch() {
    uv_loop_t* loop = nullptr;
    Napi::Env env = Env();
    auto* watch = new ChildWatch();
    watch->pidfd = pidfd_;
    watch->pid = pid_;
    watch->env = env;
    watch->poll.data = watch;
    int failed = napi_get_uv_event_loop(env, &loop) == napi_ok && loop != nullptr ? uv_poll_init(loop, &watch->poll, pidfd_) : UV_EINVAL;
    if (failed != 0) {
      close(pidfd_);
      delete watch;
    } else {
      failed = uv_poll_start(&watch->poll, UV_READABLE, OnChildReadable);
      if (failed != 0) uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), CloseWatch);
    }
    if (failed != 0) {
      KillAndReap(pid_);
      close(output_);
      syscall_ = "uv_poll_start";
      return -failed;
    }
    watch->onExit = std::move(onExit_);
    Napi::Object resource = Napi::Object::New(env);
    watch->resource = Napi::Persistent(resource);
    napi_async_init(env, resource, Napi::String::New(env, "floatip:script"), &watch->context);
    return 0;
  }

  std::string path_;
  std::vector<std::string> argv_;
  std::vector<std::string> environment_;
  Napi::FunctionReference onStarted_;
  Napi::FunctionReference onExit_;
  int err_ = 0;
  const char* syscall_ = "posix_spawn";
  pid_t pid_ = 0;
  int pidfd_ = -1;
  int output_ = -1;
};

}  // namespace

Napi::Value SpawnScript(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "expected (path: string, argv: string[], env: string[], onStarted: (error, pid, output) => void, onExit: (code, signal) => void)";
  if (info.Length() < 5 || !info[0].IsString() || !info[3].IsFunction() || !info[4].IsFunction()) throw Napi::TypeError::New(env, usage);
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::vector<std::string> argv = Strings(info[1], "argv");
  std::vector<std::string> environment = Strings(info[2], "env");
  auto* work = new SpawnWork(env, std::move(path), std::move(argv), std::move(environment), info[3].As<Napi::Function>(), info[4].As<Napi::Function>());
  work->Queue();  // deletes itself after OnOK
  return env.Undefined();
}

}  // namespace floatip
