-- floatip.lua: Wireshark dissector for floatip's peer mesh (TCP 4390): every frame, every field, and its HMAC.
--
-- Load it with `tshark -X lua_script:floatip.lua` or copy it into Wireshark's personal Lua
-- plugins folder (docs/wireshark.md). Written for Lua 5.2 (Debian 12's Wireshark 4.0):
-- bit32 for bit operations, no integer division, no 5.3 operators.
--
-- The payload layouts are not written here by hand: MESSAGES below is generated from the
-- codecs in src/protocol/frame-message-codecs.ts (npm run wireshark:table), and one small reader
-- per field type walks it. The frame layout and the key derivation follow
-- docs/protocol.md ("Frame", "Handshake").

local proto = Proto("floatip", "floatip peer mesh")

local DEFAULT_PORT = 4390
local FRAME_MAGIC = 0x4650
local FRAME_VERSION = 1
local HEADER_BYTES = 16
local MAC_BYTES = 32
local MIN_FRAME_BYTES = HEADER_BYTES + MAC_BYTES
-- No node announces a larger frame limit (MAX_MAX_FRAME_BYTES): a longer "frame" is lost framing.
local MAX_FRAME_BYTES = 16 * 1024 * 1024
local TWO_32 = 4294967296

proto.prefs.port = Pref.uint("TCP port", DEFAULT_PORT, "The mesh port of the cluster (cluster.port in floatip.toml)")
proto.prefs.key_file = Pref.string("Cluster key file", "",
  "The cluster's key_file (the same on every node): with it, every frame's HMAC is checked. Empty: only HELLO's is")

------------------------------------------------------------------------------------------------
-- SHA-256 and HMAC-SHA256 in plain Lua 5.2 (Wireshark's Lua has no hash functions).

local band, bor, bxor, bnot = bit32.band, bit32.bor, bit32.bxor, bit32.bnot
local rrotate, rshift = bit32.rrotate, bit32.rshift

local SHA256_K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local function be32(value)
  return string.char(rshift(value, 24), band(rshift(value, 16), 0xff), band(rshift(value, 8), 0xff), band(value, 0xff))
end

local function sha256(message)
  local bits = #message * 8
  message = message .. "\128" .. string.rep("\0", (55 - #message) % 64)
    .. be32(math.floor(bits / TWO_32)) .. be32(bits % TWO_32)
  local h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
  local w = {}
  for block = 1, #message, 64 do
    for j = 1, 16 do
      local b1, b2, b3, b4 = string.byte(message, block + (j - 1) * 4, block + (j - 1) * 4 + 3)
      w[j] = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
    end
    for j = 17, 64 do
      local x, y = w[j - 15], w[j - 2]
      local s0 = bxor(rrotate(x, 7), rrotate(x, 18), rshift(x, 3))
      local s1 = bxor(rrotate(y, 17), rrotate(y, 19), rshift(y, 10))
      w[j] = (w[j - 16] + s0 + w[j - 7] + s1) % TWO_32
    end
    local a, b, c, d, e, f, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    for j = 1, 64 do
      local s1 = bxor(rrotate(e, 6), rrotate(e, 11), rrotate(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = (hh + s1 + ch + SHA256_K[j] + w[j]) % TWO_32
      local s0 = bxor(rrotate(a, 2), rrotate(a, 13), rrotate(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      hh, g, f, e, d, c, b, a = g, f, e, (d + t1) % TWO_32, c, b, a, (t1 + s0 + maj) % TWO_32
    end
    h[1], h[2], h[3], h[4] = (h[1] + a) % TWO_32, (h[2] + b) % TWO_32, (h[3] + c) % TWO_32, (h[4] + d) % TWO_32
    h[5], h[6], h[7], h[8] = (h[5] + e) % TWO_32, (h[6] + f) % TWO_32, (h[7] + g) % TWO_32, (h[8] + hh) % TWO_32
  end
  local out = {}
  for j = 1, 8 do out[j] = be32(h[j]) end
  return table.concat(out)
end

local function xor_bytes(text, byte)
  return (string.gsub(text, ".", function(c) return string.char(bxor(string.byte(c), byte)) end))
end

local function hmac_sha256(key, message)
  if #key > 64 then key = sha256(key) end
  key = key .. string.rep("\0", 64 - #key)
  return sha256(xor_bytes(key, 0x5c) .. sha256(xor_bytes(key, 0x36) .. message))
end

------------------------------------------------------------------------------------------------
-- BEGIN GENERATED MESSAGE TABLE (npm run wireshark:table writes it from src/protocol/frame-message-codecs.ts: do not edit by hand)
-- One row per message type: its kind and its payload layout, fields in wire order.
local MESSAGES = {
  [0x01] = { kind = "hello",
    body = { type = "struct", fields = {
      { "role", { type = "enum", names = { "initiator", "responder", "notifier" } } },
      { "pnn", { type = "pnn" } },
      { "clusterFingerprint", { type = "bytes", length = 8 } },
      { "nonce", { type = "bytes", length = 32 } },
      { "maxFrameBytes", { type = "u32" } },
    } } },
  [0x02] = { kind = "proof",
    body = { type = "struct", fields = {
      { "peerNonce", { type = "bytes", length = 32 } },
    } } },
  [0x10] = { kind = "heartbeat",
    body = { type = "struct", fields = {
      { "pnn", { type = "pnn" } },
      { "beat", { type = "u64" } },
      { "flags", { type = "u32", flags = { [0x02] = "UNHEALTHY", [0x04] = "DISABLED", [0x08] = "BANNED", [0x20] = "STOPPED" } } },
      { "banRemainingMs", { type = "optional", inner = { type = "u32" } } },
      { "monitor", { type = "enum", names = { "pending", "healthy", "unhealthy" } } },
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn-or-none" } },
      { "links", { type = "list", count = 2, item = { type = "struct", fields = {
        { "iface", { type = "ifname" } },
        { "state", { type = "enum", names = { "down", "up" } } },
      } } } },
      { "hosted", { type = "list", count = 4, item = { type = "ip" } } },
      { "partition", { type = "list", count = 2, item = { type = "pnn" } } },
      { "heard", { type = "list", count = 2, item = { type = "struct", fields = {
        { "pnn", { type = "pnn" } },
        { "agoMs", { type = "u32" } },
      } } } },
      { "voters", { type = "list", count = 2, item = { type = "pnn" } } },
    } } },
  [0x11] = { kind = "leaving",
    body = { type = "struct", fields = {
      { "pnn", { type = "pnn" } },
      { "reason", { type = "enum", names = { "shutdown", "restart" } } },
    } } },
  [0x12] = { kind = "public-addresses",
    body = { type = "struct", fields = {
      { "pnn", { type = "pnn" } },
      { "addresses", { type = "list", count = 4, item = { type = "struct", fields = {
        { "address", { type = "ip" } },
        { "bits", { type = "u8" } },
        { "interfaces", { type = "list", count = 2, item = { type = "ifname" } } },
      } } } },
    } } },
  [0x13] = { kind = "ping",
    body = { type = "struct", fields = {
      { "seq", { type = "u32" } },
      { "sentUs", { type = "u64" } },
    } } },
  [0x14] = { kind = "pong",
    body = { type = "struct", fields = {
      { "seq", { type = "u32" } },
      { "sentUs", { type = "u64" } },
    } } },
  [0x15] = { kind = "fenced",
    body = { type = "struct", fields = {
      { "pnn", { type = "pnn" } },
      { "cause", { type = "enum", names = { "pipe-closed", "no-ticks" } } },
      { "removed", { type = "u32" } },
    } } },
  [0x16] = { kind = "features",
    body = { type = "struct", fields = {
      { "bits", { type = "u32" } },
    } } },
  [0x17] = { kind = "heartbeat-brief",
    body = { type = "struct", fields = {
      { "pnn", { type = "pnn" } },
      { "beat", { type = "u64" } },
      { "flags", { type = "u32" } },
      { "banRemainingMs", { type = "optional", inner = { type = "u32" } } },
      { "monitor", { type = "enum", names = { "pending", "healthy", "unhealthy" } } },
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn-or-none" } },
      { "links", { type = "list", count = 2, item = { type = "struct", fields = {
        { "iface", { type = "ifname" } },
        { "state", { type = "enum", names = { "down", "up" } } },
      } } } },
      { "partition", { type = "list", count = 2, item = { type = "pnn" } } },
      { "heard", { type = "list", count = 2, item = { type = "struct", fields = {
        { "pnn", { type = "pnn" } },
        { "agoMs", { type = "u32" } },
      } } } },
      { "voters", { type = "list", count = 2, item = { type = "pnn" } } },
    } } },
  [0x20] = { kind = "release",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn" } },
      { "addresses", { type = "list", count = 4, item = { type = "ip" } } },
    } } },
  [0x21] = { kind = "release-ack",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "released", { type = "list", count = 4, item = { type = "ip" } } },
      { "failed", { type = "list", count = 4, item = { type = "struct", fields = {
        { "address", { type = "ip" } },
        { "reason", { type = "text", max = 1024 } },
      } } } },
    } } },
  [0x22] = { kind = "take",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn" } },
      { "takes", { type = "list", count = 4, item = { type = "struct", fields = {
        { "address", { type = "ip" } },
        { "bits", { type = "u8" } },
        { "iface", { type = "ifname" } },
      } } } },
    } } },
  [0x23] = { kind = "take-ack",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "results", { type = "list", count = 4, item = { type = "struct", fields = {
        { "address", { type = "ip" } },
        { "status", { type = "enum", names = { "taken", "failed" } } },
        { "error", { type = "text", max = 1024 } },
        { "timings", { type = "struct", fields = {
          { "addressUs", { type = "u32" } },
          { "announceUs", { type = "u32" } },
          { "tickleUs", { type = "u32" } },
          { "eventUs", { type = "u32" } },
        } } },
      } } } },
    } } },
  [0x24] = { kind = "ipreallocated",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn" } },
    } } },
  [0x25] = { kind = "ipreallocated-ack",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "status", { type = "enum", names = { "ok", "failed" } } },
      { "error", { type = "text", max = 1024 } },
    } } },
  [0x26] = { kind = "run-record",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn" } },
      { "startedAtMs", { type = "u64" } },
      { "reason", { type = "text", max = 1024 } },
      { "status", { type = "enum", names = { "ok", "failed", "superseded" } } },
      { "error", { type = "text", max = 1024 } },
      { "moves", { type = "u32" } },
      { "phasesUs", { type = "struct", fields = {
        { "allocate", { type = "u64" } },
        { "release", { type = "u64" } },
        { "take", { type = "u64" } },
        { "ipreallocated", { type = "u64" } },
        { "total", { type = "u64" } },
      } } },
      { "loopDelayP99Us", { type = "optional", inner = { type = "u64" } } },
    } } },
  [0x27] = { kind = "run-counted",
    body = { type = "struct", fields = {
      { "epoch", { type = "u64" } },
      { "leader", { type = "pnn" } },
      { "counted", { type = "bool" } },
    } } },
  [0x30] = { kind = "tickle-full",
    body = { type = "struct", fields = {
      { "address", { type = "ip" } },
      { "connections", { type = "list", count = 4, item = { type = "struct", fields = {
        { "client", { type = "ip" } },
        { "clientPort", { type = "u16" } },
        { "serverPort", { type = "u16" } },
      } } } },
    } } },
  [0x31] = { kind = "tickle-delta",
    body = { type = "struct", fields = {
      { "address", { type = "ip" } },
      { "added", { type = "list", count = 4, item = { type = "struct", fields = {
        { "client", { type = "ip" } },
        { "clientPort", { type = "u16" } },
        { "serverPort", { type = "u16" } },
      } } } },
      { "removed", { type = "list", count = 4, item = { type = "struct", fields = {
        { "client", { type = "ip" } },
        { "clientPort", { type = "u16" } },
        { "serverPort", { type = "u16" } },
      } } } },
    } } },
  [0x40] = { kind = "admin-request",
    body = { type = "struct", fields = {
      { "requestId", { type = "u32" } },
      { "request", { type = "tagged", key = "action", variants = {
        { "disable", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
        } } },
        { "enable", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
        } } },
        { "stop", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
        } } },
        { "continue", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
        } } },
        { "unban", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
        } } },
        { "ban", { type = "struct", fields = {
          { "pnn", { type = "pnn" } },
          { "seconds", { type = "u32" } },
        } } },
        { "moveip", { type = "struct", fields = {
          { "address", { type = "ip" } },
          { "pnn", { type = "pnn" } },
        } } },
        { "ipreallocate", { type = "struct", fields = {} } },
        { "rebalance", { type = "struct", fields = {
          { "nodes", { type = "list", count = 2, item = { type = "pnn" } } },
        } } },
      } } },
    } } },
  [0x41] = { kind = "admin-reply",
    body = { type = "struct", fields = {
      { "requestId", { type = "u32" } },
      { "status", { type = "enum", names = { "ok", "refused", "failed" } } },
      { "message", { type = "text", max = 4096 } },
    } } },
  [0x42] = { kind = "reload-request",
    body = { type = "struct", fields = {
      { "requestId", { type = "u32" } },
      { "reloadId", { type = "u32" } },
      { "step", { type = "tagged", key = "step", variants = {
        { "hold", { type = "struct", fields = {
          { "holdMs", { type = "u32" } },
        } } },
        { "apply", { type = "struct", fields = {} } },
        { "release", { type = "struct", fields = {} } },
        { "run", { type = "struct", fields = {
          { "applied", { type = "list", count = 2, item = { type = "pnn" } } },
        } } },
        { "sync", { type = "struct", fields = {} } },
        { "check-nodes", { type = "struct", fields = {
          { "nodes", { type = "list", count = 2, item = { type = "struct", fields = {
            { "address", { type = "optional", inner = { type = "ip" } } },
          } } } },
        } } },
        { "apply-nodes", { type = "struct", fields = {
          { "nodes", { type = "list", count = 2, item = { type = "struct", fields = {
            { "address", { type = "optional", inner = { type = "ip" } } },
          } } } },
        } } },
      } } },
    } } },
  [0x43] = { kind = "reload-reply",
    body = { type = "struct", fields = {
      { "requestId", { type = "u32" } },
      { "status", { type = "enum", names = { "ok", "refused", "failed" } } },
      { "message", { type = "text", max = 4096 } },
    } } },
}
-- END GENERATED MESSAGE TABLE

------------------------------------------------------------------------------------------------
-- Fields: the header's, then one per path of every message, made by walking MESSAGES.
-- A body field is named floatip.<kind>.<path> (dashes in the kind become underscores):
-- a list's items carry the list's name and its count is <name>.count, an address is
-- <name>.v4 or <name>.v6, a struct or tagged union is a subtree under its own name.

local f = {
  length = ProtoField.uint32("floatip.length", "Length", base.DEC),
  magic = ProtoField.uint16("floatip.magic", "Magic", base.HEX),
  version = ProtoField.uint8("floatip.version", "Version", base.DEC),
  type = ProtoField.uint8("floatip.type", "Type", base.HEX),
  seq = ProtoField.uint64("floatip.seq", "Sequence", base.DEC),
  mac = ProtoField.bytes("floatip.mac", "MAC"),
  mac_status = ProtoField.uint8("floatip.mac_status", "MAC status", base.DEC, {
    [0] = "not checked: no cluster key (set the key_file preference)",
    [1] = "good",
    [2] = "bad",
    [3] = "not checked: this connection's handshake is not in the capture",
  }),
}
local MAC_UNCHECKED, MAC_GOOD, MAC_BAD, MAC_NO_HANDSHAKE = 0, 1, 2, 3

local type_names = {}
for type_code, row in pairs(MESSAGES) do type_names[type_code] = string.upper(row.kind) end
f.type = ProtoField.uint8("floatip.type", "Type", base.HEX, type_names)

local body_fields = {}

local function enum_strings(names)
  local strings = {}
  for index, name in ipairs(names) do strings[index - 1] = name end
  return strings
end

local SCALAR_FIELDS = {
  u8 = function(abbrev, label) return ProtoField.uint8(abbrev, label, base.DEC) end,
  u16 = function(abbrev, label) return ProtoField.uint16(abbrev, label, base.DEC) end,
  u32 = function(abbrev, label) return ProtoField.uint32(abbrev, label, base.DEC) end,
  u64 = function(abbrev, label) return ProtoField.uint64(abbrev, label, base.DEC) end,
  pnn = function(abbrev, label) return ProtoField.uint32(abbrev, label, base.DEC) end,
  ["pnn-or-none"] = function(abbrev, label) return ProtoField.uint32(abbrev, label, base.DEC) end,
  bool = function(abbrev, label) return ProtoField.uint8(abbrev, label, base.DEC, { [0] = "false", [1] = "true" }) end,
  bytes = function(abbrev, label) return ProtoField.bytes(abbrev, label) end,
  ifname = function(abbrev, label) return ProtoField.string(abbrev, label) end,
  text = function(abbrev, label) return ProtoField.string(abbrev, label) end,
  enum = function(abbrev, label, shape) return ProtoField.uint8(abbrev, label, base.DEC, enum_strings(shape.names)) end,
}

-- A flag word's bits, lowest first (pairs() has no order, and the tree should not shuffle).
local function flag_bits(flags)
  local bits = {}
  for mask, name in pairs(flags) do bits[#bits + 1] = { mask = mask, name = name } end
  table.sort(bits, function(a, b) return a.mask < b.mask end)
  return bits
end

local function define(abbrev, make)
  -- Variants of a tagged union share names (every admin action has a pnn): one field serves them all.
  if body_fields[abbrev] == nil then body_fields[abbrev] = make() end
end

local define_shape

local function define_struct_fields(shape, abbrev)
  for _, entry in ipairs(shape.fields) do define_shape(entry[2], abbrev .. "." .. entry[1], entry[1]) end
end

define_shape = function(shape, abbrev, label)
  local t = shape.type
  if t == "u32" and shape.flags then
    define(abbrev, function() return ProtoField.uint32(abbrev, label, base.HEX) end)
    for _, bit in ipairs(flag_bits(shape.flags)) do
      define(abbrev .. "." .. bit.name, function() return ProtoField.bool(abbrev .. "." .. bit.name, bit.name, 32, nil, bit.mask) end)
    end
  elseif SCALAR_FIELDS[t] then
    define(abbrev, function() return SCALAR_FIELDS[t](abbrev, label, shape) end)
  elseif t == "ip" then
    define(abbrev .. ".v4", function() return ProtoField.ipv4(abbrev .. ".v4", label) end)
    define(abbrev .. ".v6", function() return ProtoField.ipv6(abbrev .. ".v6", label) end)
  elseif t == "optional" then
    define_shape(shape.inner, abbrev, label)
  elseif t == "list" then
    local count = shape.count == 2 and ProtoField.uint16 or ProtoField.uint32
    define(abbrev .. ".count", function() return count(abbrev .. ".count", label .. " (count)", base.DEC) end)
    define_shape(shape.item, abbrev, label)
  elseif t == "struct" then
    define(abbrev, function() return ProtoField.none(abbrev, label) end)
    define_struct_fields(shape, abbrev)
  elseif t == "tagged" then
    define(abbrev, function() return ProtoField.none(abbrev, label) end)
    local names = {}
    for index, variant in ipairs(shape.variants) do
      names[index] = variant[1]
      define_struct_fields(variant[2], abbrev)
    end
    define(abbrev .. "." .. shape.key, function()
      return ProtoField.uint8(abbrev .. "." .. shape.key, shape.key, base.DEC, enum_strings(names))
    end)
  else
    error("floatip.lua: field type '" .. tostring(t) .. "' of " .. abbrev .. " has no reader: update floatip.lua")
  end
end

local function kind_abbrev(kind)
  return "floatip." .. string.gsub(kind, "-", "_")
end

for _, row in pairs(MESSAGES) do define_struct_fields(row.body, kind_abbrev(row.kind)) end

local all_fields = {}
for _, field in pairs(f) do all_fields[#all_fields + 1] = field end
for _, field in pairs(body_fields) do all_fields[#all_fields + 1] = field end
proto.fields = all_fields

local ef = {
  malformed = ProtoExpert.new("floatip.malformed", "Malformed floatip frame", expert.group.MALFORMED, expert.severity.ERROR),
  bad_mac = ProtoExpert.new("floatip.bad_mac", "MAC does not verify", expert.group.CHECKSUM, expert.severity.ERROR),
  unknown_type = ProtoExpert.new("floatip.unknown_type", "Message type unknown to this dissector",
    expert.group.UNDECODED, expert.severity.WARN),
  wrong_key = ProtoExpert.new("floatip.wrong_key", "Cluster key fingerprint differs from the key_file preference",
    expert.group.SECURITY, expert.severity.WARN),
}
proto.experts = { ef.malformed, ef.bad_mac, ef.unknown_type, ef.wrong_key }

------------------------------------------------------------------------------------------------
-- Readers: one per field type, the same checks as the project's decoder (frame-fields.ts, frame-field-combinators.ts).
-- A reader raises a Malformed value naming the field; the frame then gets expert info.

local Malformed = {}

local function malformed(cursor, length, label, problem)
  error(setmetatable({ at = cursor.at, length = length, message = label .. " " .. problem }, Malformed), 0)
end

local function need(cursor, count, label)
  local left = cursor.limit - cursor.at
  if left < count then malformed(cursor, left, label, "is cut short: needs " .. count .. " byte(s), " .. left .. " left") end
end

local FIXED_BYTES = { u8 = 1, u16 = 2, u32 = 4, u64 = 8, pnn = 4, ["pnn-or-none"] = 4, bool = 1, enum = 1 }

local function min_bytes(shape)
  local t = shape.type
  if FIXED_BYTES[t] then return FIXED_BYTES[t] end
  if t == "bytes" then return shape.length end
  if t == "ip" or t == "ifname" or t == "optional" then return t == "ip" and 5 or 1 end
  if t == "text" then return 2 end
  if t == "list" then return shape.count end
  if t == "struct" then
    local total = 0
    for _, entry in ipairs(shape.fields) do total = total + min_bytes(entry[2]) end
    return total
  end
  if t == "tagged" then
    local least
    for _, variant in ipairs(shape.variants) do
      local bytes = min_bytes(variant[2])
      if least == nil or bytes < least then least = bytes end
    end
    return 1 + least
  end
  error("floatip.lua: no size for field type " .. tostring(t))
end

-- Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF), as TextDecoder's fatal mode.
local function is_utf8(text)
  local i, n = 1, #text
  while i <= n do
    local c = string.byte(text, i)
    local extra, low, high
    if c < 0x80 then extra = 0
    elseif c >= 0xc2 and c <= 0xdf then extra, low, high = 1, 0x80, 0xbf
    elseif c == 0xe0 then extra, low, high = 2, 0xa0, 0xbf
    elseif c == 0xed then extra, low, high = 2, 0x80, 0x9f
    elseif c >= 0xe1 and c <= 0xef then extra, low, high = 2, 0x80, 0xbf
    elseif c == 0xf0 then extra, low, high = 3, 0x90, 0xbf
    elseif c >= 0xf1 and c <= 0xf3 then extra, low, high = 3, 0x80, 0xbf
    elseif c == 0xf4 then extra, low, high = 3, 0x80, 0x8f
    else return false end
    if i + extra > n then return false end
    for k = 1, extra do
      local b = string.byte(text, i + k)
      if k == 1 then
        if b < low or b > high then return false end
      elseif b < 0x80 or b > 0xbf then return false end
    end
    i = i + 1 + extra
  end
  return true
end

-- Linux interface names (dev_valid_name): 1..15 printable bytes, no / or :, not . or ..
local function is_interface_name(name)
  return #name >= 1 and #name <= 15 and string.find(name, "^[\33-\126]+$") ~= nil
    and string.find(name, "[/:]") == nil and name ~= "." and name ~= ".."
end

local read_shape

local function read_struct_fields(shape, abbrev, tree, cursor)
  for _, entry in ipairs(shape.fields) do read_shape(entry[2], abbrev .. "." .. entry[1], entry[1], tree, cursor) end
end

local function read_uint(cursor, bytes, label)
  need(cursor, bytes, label)
  local range = cursor.tvb(cursor.at, bytes)
  cursor.at = cursor.at + bytes
  return range:uint(), range
end

-- Adds a subtree item at the cursor; its length is set once its children are read.
local function open_subtree(tree, field, cursor)
  local left = cursor.limit - cursor.at
  if left > 0 then return tree:add(field, cursor.tvb(cursor.at, left)) end
  return tree:add(field, cursor.tvb(cursor.at - 1, 1))
end

read_shape = function(shape, abbrev, label, tree, cursor)
  local t = shape.type
  local start = cursor.at
  if t == "u8" or t == "u16" or t == "u32" or t == "pnn" or t == "pnn-or-none" or t == "bool" or t == "enum" then
    local value, range = read_uint(cursor, FIXED_BYTES[t], label)
    if t == "pnn" and value == 0xffffffff then
      cursor.at = start
      malformed(cursor, 4, label, 'is "no node" where a node number is required')
    end
    if t == "bool" and value > 1 then cursor.at = start; malformed(cursor, 1, label, "is " .. value .. ", not 0 or 1") end
    if t == "enum" and value >= #shape.names then
      cursor.at = start
      malformed(cursor, 1, label, "is " .. value .. ": known values are 0.." .. (#shape.names - 1) .. " (" .. table.concat(shape.names, ", ") .. ")")
    end
    local item = tree:add(body_fields[abbrev], range)
    if t == "pnn-or-none" and value == 0xffffffff then item:append_text(" (no node)") end
    if shape.flags then
      for _, bit in ipairs(flag_bits(shape.flags)) do item:add(body_fields[abbrev .. "." .. bit.name], range) end
    end
  elseif t == "u64" then
    need(cursor, 8, label)
    if cursor.tvb(cursor.at, 4):uint() > 0x1fffff then
      malformed(cursor, 8, label, "exceeds 2^53-1: a counter this large is not a real value")
    end
    tree:add(body_fields[abbrev], cursor.tvb(cursor.at, 8))
    cursor.at = cursor.at + 8
  elseif t == "bytes" then
    need(cursor, shape.length, label)
    tree:add(body_fields[abbrev], cursor.tvb(cursor.at, shape.length))
    cursor.at = cursor.at + shape.length
  elseif t == "ip" then
    local family = read_uint(cursor, 1, label)
    if family ~= 4 and family ~= 6 then
      cursor.at = start
      malformed(cursor, 1, label, "has address family " .. family .. ", not 4 or 6")
    end
    local bytes = family == 4 and 4 or 16
    need(cursor, bytes, label)
    local item = tree:add(body_fields[abbrev .. (family == 4 and ".v4" or ".v6")], cursor.tvb(cursor.at, bytes))
    item:set_len(1 + bytes)
    cursor.at = cursor.at + bytes
  elseif t == "ifname" then
    local length = read_uint(cursor, 1, label)
    need(cursor, length, label)
    local name = cursor.tvb:raw(cursor.at, length)
    if not is_interface_name(name) then
      cursor.at = start
      malformed(cursor, 1 + length, label, string.format("%q is not an interface name (1..15 printable bytes, no / or :)", name))
    end
    tree:add(body_fields[abbrev], cursor.tvb(start, 1 + length), name)
    cursor.at = cursor.at + length
  elseif t == "text" then
    local length = read_uint(cursor, 2, label)
    if length > shape.max then cursor.at = start; malformed(cursor, 2, label, "is " .. length .. " bytes long, more than " .. shape.max) end
    need(cursor, length, label)
    local text = cursor.tvb:raw(cursor.at, length)
    if not is_utf8(text) then cursor.at = start; malformed(cursor, 2 + length, label, "is not valid UTF-8") end
    tree:add(body_fields[abbrev], cursor.tvb(start, 2 + length), text)
    cursor.at = cursor.at + length
  elseif t == "optional" then
    local present = read_uint(cursor, 1, label)
    if present > 1 then cursor.at = start; malformed(cursor, 1, label, "is " .. present .. ", not 0 or 1") end
    if present == 1 then read_shape(shape.inner, abbrev, label, tree, cursor) end
  elseif t == "list" then
    local count, range = read_uint(cursor, shape.count, label)
    -- As the decoder: a count the remaining bytes cannot hold is refused before reading any item.
    if count * min_bytes(shape.item) > cursor.limit - cursor.at then
      cursor.at = start
      malformed(cursor, shape.count, label, "claims " .. count .. " items, but only " .. (cursor.limit - start - shape.count) .. " bytes remain")
    end
    local item = tree:add(body_fields[abbrev .. ".count"], range)
    for _ = 1, count do read_shape(shape.item, abbrev, label, item, cursor) end
    item:set_len(cursor.at - start)
  elseif t == "struct" then
    local item = open_subtree(tree, body_fields[abbrev], cursor)
    read_struct_fields(shape, abbrev, item, cursor)
    item:set_len(cursor.at - start)
  elseif t == "tagged" then
    local item = open_subtree(tree, body_fields[abbrev], cursor)
    local tag, range = read_uint(cursor, 1, label .. "." .. shape.key)
    local variant = shape.variants[tag + 1]
    if variant == nil then
      local names = {}
      for index, v in ipairs(shape.variants) do names[index] = v[1] end
      cursor.at = start
      malformed(cursor, 1, label .. "." .. shape.key, "is " .. tag .. ": known values are 0.." .. (#names - 1) .. " (" .. table.concat(names, ", ") .. ")")
    end
    item:add(body_fields[abbrev .. "." .. shape.key], range)
    item:append_text(": " .. variant[1])
    read_struct_fields(variant[2], abbrev, item, cursor)
    item:set_len(cursor.at - start)
  else
    error("floatip.lua: field type '" .. tostring(t) .. "' has no reader")
  end
end

------------------------------------------------------------------------------------------------
-- Per-connection state for the HMAC check: both HELLO payloads give the direction keys.

local HELLO_MAC_KEY = "floatip/1 hello"
local tcp_stream = Field.new("tcp.stream")

local cluster_key, key_problem
local connections = {}

local function load_key()
  cluster_key, key_problem = nil, nil
  local path = proto.prefs.key_file
  if path == nil or path == "" then return end
  local file, err = io.open(path, "rb")
  if file == nil then key_problem = "cannot read key_file " .. path .. ": " .. tostring(err); return end
  cluster_key = file:read("*a")
  file:close()
end

local function connection_of(pinfo)
  local stream = tcp_stream()
  local id = stream and tostring(stream.value) or (tostring(pinfo.src) .. ":" .. pinfo.src_port .. ">" .. tostring(pinfo.dst) .. ":" .. pinfo.dst_port)
  local state = connections[id]
  if state == nil then
    state = { hello = {}, side_of = {} }
    connections[id] = state
  end
  return state
end

local function endpoint(pinfo)
  return tostring(pinfo.src) .. ":" .. pinfo.src_port
end

-- The role of the dialling side keys the session like an initiator (docs/protocol.md, notifier).
local function side_of_role(role)
  return role == "responder" and "responder" or "initiator"
end

local function direction_key(state, side)
  if cluster_key == nil then return nil end
  local initiator, responder = state.hello.initiator, state.hello.responder
  if initiator == nil or responder == nil then return nil end
  local label = side == "initiator" and "floatip/1 session i>r" or "floatip/1 session r>i"
  return hmac_sha256(cluster_key, label .. initiator .. responder)
end

------------------------------------------------------------------------------------------------
-- One frame (a PDU handed over by dissect_tcp_pdus, already reassembled).

local last_packet, frames_in_packet = nil, 0

local function dissect_frame(tvb, pinfo, tree)
  local length = tvb:len()
  local root = tree:add(proto, tvb())
  local function bad(at, bytes, message)
    root:add_tvb_expert_info(ef.malformed, tvb(at, math.max(1, math.min(bytes, length - at))), message)
  end
  if length < 8 then bad(0, length, "a frame needs at least 8 bytes, has " .. length); return length end
  local declared = tvb(0, 4):uint()
  root:add(f.length, tvb(0, 4))
  root:add(f.magic, tvb(4, 2))
  if tvb(4, 2):uint() ~= FRAME_MAGIC then
    bad(4, 2, string.format("magic 0x%04x is not 0x%04x: not a floatip frame, or the stream lost its framing", tvb(4, 2):uint(), FRAME_MAGIC))
    return length
  end
  root:add(f.version, tvb(6, 1))
  local type_code = tvb(7, 1):uint()
  root:add(f.type, tvb(7, 1))
  if tvb(6, 1):uint() ~= FRAME_VERSION then
    bad(6, 1, "frame version " .. tvb(6, 1):uint() .. ": this dissector reads version " .. FRAME_VERSION)
    return length
  end
  if declared < MIN_FRAME_BYTES or declared ~= length then
    bad(0, 4, "length " .. declared .. " is below " .. MIN_FRAME_BYTES .. " (header and MAC) or beyond the stream")
    return length
  end
  root:add(f.seq, tvb(8, 8))
  local row = MESSAGES[type_code]
  local name = row and string.upper(row.kind) or string.format("type 0x%02x", type_code)
  local seq = tvb(8, 8):uint64()
  root:append_text(", " .. name .. ", seq " .. tostring(seq))
  if last_packet ~= pinfo.number then last_packet, frames_in_packet = pinfo.number, 0 end
  frames_in_packet = frames_in_packet + 1
  if frames_in_packet == 1 then pinfo.cols.info:set(name .. " seq=" .. tostring(seq))
  else pinfo.cols.info:append(", " .. name .. " seq=" .. tostring(seq)) end

  local payload_end = length - MAC_BYTES
  local state = connection_of(pinfo)
  local body_ok = false
  if row == nil then
    root:add_tvb_expert_info(ef.unknown_type, tvb(7, 1), string.format("message type 0x%02x is unknown: the receiver drops it", type_code))
  else
    local cursor = { tvb = tvb, at = HEADER_BYTES, limit = payload_end }
    local ok, err = pcall(read_struct_fields, row.body, kind_abbrev(row.kind), root, cursor)
    if ok and cursor.at ~= payload_end then
      ok, err = false, setmetatable({ at = cursor.at, length = payload_end - cursor.at,
        message = row.kind .. " has " .. (payload_end - cursor.at) .. " byte(s) after its last field" }, Malformed)
    end
    if ok then
      body_ok = true
    elseif getmetatable(err) == Malformed then
      bad(err.at, err.length, row.kind .. ": " .. err.message)
    else
      bad(HEADER_BYTES, payload_end - HEADER_BYTES, "dissector error: " .. tostring(err))
    end
  end

  root:add(f.mac, tvb(payload_end, MAC_BYTES))
  local key
  if row ~= nil and row.kind == "hello" then
    key = HELLO_MAC_KEY
    if body_ok then
      local role = row.body.fields[1][2].names[tvb(HEADER_BYTES, 1):uint() + 1]
      local side = side_of_role(role)
      if not pinfo.visited and state.hello[side] == nil then
        state.hello[side] = tvb:raw(HEADER_BYTES, payload_end - HEADER_BYTES)
        state.side_of[endpoint(pinfo)] = side
      end
      if cluster_key ~= nil and hmac_sha256(cluster_key, "floatip/1 fingerprint"):sub(1, 8) ~= tvb:raw(HEADER_BYTES + 5, 8) then
        root:add_tvb_expert_info(ef.wrong_key, tvb(HEADER_BYTES + 5, 8),
          "this node's key differs from the key_file preference: its MACs after HELLO cannot be checked")
      end
    end
  else
    local side = state.side_of[endpoint(pinfo)]
    if side ~= nil then key = direction_key(state, side) end
  end
  local status
  if key ~= nil then
    status = hmac_sha256(key, tvb:raw(0, payload_end)) == tvb:raw(payload_end, MAC_BYTES) and MAC_GOOD or MAC_BAD
  elseif cluster_key == nil then
    status = MAC_UNCHECKED
  else
    status = MAC_NO_HANDSHAKE
  end
  local status_item = root:add(f.mac_status, tvb(payload_end, MAC_BYTES), status)
  status_item:set_generated()
  if key_problem ~= nil and status ~= MAC_GOOD and status ~= MAC_BAD then status_item:append_text(" (" .. key_problem .. ")") end
  if status == MAC_BAD then
    root:add_tvb_expert_info(ef.bad_mac, tvb(payload_end, MAC_BYTES),
      "HMAC-SHA256 does not verify: forged, altered, or another cluster key than the key_file preference")
  end
  return length
end

-- The frame length, from the first 8 bytes (length, magic, version, type). Without the magic
-- the length means nothing: the rest of the segment is then shown as one malformed frame.
local function frame_length(tvb, pinfo, offset)
  local declared = tvb(offset, 4):uint()
  if tvb(offset + 4, 2):uint() ~= FRAME_MAGIC or declared < 8 or declared > MAX_FRAME_BYTES then
    return tvb:len() - offset
  end
  return declared
end

function proto.dissector(tvb, pinfo, tree)
  pinfo.cols.protocol = "floatip"
  dissect_tcp_pdus(tvb, tree, 8, frame_length, dissect_frame, true)
  return tvb:len()
end

function proto.init()
  connections = {}
  last_packet, frames_in_packet = nil, 0
  load_key()
end

local registered_port
local function register_port()
  local tcp_port = DissectorTable.get("tcp.port")
  if registered_port ~= nil then tcp_port:remove(registered_port, proto) end
  registered_port = proto.prefs.port
  tcp_port:add(registered_port, proto)
end

function proto.prefs_changed()
  register_port()
  load_key()
end

register_port()
