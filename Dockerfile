# chatrelay in a FROM scratch image: one static binary (glibc, OpenSSL, libstdc++ linked in), the
# CA bundle, a non-root user and what glibc's name resolution reads. See README "Deploying".
#
#   docker build -t chatrelay .
#   docker run --rm -p 8000:8000 -e GEMINI_API_KEY=AIza... chatrelay
#
# tests/integration/test_container.py rebuilds the final stage's file list from the COPY lines
# below and runs the binary in an empty root holding only those files: keep one file per COPY.

FROM debian:bookworm AS build
WORKDIR /src
# The same Debian packages as a developer machine (one list: scripts/install-deps). The static build
# also uses libssl.a/libcrypto.a (libssl-dev), libnghttp2.a (libnghttp2-dev), libc.a (libc6-dev) and libstdc++.a (g++).
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
# simdjson is compiled from its v3.0.1 release (subprojects/simdjson.wrap): meson downloads it, or
# uses subprojects/packagecache/ when scripts/fetch-simdjson filled it before `docker build`.
RUN meson setup /build -Dstatic=true -Dtests=false --buildtype=release \
 && ninja -C /build src/chatrelay \
 && mkdir /out \
 && strip --strip-all -o /out/chatrelay /build/src/chatrelay \
 && ldd /out/chatrelay 2>&1 | grep -q 'not a dynamic executable' \
 && /out/chatrelay --version

FROM scratch
# Trust store: OpenSSL's default verify paths honour SSL_CERT_FILE (set below).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# Non-root user 65532 ("nonroot"), glibc's lookup order (`hosts: files dns`) and a localhost entry
# (container runtimes mount their own /etc/hosts over it, and add /etc/resolv.conf).
COPY deploy/rootfs/etc/passwd /etc/passwd
COPY deploy/rootfs/etc/group /etc/group
COPY deploy/rootfs/etc/nsswitch.conf /etc/nsswitch.conf
COPY deploy/rootfs/etc/hosts /etc/hosts
COPY --from=build /out/chatrelay /chatrelay

ENV HOST=0.0.0.0 \
    PORT=8000 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# ./config.toml and ./.env are read from the working directory: mount them at /config (the
# HEALTHCHECK then reads the same port), or pass --config PATH.
WORKDIR /config
USER 65532:65532
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/chatrelay", "--healthcheck"]
ENTRYPOINT ["/chatrelay"]
