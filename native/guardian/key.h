// The cluster key for the guardian's notice, read with the daemon's checks (src/adapters/peer/cluster-key.ts).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace guardian {

// The file's bytes, or nullopt with `error` saying what is wrong and what to do.
std::optional<std::vector<unsigned char>> LoadClusterKey(const std::string& file, std::string* error);

}  // namespace guardian
