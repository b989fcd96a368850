# syntax=docker/dockerfile:1
# ccg server image: a static binary on a distroless base, non-root, for a
# read-only root file system with the state in the /data volume.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t ccg .
#   docker run --read-only -p 8080:8080 -v ccg-data:/data ccg
#
# Packages: mount a folder of CCG packages and point CCG_PACKAGES at it
# (-v "$PWD/examples:/packages:ro" -e CCG_PACKAGES='/packages/*/package'),
# or sync them from a Guideline Repository with CCG_REPOSITORY.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ccg ./cmd/ccg \
    && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ccg /usr/local/bin/ccg
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV CCG_ADDR=0.0.0.0:8080 \
    CCG_DATA=/data
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ccg"]
CMD ["serve"]
