#!/usr/bin/env bash
# Builds the libFuzzer targets of the forms library with clang (the main build uses g++)
# and runs each one briefly over the seed corpus in the repository. Fails if a fuzzer
# finds a crash, a sanitizer report or a broken invariant; exits 77 (ctest: skipped) when
# no clang with libFuzzer is available.
#
#   run_fuzzers.sh SOURCE_DIR WORK_DIR [SECONDS_PER_TARGET]
#
# New inputs the fuzzers find go to WORK_DIR/corpus, never into the repository; a crashing
# input is saved as WORK_DIR/crash-* and its path printed. Replay one with
#   WORK_DIR/form_parser_fuzzer WORK_DIR/crash-...
set -euo pipefail

src=$(cd "$1" && pwd)
work=$2
seconds=${3:-10}
mkdir -p "$work"
work=$(cd "$work" && pwd)

cxx=${FUZZ_CXX:-}
if [ -z "$cxx" ]; then cxx=$(command -v clang++-14 || command -v clang++ || true); fi
if [ -z "$cxx" ]; then
  echo "run_fuzzers: no clang++ found; fuzzers skipped"
  exit 77
fi
launcher=()
if command -v ccache >/dev/null; then launcher=(ccache); fi

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cxxflags=(-std=c++20 -g -O1 -fno-omit-frame-pointer $sanitize -I"$src")

# Probe: can this compiler link a libFuzzer target at all?
probe=$work/probe
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
  > "$probe.cc"
if ! "$cxx" -fsanitize=fuzzer "$probe.cc" -o "$probe" 2>"$probe.log"; then
  echo "run_fuzzers: $cxx cannot build libFuzzer targets (see $probe.log); fuzzers skipped"
  exit 77
fi

# The library under test, instrumented for coverage; core/*.cc is pure and small.
mkdir -p "$work/obj"
sources=("$src"/core/*.cc "$src"/core/forms/*.cc)
objects=()
for s in "${sources[@]}"; do objects+=("$work/obj/$(echo "${s#"$src"/}" | tr '/' '_').o"); done
failed=0
running=()
for i in "${!sources[@]}"; do
  "${launcher[@]}" "$cxx" "${cxxflags[@]}" -fsanitize=fuzzer-no-link -c "${sources[$i]}" \
    -o "${objects[$i]}" &
  running+=($!)
  if [ ${#running[@]} -ge 2 ]; then  # two at a time: the machine is shared
    wait "${running[0]}" || failed=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
if [ $failed -ne 0 ]; then
  echo "run_fuzzers: compiling the library for fuzzing failed"
  exit 1
fi

status=0
for target in form_parser expression; do
  binary=$work/${target}_fuzzer
  "$cxx" "${cxxflags[@]}" -fsanitize=fuzzer "$src/tests/forms/fuzz/${target}_fuzzer.cc" \
    "${objects[@]}" -o "$binary"
  seeds=("$src/tests/forms/corpus/$target")
  if [ "$target" = form_parser ]; then seeds=("$src/tests/forms/corpus/form" "$src/forms"); fi
  mkdir -p "$work/corpus/$target"
  echo "== fuzzing $target for ${seconds}s"
  # libFuzzer writes new inputs only into the first corpus directory (ours, not the repo's).
  if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
      -dict="$src/tests/forms/fuzz/${target%_parser}.dict" \
      -artifact_prefix="$work/crash-$target-" \
      "$work/corpus/$target" "${seeds[@]}"; then
    echo "run_fuzzers: $target FAILED; crashing input: $(ls -t "$work"/crash-"$target"-* 2>/dev/null | head -1)"
    status=1
  fi
done
exit $status
