# Sourced by the Kotlin runners (tests/run.sh, bench/run.sh, examples/kotlin/run.sh): installs
# what the JVM side needs when it is missing (idempotent) and builds the SDK's jar.
#   source bindings/uniffi/scripts/kotlin-env.sh
#   jiga_kotlin_tools                 # kotlinc (npm kotlin-compiler), JNA (Debian), a JDK
#   jiga_kotlin_sdk "$work"           # generates the sources, compiles $work/jiga-sdk.jar
#   "$JIGA_JAVA" -cp "$(jiga_kotlin_cp "$work/jiga-sdk.jar" ...)" MainKt
# Expects libjiga_uniffi.so built in "$CARGO_TARGET_DIR/release" (jiga_kotlin_sdk does not
# build it: the caller builds every artefact of its run once).

JIGA_KOTLIN_VERSION="2.4.20"
JIGA_KOTLIN_DIR="${JIGA_KOTLIN_DIR:-/var/tmp/jiga-kotlin}"
JIGA_KOTLIN_HOME="$JIGA_KOTLIN_DIR/node_modules/kotlin-compiler"

_jiga_apt() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@"
}

jiga_kotlin_tools() {
  local need=()
  command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
  [ -f /usr/share/java/jna.jar ] || need+=(libjna-java)
  command -v npm >/dev/null || need+=(nodejs npm)
  if [ "${#need[@]}" -gt 0 ]; then _jiga_apt "${need[@]}"; fi
  # kotlinc from npm (Debian's kotlin 1.3 cannot compile uniffi's output); it bundles the
  # kotlinx-coroutines jar that uniffi's suspend functions need.
  if ! grep -qs "\"version\": \"$JIGA_KOTLIN_VERSION\"" "$JIGA_KOTLIN_HOME/package.json"; then
    mkdir -p "$JIGA_KOTLIN_DIR"
    (cd "$JIGA_KOTLIN_DIR" && npm install --cache /var/tmp/jiga-npm-cache --no-audit --no-fund \
      --loglevel=error "kotlin-compiler@$JIGA_KOTLIN_VERSION" >/dev/null)
  fi
  JIGA_KOTLINC="$JIGA_KOTLIN_HOME/bin/kotlinc"
  JIGA_JAVA="$(command -v java)"
  export JIGA_KOTLINC JIGA_JAVA
}

# The classpath of a Kotlin program on the SDK: the Kotlin stdlib, coroutines, JNA, and the
# jars given.
jiga_kotlin_cp() {
  local cp="$JIGA_KOTLIN_HOME/lib/kotlin-stdlib.jar:$JIGA_KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar"
  local j
  for j in "$@"; do cp="$cp:$j"; done
  echo "$cp"
}

# The JVM flags that find libjiga_uniffi.so (and Debian's JNA dispatch library).
jiga_kotlin_jvm_flags() {
  echo "-Djna.library.path=$CARGO_TARGET_DIR/release -Djna.boot.library.path=/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/jni"
}

# Generates the Kotlin and Swift sources into $1/gen and compiles the Kotlin into
# $1/jiga-sdk.jar. The jar is cached under $JIGA_KOTLIN_DIR by the sources' hash: kotlinc
# takes a minute over the generated file, and the same sources give the same jar.
jiga_kotlin_sdk() {
  local work="$1" here hash cached
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  JIGA_UNIFFI_NO_BUILD=1 "$here/scripts/generate.sh" "$work/gen" >/dev/null
  hash="$(cat "$work"/gen/kotlin/ai/jiga/sdk/*.kt "$JIGA_KOTLIN_HOME/package.json" | sha256sum | cut -c1-16)"
  cached="$JIGA_KOTLIN_DIR/sdk-cache/jiga-sdk-$hash.jar"
  if [ ! -s "$cached" ]; then
    mkdir -p "$JIGA_KOTLIN_DIR/sdk-cache"
    "$JIGA_KOTLINC" -nowarn -cp "$(jiga_kotlin_cp)" -d "$work/jiga-sdk.jar" \
      "$work"/gen/kotlin/ai/jiga/sdk/*.kt
    cp "$work/jiga-sdk.jar" "$cached.tmp" && mv "$cached.tmp" "$cached"
    # Only the latest few are kept.
    find "$JIGA_KOTLIN_DIR/sdk-cache" -name '*.jar' -printf '%T@ %p\n' | sort -rn | tail -n +5 \
      | cut -d' ' -f2- | xargs -r rm -f
  fi
  cp "$cached" "$work/jiga-sdk.jar"
}
