// floatip-guardian: watches floatipd's pipe and ticks, removes floatip's addresses if the daemon dies or freezes.
//
// Started by floatipd (src/daemon/guardian-client.ts) with the pipe on stdin, stdout for the one
// "ready" line and then one ack byte per tick, stderr shared with the daemon for its log lines.
// It fences when
//   - the pipe closes without a goodbye: the daemon died (SIGKILL included: the kernel closes
//     its end of the pipe), so its addresses must stop answering now;
//   - no tick came for fence_after: the daemon is stopped (SIGSTOP) or the thread that ticks
//     is blocked, and the majority will take its addresses after dead_after > fence_after.
// A goodbye means the daemon released its addresses itself: the guardian leaves without
// touching anything. After a fence it tells the peers (notice.cc). A fence order (`f`) from the
// daemon's fast path, which found no quorum, deletes the addresses at once and the guardian
// keeps watching (FenceOrdered).
//
// Why native and not Node.js (it was guardian-main.ts until 2026-12): a node runs one guardian
// per daemon, and the guardian must run when the daemon cannot. As a Node.js process it cost
// ~47 MB of RSS per node (V8, its heap, ~33 MB of shared binary counted in each), 1-2 s to
// start on a loaded machine (a daemon waits for it before it may host), ~1 % of a core at rest
// for its timers, and its own garbage collector and compiler pauses stood between a missed
// tick and the fence. This program is one poll(2) loop: ~1 MB, ready in milliseconds, asleep
// between ticks.
//
// It ignores SIGTERM, SIGINT and SIGHUP: a stopping daemon says goodbye when it has released
// its addresses, and one that dies closes the pipe; either way the guardian decides from the
// pipe, not from a signal aimed at the daemon's whole group.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "fence.h"
#include "key.h"
#include "log.h"
#include "notice.h"
#include "pipe.h"

namespace guardian {
namespace {

// The guardian's exit status says what it did (GuardianExitCode in guardian.ts).
enum Exit { kBye = 0, kFailed = 1, kFencedPipeClosed = 10, kFencedNoTicks = 11 };

constexpr int kNice = -10;
// The notices to the peers end by then (a peer cut off would otherwise hold the guardian's exit).
constexpr int kNoticeDeadlineMs = 1000;

double NowMs() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

double Round2(double ms) { return static_cast<double>(static_cast<int64_t>(ms * 100.0 + 0.5)) / 100.0; }

void WriteAll(int fd, const void* data, size_t length) {
  const auto* at = static_cast<const unsigned char*>(data);
  while (length > 0) {
    ssize_t wrote = write(fd, at, length);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    at += wrote;
    length -= static_cast<size_t>(wrote);
  }
}

class Guardian {
 public:
  Guardian(const Args& args, Log* log) : args_(args), log_(*log), fence_(args.address_protocol) {}

  int Run() {
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) std::signal(signal, SIG_IGN);
    // A dead daemon's end of stdout is closed: EPIPE must not end the guardian before it fenced.
    std::signal(SIGPIPE, SIG_IGN);
    // When the daemon dies the guardian must get a CPU at once, even on a busy node (floatipd
    // also raises it to SCHED_RR once ready); without CAP_SYS_NICE it keeps the default.
    if (setpriority(PRIO_PROCESS, 0, kNice) != 0) {
      log_.Info({{"nice", Json::Integer(kNice)}}, "guardian runs at normal priority (no CAP_SYS_NICE): fencing may wait for a CPU on a busy node");
    }
    // Read now, not when fencing: a notice must leave right after the deletes.
    if (args_.notice) {
      std::string error;
      key_ = LoadClusterKey(args_.notice->key_file, &error);
      if (!key_) log_.Warn({}, "guardian cannot read the cluster key, so it will not tell the peers when it fenced: " + error);
    }
    std::string error;
    if (!fence_.Prepare(&error)) {
      log_.Error({}, "guardian cannot read the addresses: " + error);
      return kFailed;
    }
    // Ready only once it can fence: the daemon ticks, and hosts, only after this line.
    WriteAll(STDOUT_FILENO, kReadyLine, sizeof kReadyLine - 1);
    // From here the acks never block: a daemon that stops reading them must not stop the guardian.
    fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK);
    return Watch();
  }

 private:
  // The loop: the pipe, and the one deadline fence_after after the last tick.
  int Watch() {
    last_tick_ = NowMs();
    for (;;) {
      double left = last_tick_ + args_.fence_after_ms - NowMs();
      // The deadline passed. Judged only after reading what waits in the pipe: a guardian that
      // itself stood still (no core for it) would otherwise fence although ticks were waiting.
      pollfd pipe{STDIN_FILENO, POLLIN, 0};
      int ready = poll(&pipe, 1, left > 0 ? static_cast<int>(left) + 1 : 0);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        if (left <= 0) return FenceNow(kNoTicks);
        continue;
      }
      std::optional<int> ended = ReadPipe(left <= 0);
      if (ended) return *ended;
    }
  }

  // Reads once from the pipe; an exit status once the guardian is done.
  std::optional<int> ReadPipe(bool past_deadline) {
    unsigned char chunk[4096];
    ssize_t got = read(STDIN_FILENO, chunk, sizeof chunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return std::nullopt;
    if (got <= 0) return FenceNow(kPipeClosed);
    PipeInput input = pipe_.Input(chunk, static_cast<size_t>(got));
    for (const std::vector<NoticePeer>& peers : input.peer_lists) {
      if (args_.notice) args_.notice->peers = peers;
      std::vector<std::string> pnns;
      for (const NoticePeer& peer : peers) pnns.push_back(Json::Integer(peer.pnn));
      log_.Info({{"peers", Json::Array(pnns)}}, "the daemon's node set changed: a fence is told to " + std::to_string(peers.size()) + " peer(s)");
    }
    if (input.ticks > 0) {
      last_tick_ = NowMs();
      std::string acks(input.ticks, static_cast<char>(kAck));
      // EAGAIN (the daemon does not read) or EPIPE (it is gone) lose acks, never the guardian.
      (void)!write(STDOUT_FILENO, acks.data(), acks.size());
    }
    if (input.fences > 0 && !FenceOrdered()) return kFailed;
    if (input.bye) return kBye;
    // Only ticks count: anything else on the pipe proves nothing about the loop that ticks.
    if (past_deadline && input.ticks == 0) return FenceNow(kNoTicks);
    return std::nullopt;
  }

  int FenceNow(WireCause cause) {
    const double silent_ms = NowMs() - last_tick_;
    FenceReport report;
    std::optional<std::vector<Field>> fields = RemoveAll(cause == kPipeClosed ? "pipe-closed" : "no-ticks", &report);
    if (!fields) return kFailed;
    // Only a complete fence may shorten the peers' wait.
    if (report.failed.empty()) Notify(cause, static_cast<uint32_t>(report.removed.size()));
    fields->insert(fields->begin() + 1, {"silentMs", Json::Integer(static_cast<int64_t>(silent_ms + 0.5))});
    const std::string message = cause == kPipeClosed
        ? "floatipd died: removed its public addresses"
        : "floatipd sent no tick for " + std::to_string(static_cast<int64_t>(silent_ms + 0.5)) + " ms: removed its public addresses";
    if (report.failed.empty()) log_.Warn(*fields, message);
    else log_.Error(*fields, message);
    if (!report.failed.empty()) return kFailed;
    return cause == kPipeClosed ? kFencedPipeClosed : kFencedNoTicks;
  }

  // The daemon's fast path found no quorum with addresses held: delete them now, answer with one
  // kFenceDone byte and keep guarding. The daemon lives on and releases its records; the peers
  // take the addresses fence_after plus a little per address after its last heartbeat
  // (core/takeover-gate.ts), and a main loop busy with 333 releases and their scripts took
  // ~450 ms where this takes a few. No notice: the daemon still speaks to whoever it can reach,
  // and a peer that hears it again counts a notice from before as void anyway.
  // False only when the kernel would not let go of an address: the daemon then sees the
  // guardian end (failed) and treats its addresses as unguarded.
  bool FenceOrdered() {
    FenceReport report;
    std::optional<std::vector<Field>> fields = RemoveAll("ordered", &report);
    if (!fields) return false;
    const std::string message = "floatipd's fast path found no quorum: removed its public addresses, guarding on";
    if (!report.failed.empty()) {
      log_.Error(*fields, message);
      return false;
    }
    log_.Warn(*fields, message);
    const unsigned char done = kFenceDone;
    (void)!write(STDOUT_FILENO, &done, 1);
    return true;
  }

  // Every fence's deletes, timed: the fields of its log line (a count, not the list: a node may
  // hold thousands), or nullopt after an error line when the addresses could not even be read.
  std::optional<std::vector<Field>> RemoveAll(const std::string& cause, FenceReport* report) {
    const double started = NowMs();
    std::string error;
    if (!fence_.RemoveTagged(report, &error)) {
      log_.Error({{"cause", Json::Text(cause)}},
                 "guardian could not remove the public addresses: " + error + "; run `floatip`'s cleanup (ExecStopPost) or delete them by hand");
      return std::nullopt;
    }
    const double fence_ms = Round2(NowMs() - started);
    std::vector<std::string> failed;
    for (const auto& [address, why] : report->failed) failed.push_back(Json::Object({{"address", Json::Text(address)}, {"error", Json::Text(why)}}));
    return std::vector<Field>{{"cause", Json::Text(cause)}, {"fenceMs", Json::Number(fence_ms)},
                              {"removed", Json::Integer(static_cast<int64_t>(report->removed.size()))}, {"failed", Json::Array(failed)}};
  }

  void Notify(WireCause cause, uint32_t removed) {
    if (!args_.notice || !key_ || args_.notice->peers.empty()) return;
    std::vector<NoticeOutcome> outcomes = SendNotices(*args_.notice, *key_, FencedNotice{args_.notice->pnn, cause, removed}, kNoticeDeadlineMs);
    std::vector<std::string> items;
    size_t failed = 0;
    for (const NoticeOutcome& o : outcomes) {
      failed += o.ok ? 0 : 1;
      std::vector<Field> item = {{"pnn", Json::Integer(o.pnn)}, {"ok", Json::Bool(o.ok)}};
      item.push_back(o.ok ? Field{"ms", Json::Number(Round2(o.ms))} : Field{"error", Json::Text(o.error)});
      items.push_back(Json::Object(item));
    }
    const std::string count = std::to_string(outcomes.size());
    if (failed == 0) log_.Info({{"notices", Json::Array(items)}}, "told " + count + " peer(s) the addresses are gone");
    else log_.Warn({{"notices", Json::Array(items)}}, "could not tell " + std::to_string(failed) + " of " + count + " peer(s) the addresses are gone: they wait out crash_grace");
  }

  Args args_;
  const Log& log_;
  Fence fence_;
  PipeReader pipe_;
  std::optional<Bytes> key_;
  double last_tick_ = 0;
};

}  // namespace
}  // namespace guardian

int main(int argc, char** argv) {
  guardian::Log log;
  log.Bind({"component", guardian::Json::Text("guardian")});
  std::string error;
  std::optional<guardian::Args> args = guardian::ParseArgs(std::vector<std::string>(argv + 1, argv + argc), &error);
  if (!args) {
    log.Error({}, "guardian cannot start: " + error);
    return guardian::kFailed;
  }
  if (args->notice) log.Bind({"pnn", guardian::Json::Integer(args->notice->pnn)});
  return guardian::Guardian(*args, &log).Run();
}
