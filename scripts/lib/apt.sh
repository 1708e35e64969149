# Debian package helpers shared by the set-up scripts (sourced, not run).
#
# Every apt call goes through `apt_cmd`, so the same code runs either against the machine or, with
# OA_APT_SCRATCH=<dir>, against an empty scratch apt state (no package lists, no deb-src entries,
# nothing installed): scripts/check-setup.sh uses that to replay a bare machine's set-up on any
# machine, so a set-up that only works the second time cannot land again.

OA_APT_SCRATCH="${OA_APT_SCRATCH:-}"
OA_APT_LOG="${OA_APT_LOG:-/dev/stderr}"   # where apt's own output goes

apt_log() { echo "[setup] $*"; }

# The apt configuration: the machine's, or the scratch one.
apt_sources_dir() { if [[ -n $OA_APT_SCRATCH ]]; then echo "$OA_APT_SCRATCH/sources.list.d"; else echo /etc/apt/sources.list.d; fi; }
apt_cmd() {  # apt_cmd <apt-get|apt-cache> args...
  local tool="$1"; shift
  if [[ -n $OA_APT_SCRATCH ]]; then
    "$tool" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$OA_APT_SCRATCH/sources.list.d" \
      -o Dir::State::Lists="$OA_APT_SCRATCH/lists" -o Dir::State::status="$OA_APT_SCRATCH/status" \
      -o Dir::Cache="$OA_APT_SCRATCH/cache" -o APT::Sandbox::User=root "$@"
  else
    "$tool" "$@"
  fi
}

apt_need_root() {
  [[ -n $OA_APT_SCRATCH || $EUID -eq 0 ]] && return 0
  echo "[setup] $1 needs root: run this once as root (or install it yourself)" >&2
  exit 1
}

# The package lists are refreshed once per distinct source configuration: adding deb-src entries
# changes it, so the update that makes `apt-get source` work always runs (the bare-machine bug was a
# once-per-run guard that the first install had already used up).
apt_sources_fingerprint() {
  local files=("$(apt_sources_dir)"/*.sources "$(apt_sources_dir)"/*.list)
  [[ -z $OA_APT_SCRATCH ]] && files+=(/etc/apt/sources.list)
  { cat "${files[@]}" 2>/dev/null || true; } | sha256sum | cut -c1-16
}
OA_APT_UPDATED_FOR="${OA_APT_UPDATED_FOR:-}"
apt_update() {
  local fp; fp="$(apt_sources_fingerprint)"
  [[ $fp == "$OA_APT_UPDATED_FOR" ]] && return 0
  apt_need_root "apt-get update"
  apt_log "apt-get update"
  apt_cmd apt-get update -q >>"$OA_APT_LOG" 2>&1 || { echo "[setup] apt-get update failed (log: $OA_APT_LOG)" >&2; tail -20 "$OA_APT_LOG" >&2; return 1; }
  OA_APT_UPDATED_FOR="$fp"; export OA_APT_UPDATED_FOR
}

apt_installed() {  # apt_installed <package>
  if [[ -n $OA_APT_SCRATCH ]]; then return 1; fi   # a bare machine has nothing
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# Installs the packages that are not installed yet (in scratch mode: resolves them, installs nothing).
apt_install_missing() {
  local missing=() p
  for p in "$@"; do apt_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  apt_need_root "installing ${missing[*]}"
  apt_update
  apt_log "apt-get install ${missing[*]}"
  local mode=(-y -q --no-install-recommends); [[ -n $OA_APT_SCRATCH ]] && mode=(-s -q --no-install-recommends)
  DEBIAN_FRONTEND=noninteractive apt_cmd apt-get install "${mode[@]}" "${missing[@]}" >>"$OA_APT_LOG" 2>&1 ||
    { echo "[setup] apt-get install ${missing[*]} failed (log: $OA_APT_LOG)" >&2; tail -20 "$OA_APT_LOG" >&2; return 1; }
}

# deb-src twins of the deb entries (Debian images ship deb822 files with `Types: deb` only).
apt_ensure_deb_src() {
  local dir; dir="$(apt_sources_dir)"
  local files=("$dir"/*.sources "$dir"/*.list); [[ -z $OA_APT_SCRATCH ]] && files+=(/etc/apt/sources.list)
  grep -qs '^Types:.*deb-src\|^deb-src' "${files[@]}" && return 0
  apt_need_root "adding deb-src entries"
  apt_log "adding deb-src entries ($dir/debsrc.sources)"
  local src; src="$(ls "$dir"/*.sources 2>/dev/null | head -1)"
  [[ -n $src ]] || { echo "[setup] no deb822 .sources file in $dir to mirror" >&2; return 1; }
  sed 's/^Types: deb$/Types: deb-src/' "$src" >"$dir/debsrc.sources"
}

# Makes sure `apt-get source <pkg>=<version>` can find that version, refreshing the lists if needed.
apt_ensure_source_version() {  # <pkg> <version>
  apt_ensure_deb_src
  apt_update
  apt_cmd apt-cache showsrc "$1" 2>/dev/null | grep -x "Version: $2" >/dev/null && return 0
  OA_APT_UPDATED_FOR=""; apt_update   # stale lists: one forced refresh
  apt_cmd apt-cache showsrc "$1" 2>/dev/null | grep -x "Version: $2" >/dev/null ||
    { echo "[setup] Debian source $1 $2 is not available from the configured mirrors" >&2; return 1; }
}
