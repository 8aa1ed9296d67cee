# shellcheck shell=bash
# Installs the Debian packages listed in scripts/packages.txt that are missing.
# Sourced by scripts/test and the ./nvsx launcher; needs NVSX_ROOT set.

nvsx_missing_packages() {
  local pkg status
  while read -r pkg; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || printf '%s\n' "$pkg"
  done < <(grep -Ev '^[[:space:]]*(#|$)' "$NVSX_ROOT/scripts/packages.txt")
}

# Returns 0 when everything is installed; installs as root, else prints the
# exact command to run and returns 1.
nvsx_ensure_packages() {
  local missing
  mapfile -t missing < <(nvsx_missing_packages)
  [ "${#missing[@]}" -eq 0 ] && return 0
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "nvsx: missing Debian packages: ${missing[*]}" >&2
    echo "nvsx: run as root:  $cmd" >&2
    return 1
  fi
  echo "nvsx: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Configures BUILD_DIR with Ninja and the given extra CMake arguments, once.
nvsx_configure() {
  local build_dir=$1
  shift
  [ -f "$build_dir/build.ninja" ] && return 0
  cmake -S "$NVSX_ROOT" -B "$build_dir" -G Ninja "$@"
}
