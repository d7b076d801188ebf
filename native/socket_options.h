// Socket buffer sizing shared by the packet and raw IP sockets.
#pragma once

namespace floatip {

// Raises send and receive buffers to 4 MiB so a burst of thousands of frames
// neither blocks the sender nor overflows a receiver. As root the *FORCE
// options pass the sysctl limits; otherwise the plain ones do what they can.
void EnlargeBuffers(int fd);

}  // namespace floatip
