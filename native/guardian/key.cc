// Reads the cluster key file: a regular file (no symbolic link), 16..4096 bytes, owned by root or us, readable by nobody else.
//
// The same rules as the daemon's loadClusterKey, checked on the opened descriptor, so the file
// cannot be swapped between check and read: a key others can read or change is no key.
#include "key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace guardian {
namespace {

constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 4096;

std::string HowToMake(const std::string& file) {
  return "create it with `head -c 32 /dev/urandom > " + file + " && chmod 600 " + file + "` and copy the same file to every node";
}

}  // namespace

std::optional<std::vector<unsigned char>> LoadClusterKey(const std::string& file, std::string* error) {
  error->clear();
  // O_NONBLOCK: a FIFO in its place must not hold the guardian's start until someone writes to it.
  int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) *error = file + ": does not exist: " + HowToMake(file);
    else if (err == ELOOP) *error = file + ": is a symbolic link: point cluster.key_file at the key file itself";
    else *error = file + ": cannot be opened (" + std::strerror(err) + "): run floatipd as root or as the file's owner";
    return std::nullopt;
  }
  struct stat facts;
  std::vector<unsigned char> key;
  if (fstat(fd, &facts) != 0) {
    *error = file + ": cannot be read (" + std::strerror(errno) + ")";
  } else if (!S_ISREG(facts.st_mode)) {
    *error = file + ": is not a regular file: point cluster.key_file at the key file (" + HowToMake(file) + ")";
  } else if ((facts.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", facts.st_mode & 0777);
    *error = file + ": has mode " + mode + ", so other users can read or change the cluster key: run `chmod 600 " + file + "`";
  } else if (facts.st_uid != 0 && facts.st_uid != getuid()) {
    *error = file + ": is owned by uid " + std::to_string(facts.st_uid) + ", who could change the cluster key: run `chown root " + file + "`";
  } else {
    unsigned char buffer[kMaxKeyBytes + 1];
    size_t size = 0;
    for (;;) {
      ssize_t got = read(fd, buffer + size, sizeof buffer - size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        *error = file + ": cannot be read (" + std::strerror(errno) + ")";
        break;
      }
      if (got == 0 || size + static_cast<size_t>(got) == sizeof buffer) {
        size += static_cast<size_t>(got);
        break;
      }
      size += static_cast<size_t>(got);
    }
    if (error->empty()) {
      if (size < kMinKeyBytes) {
        *error = file + ": holds " + std::to_string(size) + " bytes, fewer than the 16 a cluster key needs: " + HowToMake(file);
      } else if (size > kMaxKeyBytes) {
        *error = file + ": holds more than " + std::to_string(kMaxKeyBytes) + " bytes, more than a key file ever needs: is cluster.key_file the right file?";
      } else {
        key.assign(buffer, buffer + size);
      }
    }
  }
  close(fd);
  if (!error->empty()) return std::nullopt;
  return key;
}

}  // namespace guardian
