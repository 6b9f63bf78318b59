# Sourced: points JAVA_HOME at a JDK >= 25 under /usr/lib/jvm when the java on the PATH is
# older, so that Maven runs on it (the google-java-format check parses with the running JDK).
# Leaves JAVA_HOME alone when it already names a JDK >= 21, or when no JDK 25 is installed
# (the build then still works through maven-toolchains-plugin, without the format check).
myelin_java_feature() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  myelin_current=$(myelin_java_feature "$JAVA_HOME/bin/java")
else
  myelin_current=$(myelin_java_feature java || true)
fi
if [ "${myelin_current:-0}" -lt 21 ] 2>/dev/null; then
  for myelin_jdk in /usr/lib/jvm/*; do
    if [ -x "$myelin_jdk/bin/javac" ] &&
      [ "$(myelin_java_feature "$myelin_jdk/bin/java")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$myelin_jdk"
      break
    fi
  done
fi
unset myelin_current myelin_jdk
