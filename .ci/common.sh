# Shared by .ci/test and .ci/demo (sourced, not run): the step runner and the
# setup steps both need (venv, tools, wheel, install).
#
# A step is a shell function run by `step NAME FUNCTION`: it prints one line,
# "NAME  ok  Ns  summary", with its output kept in a log; when it fails, the
# log is shown (the tool's own output) and the script exits with its status.
# The summary is what the function wrote to "$logs/NAME.note", else the last
# line of its output. A step that leaves something running registers its
# cleanup with `on_exit "command"`.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
py=${PYTHON:-python3}
venv="$root/.venv"
dist="$root/.dist"

# Tools that resolve `boxauth` must see the installed wheel, so they run from
# an empty directory: the source tree has no boxauth/adapters folder.
work=$(mktemp -d)
logs=$(mktemp -d)
cleanups=("rm -rf '$work' '$logs'")
on_exit() { cleanups+=("$1"); }
run_cleanups() {
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap run_cleanups EXIT

note() { echo "$*" >"$logs/$current.note"; }
last_line() { grep -v '^[[:space:]]*$' "$1" | tail -n 1; }

step() {
  local name=$1 fn=$2 log="$logs/$1.log" start=$SECONDS rc=0
  current=$name
  printf '%-14s ' "$name"
  "$fn" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf 'ok  %3ss  %s\n' "$((SECONDS - start))" \
      "$(cat "$logs/$name.note" 2>/dev/null || last_line "$log" || true)"
    return 0
  fi
  printf 'FAILED (exit %s, %ss); its output:\n' "$rc" "$((SECONDS - start))"
  case $name in
    # bandit warns about the lines of a multi-line literal that carries a
    # `# nosec`; those warnings are not findings.
    bandit) grep -v 'nosec encountered' "$log" || true ;;
    # pytest -q: drop the progress-dot lines, keep failures and the summary.
    pytest) grep -Ev '^[.sxXEF]+ *(\[ *[0-9]+%\])?$' "$log" || true ;;
    *) cat "$log" ;;
  esac
  exit "$rc"
}

# -- setup steps ------------------------------------------------------------------

setup_venv() {
  if [ -x "$venv/bin/python" ]; then
    note "reused .venv"
  else
    note "created .venv"
    "$py" -m venv "$venv"
  fi
}

# pip and build: downloaded from PyPI on the first run only.
setup_tools() {
  if "$venv/bin/python" -P -c "import build" 2>/dev/null; then
    note "pip and build already installed"
  else
    note "pip and build installed"
    "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip build
  fi
}

build_wheel() {
  rm -rf "$dist"
  "$venv/bin/python" -m build --wheel --outdir "$dist" . && note "$(cd "$dist" && ls boxauth-*.whl)"
}

# install_wheel [EXTRA]: the built wheel, forced (same version, new code), then
# its dependencies (with EXTRA's).
install_wheel() {
  local wheel spec
  wheel=$(ls "$dist"/boxauth-*.whl)
  spec=$wheel${1:+[$1]}
  note "boxauth${1:+[$1]} into .venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --force-reinstall --no-deps "$wheel" &&
    "$venv/bin/python" -m pip install --disable-pip-version-check "$spec"
}
