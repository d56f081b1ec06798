#!/bin/sh
# SPDX-License-Identifier: MIT
# `erl` for the peer nodes the suites start (ROOT/bin/erl of the otp_suites
# release): erts' own erl script with ROOTDIR taken from where it lies
# (Debian's hardcodes /usr/lib/erlang) and no external commands, so busybox
# sh alone runs it on Kiln. Peers boot ROOT/bin/start.boot (kernel, stdlib).
d=${0%/*}
ROOTDIR=${d%/*}
BINDIR=$ROOTDIR/erts-@ERTS_VSN@/bin
EMU=beam
PROGNAME=erl
export EMU ROOTDIR BINDIR PROGNAME
# One scheduler and no busy waiting: peers boot within their 15 s under TCG.
exec "$BINDIR/erlexec" +S 1:1 +sbwt none "$@"
