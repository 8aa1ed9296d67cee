# shellcheck shell=bash
# Shared body of the repo-root launchers (./nvsx, ./nvsentinel): install what is
# missing, build the program when it is absent or its sources changed (ninja
# decides), then exec it with the caller's arguments.

nvsx_launch() {
  local program=$1
  shift
  NVSX_ROOT=${NVSX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  export NVSX_ROOT
  # shellcheck source=scripts/lib/deps.sh
  source "$NVSX_ROOT/scripts/lib/deps.sh"
  local build_dir=${NVSX_BUILD_DIR:-$NVSX_ROOT/build}
  local log="$build_dir/launcher-build.log"
  if [ ! -f "$build_dir/build.ninja" ]; then
    nvsx_ensure_packages || exit 2
    echo "nvsx: first run, building $program into $build_dir (a few minutes)..." >&2
  fi
  mkdir -p "$build_dir"
  local targets=("$program")
  # `nvsx demo` starts the nvsentinel programs: keep both built together.
  if [ "$program" = nvsx ]; then targets+=(nvsentinel); fi
  if ! (nvsx_configure "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo 2>&1 &&
        cmake --build "$build_dir" --target "${targets[@]}" 2>&1) >"$log"; then
    cat "$log" >&2
    echo "nvsx: building $program failed; the log above is also in $log" >&2
    exit 2
  fi
  exec "$build_dir/bin/$program" "$@"
}
