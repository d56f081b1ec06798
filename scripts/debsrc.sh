# SPDX-License-Identifier: MIT
# Sourced by the fetch-*.sh scripts: download one of Debian 12's source
# packages into third_party/dl (git-ignored) and check its orig tarball.
#
#   debsrc_fetch NAME SRCPKG=DEBVERSION ORIG SHA256
#
# NAME prefixes messages. A deb-src line for bookworm is added to apt's
# sources if there is none. Exits 1 if the tarball's checksum is wrong.

debsrc_fetch() {
	local name=$1 pkg=$2 orig=$3 sha=$4
	local dl=third_party/dl
	mkdir -p "$dl"
	if [ -f "$dl/$orig" ] && echo "$sha  $dl/$orig" | sha256sum -c --quiet 2>/dev/null; then
		return 0
	fi
	if ! grep -rqs '^deb-src\|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "$name: adding a deb-src source for bookworm to apt"
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		$sudo tee /etc/apt/sources.list.d/kiln-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		$sudo apt-get update -qq
	fi
	(cd "$dl" && apt-get source --download-only -qq "$pkg" >/dev/null 2>&1) ||
		(cd "$dl" && apt-get source --download-only "$pkg")
	echo "$sha  $dl/$orig" | sha256sum -c --quiet || {
		echo "$name: $dl/$orig does not have the expected checksum" >&2
		exit 1
	}
}
