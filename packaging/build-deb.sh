#!/usr/bin/env bash
# `npm run package:deb [-- OUTDIR]`: builds floatip_VERSION_ARCH.deb from the built tree (dist/, build/Release, node_modules).
#
# Everything is staged in a temporary directory: the repository's node_modules, dist/ and
# build/ are only read. dpkg-deb --root-owner-group makes
# every file root's without fakeroot. Layout:
#   /usr/lib/floatip/            dist/src, build/Release/*.node and floatip-guardian, node_modules, package.json, binding.gyp
#   /usr/bin/floatip, /usr/sbin/floatipd   links to /usr/lib/floatip/bin/floatip-run
#   /etc/floatip/                floatip.toml (example), nodes, public_addresses, events.d/ (conffiles)
#   /lib/systemd/system/floatipd.service, man pages, bash completion, docs
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$repo}")
cd "$repo"

for need in dist/src/daemon/main.js dist/src/cli/main.js build/Release/floatip_native.node build/Release/floatip-guardian node_modules/netlink; do
  [ -e "$need" ] || { echo "package:deb: $need is missing: run scripts/setup.sh (or npm ci && npm run build) first" >&2; exit 1; }
done

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
deb="$out/floatip_${version}_${arch}.deb"
# Reproducible timestamps: the last commit's, as Debian's builds do with SOURCE_DATE_EPOCH.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

stage=$(mktemp -d "${TMPDIR:-/tmp}/floatip-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
lib="$root/usr/lib/floatip"
install -d "$lib/bin" "$lib/build/Release" "$lib/dist" "$root/usr/bin" "$root/usr/sbin" \
  "$root/etc/floatip" "$root/lib/systemd/system" "$root/usr/share/doc/floatip" \
  "$root/usr/share/man/man1" "$root/usr/share/man/man5" "$root/usr/share/man/man8" \
  "$root/usr/share/bash-completion/completions" "$root/DEBIAN"

# The program: compiled sources (no tests, no benchmarks, no source maps), the addon, the markers
# by which the addon loader finds the package root (binding.gyp) and the version (package.json).
cp -a dist/src "$lib/dist/src"
# The soak runner is a development tool (npm run soak); nothing in the CLI or daemon imports it.
rm -rf "$lib/dist/src/soak"
find "$lib/dist" -name '*.map' -delete
# Entry points keep their `#!/usr/bin/env node` line: make them executable to match.
grep -rl --include='*.js' '^#!' "$lib/dist" | xargs -r chmod 755
install -m 644 build/Release/floatip_native.node "$lib/build/Release/"
# The guardian program floatipd starts beside itself (native/guardian/).
install -m 755 build/Release/floatip-guardian "$lib/build/Release/"
install -m 644 package.json binding.gyp "$lib/"
install -m 755 packaging/deb/floatip-run "$lib/bin/floatip-run"
ln -s ../lib/floatip/bin/floatip-run "$root/usr/bin/floatip"
ln -s ../lib/floatip/bin/floatip-run "$root/usr/sbin/floatipd"

# Run-time node_modules only, dereferenced (the repository's may be a link): every lockfile
# entry not marked `dev` (needed only to build or test). Copying by the lockfile needs no
# network and no second `npm ci`, and never touches the repository's own tree.
node -e 'for (const [path, entry] of Object.entries(require("./package-lock.json").packages))
  if (path !== "" && !entry.dev && !entry.link) console.log(path);' | while read -r module; do
  install -d "$lib/$(dirname "$module")"
  cp -rL "$module" "$lib/$module"
done
# Prebuilt addons of other architectures would be dead weight (and foreign binaries).
node_arch=$(node -p 'process.arch')
find "$lib/node_modules" -path '*/prebuilds/*' -mindepth 1 -maxdepth 4 -type d -name 'linux-*' ! -name "linux-$node_arch" -prune -exec rm -rf {} +
# Not run: build leftovers of native modules, type declarations, docs (pino ships an HTML page
# that loads scripts from CDNs), VCS and editor files. node_modules files are data for node,
# never executed themselves: mode 644.
find "$lib/node_modules" -type d \( -name obj.target -o -name '@types' -o -name test -o -name .husky -o -name .bin \) -prune -exec rm -rf {} +
find "$lib/node_modules" -type f \( -name '*.md' -o -name '*.markdown' -o -name '*.html' -o -name '.npmignore' \
  -o -name '.git*' -o -name '.eslintrc*' -o -name '.editorconfig' -o -name '*.map' -o -name '*.ts' -o -name '*.sh' \) -delete
find "$lib/node_modules" -type f -exec chmod 644 {} +
find "$lib/node_modules" -type f -exec awk 'FNR == 1 && /^#!/ { print FILENAME } { nextfile }' {} + | xargs -r chmod 755
find "$lib" -name '*.node' -exec strip --strip-unneeded --remove-section=.comment {} +
strip --remove-section=.comment --remove-section=.note "$lib/build/Release/floatip-guardian"

# Configuration: an example floatip.toml, empty nodes and public_addresses, the shipped event
# scripts with their modes (a disabled script stays disabled). All conffiles.
install -m 644 packaging/deb/floatip.toml "$root/etc/floatip/floatip.toml"
install -m 644 /dev/null "$root/etc/floatip/nodes"
install -m 644 /dev/null "$root/etc/floatip/public_addresses"
cp -a events.d "$root/etc/floatip/events.d"
mv "$root/etc/floatip/events.d/README.md" "$root/usr/share/doc/floatip/events.d-README.md"
chmod -R go-w "$root/etc/floatip"

install -m 644 packaging/floatipd.service "$root/lib/systemd/system/floatipd.service"
install -m 644 packaging/floatip.bash-completion "$root/usr/share/bash-completion/completions/floatip"
for page in packaging/man/*.[0-9]; do
  section=${page##*.}
  gzip -9n < "$page" > "$root/usr/share/man/man$section/$(basename "$page").gz"
done
install -m 644 packaging/deb/copyright "$root/usr/share/doc/floatip/copyright"
# Alerting rules (with their promtool test cases) and the Grafana dashboard (docs/operations.md).
install -d "$root/usr/share/doc/floatip/examples"
install -m 644 packaging/prometheus/floatip.rules.yml packaging/prometheus/floatip.rules.test.yml \
  packaging/grafana/floatip-dashboard.json "$root/usr/share/doc/floatip/examples/"
install -D -m 644 packaging/deb/lintian-overrides "$root/usr/share/lintian/overrides/floatip"
for doc in docs/*.md README.md; do gzip -9n < "$doc" > "$root/usr/share/doc/floatip/$(basename "$doc").gz"; done
changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
printf 'floatip (%s) unstable; urgency=medium\n\n  * Built from the floatip repository (commit %s).\n\n -- floatip maintainers <floatip@example.org>  %s\n' \
  "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$changelog_date" | gzip -9n > "$root/usr/share/doc/floatip/changelog.gz"

# Control files. The shared-library dependencies of the three addons and the guardian come from dpkg-shlibdeps
# (it needs a debian/control to run in). raw-socket's addon uses V8's C++ API, not N-API, so it
# loads only in the Node.js major it was built with: the package depends on that major.
install -d "$stage/shlibs/debian"
printf 'Source: floatip\n\nPackage: floatip\nArchitecture: any\n' > "$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && find "$lib" \( -name '*.node' -o -name floatip-guardian \) -exec dpkg-shlibdeps -O {} + 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
node_major=$(node -p 'process.versions.node.split(".")[0]')
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: floatip
Version: $version
Architecture: $arch
Maintainer: floatip maintainers <floatip@example.org>
Installed-Size: $installed_kb
Depends: nodejs (>= $node_major), nodejs (<< $((node_major + 1))), iproute2, $shlibs
Recommends: procps
Section: net
Priority: optional
Homepage: https://github.com/floatip/floatip
Description: public-IP failover for Linux clusters (CTDB's IP takeover, rebuilt)
 floatip keeps a set of public IPv4/IPv6 addresses served by exactly one
 healthy node of a cluster and moves them within a second when a node, link
 or service fails. It announces moves with gratuitous ARP and unsolicited NA,
 resets the TCP clients of a failed node (tickles), and runs CTDB-compatible
 event scripts, for Samba, NFS or any TCP service. Quorum and a guardian
 process keep an address from being on two nodes.
CONTROL
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
find "$root" -depth -newermt "@$SOURCE_DATE_EPOCH" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +

install -d "$out"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
