# Builds the floatip native addon (native/: AF_PACKET and raw IP sockets, OFD locks, SCHED_RR, sock_diag dumps) into
# build/Release/floatip_native.node, and the guardian (native/guardian/) into build/Release/floatip-guardian. npm runs node-gyp on it during `npm ci`.
{
  'targets': [
    {
      'target_name': 'floatip_native',
      'sources': [
        'native/addon.cc',
        'native/errno_error.cc',
        'native/fcntl_lock.cc',
        'native/netlink_watch.cc',
        'native/packet_socket.cc',
        'native/raw_ip_socket.cc',
        'native/realtime.cc',
        'native/sock_diag_dump.cc',
        'native/socket_options.cc',
        'native/spawn.cc',
      ],
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra'],
      'defines': ['NAPI_VERSION=8'],
    },
    {
      # The guardian (native/guardian/main.cc says why it is a program of its own, not Node.js).
      'target_name': 'floatip-guardian',
      'type': 'executable',
      'sources': [
        'native/guardian/args.cc',
        'native/guardian/fence.cc',
        'native/guardian/frame.cc',
        'native/guardian/key.cc',
        'native/guardian/log.cc',
        'native/guardian/main.cc',
        'native/guardian/notice.cc',
        'native/guardian/pipe.cc',
      ],
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra'],
      'libraries': ['-lcrypto'],
    },
  ],
}
