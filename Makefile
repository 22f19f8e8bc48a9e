# The two commands a fresh machine needs: `make run` (server on the demo model) and `make test`.
CONFIG ?= Release
PORT ?= 8080
# The server's only writable folder (the demo model is built here on first run, then reused; git-ignored).
DATA ?= $(CURDIR)/data
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

.PHONY: setup build test run clean format

setup:
	@bash scripts/setup.sh

build: setup
	$(DOTNET) build VLOrleans.sln -c $(CONFIG) -nologo -clp:ErrorsOnly

test: build
	@bash scripts/test.sh $(CONFIG)

run: build
	@echo "VLOrleans on http://localhost:$(PORT) (data: $(DATA); /readyz turns 200 once the model is loaded)"
	env $$(case "$${VLO_ORT_TELEMETRY:-}" in 1|true) ;; *) echo ORT_DISABLE_TELEMETRY=1 ;; esac) VLO__DataPath="$(DATA)" $(DOTNET) silo/bin/$(CONFIG)/net10.0/VLOrleans.Silo.dll --urls http://0.0.0.0:$(PORT)

format:
	$(DOTNET) format VLOrleans.sln

clean:
	$(DOTNET) clean VLOrleans.sln -c $(CONFIG) -nologo
