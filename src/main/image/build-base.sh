#!/usr/bin/env bash
# Builds the base image of the mailfetch container without a registry or a Docker daemon: a
# `docker save`-format tarball (manifest.json, config.json, one layer) that Jib reads as
# `tar://…` (pom.xml, profile `image`) and puts the application's layers on.
#
#   build-base.sh JDK_HOME APP_JAR OUT_TAR
#
# The layer holds only what the JVM needs:
#   /opt/java            a Java runtime linked with jlink from JDK_HOME (the modules jdeps finds in
#                        APP_JAR plus those loaded by name or service: TLS ciphers, charsets, JMX,
#                        signals, ...); a full copy of JDK_HOME when it has no jmods/
#   /lib*, /usr/lib*     the shared libraries that runtime links (found with ldd) and the dynamic loader
#   /opt/java/lib/security/cacerts   the JDK's CA certificates, resolved from symbolic links
#   /usr/lib/locale/C.utf8           the C.UTF-8 locale (LANG=C.UTF-8: UTF-8 file names and default charset)
#   /etc/passwd, /etc/group, /etc/nsswitch.conf   root and the user mailfetch (10001:10001)
#   /var/lib/mailfetch   the node's volume (data dir /var/lib/mailfetch/data): owned by mailfetch, 0700
#   /srv/mailfetch       where a shared Maildir volume goes (mailfetch.maildir.root below it): the same
#   /tmp                 1777
# Everything else belongs to root and is not writable by mailfetch. The tarball is reproducible for a
# given JDK and jar (sorted, fixed times, numeric owners), so Jib's cache keeps its layer.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 JDK_HOME APP_JAR OUT_TAR" >&2
  exit 2
fi
jdk=$(cd "$1" && pwd)
jar=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
out=$(mkdir -p "$(dirname "$3")" && cd "$(dirname "$3")" && pwd)/$(basename "$3")

uid=10001
gid=10001
home=/var/lib/mailfetch
shared=/srv/mailfetch
# The layer's file times (seconds since 1970): fixed, as Jib does for its own layers.
epoch=${SOURCE_DATE_EPOCH:-1}

# Loaded by name or as services, which jdeps cannot see: ECDHE/EdDSA TLS (jdk.crypto.ec), mail in
# ISO-2022-JP, Big5, windows-125x, ... (jdk.charsets), SASL and GSS mechanisms of the mail clients,
# zip file systems, sun.misc.Signal/Unsafe (jdk.unsupported), the data dir's uid check
# (jdk.security.auth), JVM metrics and remote JMX (jdk.management*), DNS lookups through JNDI,
# flight recordings for diagnosis.
extra_modules=jdk.crypto.ec,jdk.charsets,java.security.sasl,java.security.jgss,jdk.security.jgss,jdk.zipfs,jdk.unsupported,jdk.security.auth,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.net,jdk.jfr,jdk.localedata

desktop_natives=$(printf '**/lib/%s.so,' libawt libawt_xawt libawt_headless libjawt libsplashscreen \
  libfontmanager liblcms libjavajpeg libmlib_image libjsound)
desktop_natives=${desktop_natives%,}

work=${out%.tar}
root=$work/rootfs
rm -rf "$work" "$out"
mkdir -p "$root"

log() { echo "[build-base] $*" >&2; }

# --- the Java runtime ---------------------------------------------------------------------------
java_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$jdk/release")
log "JDK $jdk (Java $java_version)"
if [[ -f $jdk/jmods/java.base.jmod && -x $jdk/bin/jlink ]]; then
  # jdeps reads a jar holding a module-info.class as that module: the shaded jar carries some of
  # its dependencies' (META-INF/versions/N/), so it looks at a copy without them
  found=""
  if cp "$jar" "$work/app.jar" && zip -q -d "$work/app.jar" 'META-INF/versions/*/module-info.class' 'module-info.class' \
      >/dev/null 2>&1 || [[ $? -eq 12 ]]; then
    found=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release "${java_version%%.*}" \
      -q "$work/app.jar" 2>"$work/jdeps.err" | tail -n 1) || found=""
  fi
  rm -f "$work/app.jar"
  if [[ -z $found ]]; then
    # jdeps gave up on some class of some dependency: take the whole of Java SE instead
    log "jdeps found nothing (see $work/jdeps.err): linking java.se"
    found=java.se
  fi
  modules=$(tr ',' '\n' <<<"$found,$extra_modules" | sort -u | paste -sd, -)
  log "jlink --add-modules $modules"
  compress=--compress=2
  [[ ${java_version%%.*} -ge 21 ]] && compress=--compress=zip-6
  # java.desktop stays (java.beans is used), without its native AWT, font, image, sound and splash
  # libraries: a headless service never loads them, and they would bring X11, freetype, ALSA, ...
  "$jdk/bin/jlink" --add-modules "$modules" --output "$root/opt/java" --strip-debug --no-man-pages \
    --no-header-files "$compress" --exclude-files="$desktop_natives"
  echo "$modules" >"$work/modules"
else
  # A JDK without jmods (Debian: openjdk-17-jmods not installed) cannot be linked: copy it whole,
  # resolving its links into /etc and /usr/share, without what only compiling needs.
  log "no $jdk/jmods: copying the whole runtime (install openjdk-17-jmods for a smaller image)"
  mkdir -p "$root/opt/java"
  (cd "$jdk" && tar -chf - --exclude=./jmods --exclude=./include --exclude=./man --exclude=./demo \
    --exclude=./lib/src.zip --exclude=./docs .) | tar -xf - -C "$root/opt/java"
  # as jlink's --exclude-files above, and Debian's accessibility bridge (ATK, D-Bus)
  rm -f "$root"/opt/java/lib/{libawt,libawt_xawt,libawt_headless,libjawt,libsplashscreen,libfontmanager,liblcms,libjavajpeg,libmlib_image,libjsound,libatk-wrapper}.so
  echo "(whole runtime)" >"$work/modules"
fi

# Debian's JDK links lib/security/cacerts to /etc/ssl/certs/java/cacerts: the real file, or the
# runtime trusts nobody and every TLS login fails.
cacerts=$(readlink -f "$jdk/lib/security/cacerts" || true)
if [[ -n $cacerts && -s $cacerts ]]; then
  rm -f "$root/opt/java/lib/security/cacerts"
  cp "$cacerts" "$root/opt/java/lib/security/cacerts"
  chmod 644 "$root/opt/java/lib/security/cacerts"
else
  log "WARNING: $jdk/lib/security/cacerts is missing or empty: the image trusts no CA (install ca-certificates-java)"
fi
# no link may point outside the image
while IFS= read -r link; do
  target=$(readlink -f "$link")
  rm -f "$link"
  cp "$target" "$link"
done < <(find "$root/opt/java" -type l)

# --- shared libraries and the dynamic loader ------------------------------------------------------
# Every ELF file of the runtime, and what it links (ldd lists the loader too); libraries inside the
# runtime are found there through $ORIGIN. Each lands at the path ldd printed, as a plain file.
missing=()
declare -A seen=()
while IFS= read -r elf; do
  while IFS= read -r line; do
    path=""
    if [[ $line =~ =\>\ not\ found ]]; then
      name=$(echo "${line%% =>*}" | tr -d '[:space:]')
      # libjvm.so is the runtime's own (lib/server/), loaded before the libraries that name it
      [[ -n $(find "$root/opt/java" -name "$name" -print -quit) ]] || missing+=("${elf#"$root"}: $name")
      continue
    elif [[ $line =~ =\>\ (/[^ ]+) ]]; then
      path=${BASH_REMATCH[1]}
    elif [[ $line =~ ^[[:space:]]*(/[^ ]+)\ \( ]]; then
      path=${BASH_REMATCH[1]}
    fi
    [[ -z $path || $path == "$root"/* || -n ${seen[$path]:-} ]] && continue
    path=$(realpath -s "$path")
    seen[$path]=1
    mkdir -p "$root$(dirname "$path")"
    cp "$(readlink -f "$path")" "$root$path"
    chmod 755 "$root$path"
  done < <(ldd "$elf" 2>/dev/null || true)
done < <(find "$root/opt/java" -type f \( -perm -u+x -o -name '*.so' \) -exec sh -c \
  'head -c 4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "WARNING: not found on this machine, left out: ${missing[*]}"
fi
log "shared libraries: ${!seen[*]}"

# The C.UTF-8 locale: with it Java's default charset and file-name encoding are UTF-8.
if [[ -d /usr/lib/locale/C.utf8 ]]; then
  mkdir -p "$root/usr/lib/locale"
  cp -r /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
fi

# --- users, directories -------------------------------------------------------------------------
mkdir -p "$root/etc" "$root/tmp" "$root$home" "$root$shared"
printf 'root:x:0:0:root:/root:/sbin/nologin\nmailfetch:x:%s:%s:mailfetch:%s:/sbin/nologin\n' "$uid" "$gid" "$home" \
  >"$root/etc/passwd"
printf 'root:x:0:\nmailfetch:x:%s:\n' "$gid" >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
chmod -R u=rwX,go=rX "$root"

# --- the layer and the image --------------------------------------------------------------------
tar_opts=(--format=posix --numeric-owner --mtime="@$epoch"
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
(cd "$root" && tar -cf "$work/layer.tar" "${tar_opts[@]}" --sort=name --owner=0 --group=0 \
  --exclude=./tmp --exclude=".$home" --exclude=".$shared" .)
(cd "$root" && tar -rf "$work/layer.tar" "${tar_opts[@]}" --no-recursion --owner=0 --group=0 --mode=1777 ./tmp)
(cd "$root" && tar -rf "$work/layer.tar" "${tar_opts[@]}" --no-recursion --owner="$uid" --group="$gid" \
  --mode=0700 ".$home" ".$shared")

diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
modules_list=$(cat "$work/modules")
cat >"$work/config.json" <<EOF
{
  "architecture": "amd64",
  "os": "linux",
  "created": "1970-01-01T00:00:00Z",
  "config": {
    "Env": ["PATH=/opt/java/bin:/usr/local/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java", "LANG=C.UTF-8"],
    "User": "$uid:$gid",
    "WorkingDir": "$home"
  },
  "rootfs": {"type": "layers", "diff_ids": ["$diff_id"]},
  "history": [{"created": "1970-01-01T00:00:00Z",
    "created_by": "src/main/image/build-base.sh: Java $java_version runtime ($modules_list), its shared libraries, CA certificates, user mailfetch"}]
}
EOF
cat >"$work/manifest.json" <<EOF
[{"Config": "config.json", "RepoTags": ["mailfetch-base:local"], "Layers": ["layer.tar"]}]
EOF
(cd "$work" && tar -cf "$out" "${tar_opts[@]}" --owner=0 --group=0 manifest.json config.json layer.tar)

# the runtime must start on this machine at least (the image is checked in README: chroot)
"$root/opt/java/bin/java" -version 2>&1 | head -n 1 >&2
log "$out: $(du -h "$out" | cut -f1), layer $diff_id"
