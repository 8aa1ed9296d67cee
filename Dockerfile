# The one image every nvsx program runs from (deploy/ sets the subcommand).
#   docker build -t REGISTRY/nvsx:TAG .
# Built on Debian bookworm from Debian packages only, as the README's build is.

FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/packages.txt scripts/packages.txt
RUN apt-get update \
 && grep -v '^#' scripts/packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/opt/nvsx -DNVSX_BUILD_TESTS=OFF -DNVSX_BUILD_BENCHMARKS=OFF \
 && ninja -C /build nvsentinel nvsx \
 && cmake --install /build --strip

FROM debian:bookworm-slim
# The runtime libraries of the binaries above, and nothing to build with.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libgrpc++1.51 libprotobuf32 libabsl20220623 libyaml-cpp0.7 libfmt9 \
      libspdlog1.10 libcurl4 libssl3 libcpp-httplib0.11 libsqlite3-0 libedit2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/nvsx /opt/nvsx
USER 65532:65532
ENTRYPOINT ["/opt/nvsx/bin/nvsentinel"]
