# The two commands a fresh machine needs: `make run` (server on the demo model) and `make test`.
CONFIG ?= Release
PORT ?= 8080
# The address the server listens on: this machine only. HOST=0.0.0.0 opens it to the network (set VLO__ApiKeys__0 too:
# the server warns at start-up when it is reachable from outside without keys).
HOST ?= localhost
# The server's only writable folder (the demo model is built here on first run, then reused; git-ignored).
DATA ?= $(CURDIR)/data
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

.PHONY: setup setup-run build build-run test run clean format

# What the tests need too (browser, fonts, reference tools); `make run` installs only what running needs.
setup:
	@bash scripts/setup.sh test

setup-run:
	@bash scripts/setup.sh run

build: setup
	$(DOTNET) build VLOrleans.sln -c $(CONFIG) -nologo -clp:ErrorsOnly

# The server alone (and what it references): no test projects, so no Playwright.
build-run: setup-run
	$(DOTNET) build silo/VLOrleans.Silo.csproj -c $(CONFIG) -nologo -clp:ErrorsOnly

test: build
	@bash scripts/services.sh start
	@bash scripts/test.sh $(CONFIG)

run: build-run
	@echo "VLOrleans on http://$(HOST):$(PORT) (data: $(DATA); /readyz turns 200 once the model is loaded)"
	env $$(case "$${VLO_ORT_TELEMETRY:-}" in 1|true) ;; *) echo ORT_DISABLE_TELEMETRY=1 ;; esac) DOTNET_EnableDiagnostics=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 VLO__DataPath="$(DATA)" $(DOTNET) silo/bin/$(CONFIG)/net10.0/VLOrleans.Silo.dll --urls http://$(HOST):$(PORT)

format:
	$(DOTNET) format VLOrleans.sln

clean:
	$(DOTNET) clean VLOrleans.sln -c $(CONFIG) -nologo
