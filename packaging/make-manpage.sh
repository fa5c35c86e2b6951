#!/usr/bin/env bash
# Writes the aiagency(1) man page (roff) to stdout, generated from the program's own --help texts,
# so the manual cannot drift from the program: the top-level usage, then each command's --help.
#   make-manpage.sh /path/to/aiagency VERSION
set -euo pipefail
bin=$1 version=$2

# A clean environment: help texts must not depend on the caller's settings or files.
run() { env -i PATH=/usr/bin:/bin HOME=/nonexistent QT_QPA_PLATFORM=offscreen \
  "$bin" --config /dev/null --env-file /dev/null "$@" 2>&1; }

# roff: escape backslashes, protect lines starting with . or '
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }

usage=$(run --help)
# Commands are the indented first words under "Commands:" (e.g. "  db status  ...").
commands=$(printf '%s\n' "$usage" | awk '/^Commands:/{on=1;next} on&&/^$/{on=0} on&&/^  [a-z(]/{print $1}' |
  grep -v '^(' | sort -u)

date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$bin")}" +%Y-%m-%d)
cat <<ROFF
.TH AIAGENCY 1 "$date" "aiagency $version" "User Commands"
.SH NAME
aiagency \\- multi\\-tenant, multi\\-LLM agent console and headless server
.SH SYNOPSIS
.B aiagency
[\\fIGLOBAL OPTIONS\\fR] [\\fICOMMAND\\fR] [\\fIARGS\\fR]
.SH DESCRIPTION
One program bundles the whole Agency Console backend: flows with tool calling, adapters for OpenAI,
Mistral, Vertex AI (Gemini) and an offline demo provider, a per\\-tenant token rate limiter and a
PostgreSQL conversation store. Without a command it opens the desktop console; \\fBaiagency serve\\fR
runs the headless HTTP server. Without \\fBDATABASE_URL\\fR it runs a private, embedded PostgreSQL
cluster in its data directory.
.PP
The sections below are the program's own \\fB\\-\\-help\\fR texts.
.SH USAGE
.nf
ROFF
printf '%s\n' "$usage" | esc
echo ".fi"
for c in $commands; do
  echo ".SH COMMAND: ${c^^}"
  echo ".nf"
  { run "$c" --help || true; } | sed -E "s#^Usage: [^ ]+#Usage: aiagency $c#" | grep -v -- '--help-all' | esc
  echo ".fi"
done
cat <<'ROFF'
.SH SETTINGS
Settings come from built\-in defaults, then the config file, then \fI.env\fR, then the environment,
then \fB\-\-set KEY=VALUE\fR; later sources win. \fBaiagency config show\fR prints every setting with
its value, source and meaning (secrets masked).
.SH FILES
.TP
.I /etc/aiagency/aiagency.env
Settings of the \fBaiagency.service\fR systemd unit.
.TP
.I /var/lib/aiagency
State of the service: the embedded PostgreSQL cluster.
.TP
.I ~/.config/aiagency/aiagency.conf
The user's settings file.
.SH EXIT STATUS
0 on success; see docs/cli.md in the source for the table of exit codes.
.SH SEE ALSO
.BR systemctl (1),
.BR postgres (1)
ROFF
