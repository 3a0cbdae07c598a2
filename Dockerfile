# The `chat` server: built in a Rust image, run as a non-root user in a slim Debian image with
# its data in the volume /data. Build: docker build -t chat .
# Run:   docker run -p 8080:8080 -v chat-data:/data chat
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p chat-server \
    && install -m 0755 target/release/chat /usr/local/bin/chat

FROM debian:bookworm-slim
# curl answers the health check; ca-certificates lets link previews and push webhooks use TLS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 chat \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin chat \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /usr/local/bin/chat /usr/local/bin/chat
USER 10001:10001
ENV CHAT_DATA_DIR=/data \
    CHAT_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["chat"]
CMD ["serve"]
